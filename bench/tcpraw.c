/*
 * Copyright (c) 2026 The xrelocd developers
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
 * WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
 * MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
 * ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
 * WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
 * ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
 * OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
 */

/*
 * The references for the migration benchmark: raw TCP throughput over
 * loopback, measured in the same run.  "hot": a 4 MiB buffer sent again
 * and again into a 4 MiB buffer (caches warm: the upper bound).  "mem":
 * MiB bytes sent from a populated buffer into fresh memory, which is what
 * any migration must at least do.  "cold": the same into memory the
 * reader allocated and faulted in before the first byte, as a Xen target
 * (and the sim's) holds a domain's memory before its stream: the copy
 * into memory that is in no cache, without the faults.  Prints MB/s.
 */

#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHUNK	(4u << 20)

static int
listen_lo(struct sockaddr_in *sin)
{
	socklen_t	len = sizeof(*sin);
	int		fd;

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)sin, sizeof(*sin)) == -1 ||
	    listen(fd, 1) == -1 ||
	    getsockname(fd, (struct sockaddr *)sin, &len) == -1)
		err(1, "listen");
	return fd;
}

static char *
mem_new(unsigned long long bytes, bool populate)
{
	char	*p;

	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS | (populate ? MAP_POPULATE : 0), -1, 0);
	if (p == MAP_FAILED)
		err(1, "mmap");
	return p;
}

/*
 * Receive into one reused chunk (hot), into fresh memory (mem) or into
 * memory faulted in first (cold); a byte on ready once it is allocated.
 */
static void
receive(int lfd, unsigned long long bytes, bool hot, bool cold, int ready)
{
	char			*buf = hot ? malloc(CHUNK) : mem_new(bytes, cold);
	unsigned long long	 off = 0;
	ssize_t			 n;
	int			 fd;

	if (buf == NULL || write(ready, "", 1) != 1 ||
	    (fd = accept(lfd, NULL, NULL)) == -1)
		err(1, "accept");
	while (off < bytes && (n = read(fd, buf + (hot ? 0 : off),
	    hot ? CHUNK : bytes - off)) > 0)
		off += (unsigned long long)n;
	_exit(off == bytes ? 0 : 1);
}

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char *argv[])
{
	struct sockaddr_in	 sin;
	unsigned long long	 bytes, left;
	char			*buf;
	double			 t0, t;
	ssize_t			 n;
	int			 lfd, fd, status, ready[2];
	bool			 hot, cold;
	char			 c;
	pid_t			 pid;

	if (argc != 3 || (strcmp(argv[1], "hot") != 0 &&
	    strcmp(argv[1], "mem") != 0 && strcmp(argv[1], "cold") != 0) ||
	    (bytes = strtoull(argv[2], NULL, 10) << 20) == 0) {
		fprintf(stderr, "usage: tcpraw hot|mem|cold MiB\n");
		return 2;
	}
	hot = strcmp(argv[1], "hot") == 0;
	cold = strcmp(argv[1], "cold") == 0;
	lfd = listen_lo(&sin);
	if (pipe(ready) == -1)
		err(1, "pipe");
	if ((pid = fork()) == 0)
		receive(lfd, bytes, hot, cold, ready[1]);
	if (read(ready[0], &c, 1) != 1)
		errx(1, "the reader did not start");
	buf = hot ? malloc(CHUNK) : mem_new(bytes, true);
	if (buf == NULL)
		err(1, "malloc");
	memset(buf, 0xa5, hot ? CHUNK : bytes);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		err(1, "connect");
	t0 = now();
	for (left = bytes; left > 0; left -= (unsigned long long)n) {
		size_t len = left < CHUNK ? left : CHUNK;

		if ((n = write(fd, buf + (hot ? 0 : bytes - left), len)) <= 0)
			err(1, "write");
	}
	close(fd);
	waitpid(pid, &status, 0);
	t = now() - t0;
	printf("%.0f\n", (double)bytes / t / 1e6);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
