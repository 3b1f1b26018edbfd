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
 * The reference for the migration benchmark: raw TCP throughput over
 * loopback, measured in the same run.  A child receives into a buffer,
 * the parent sends BYTES from a buffer; prints MB/s.
 */

#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
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

static void
receive(int lfd, unsigned long long bytes)
{
	char	*buf = malloc(CHUNK);
	ssize_t	 n;
	int	 fd;

	if (buf == NULL || (fd = accept(lfd, NULL, NULL)) == -1)
		err(1, "accept");
	while (bytes > 0 && (n = read(fd, buf, CHUNK)) > 0)
		bytes -= (unsigned long long)n;
	_exit(bytes == 0 ? 0 : 1);
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
	int			 lfd, fd, status;
	pid_t			 pid;

	if (argc != 2 || (bytes = strtoull(argv[1], NULL, 10) << 20) == 0) {
		fprintf(stderr, "usage: tcpraw MiB\n");
		return 2;
	}
	lfd = listen_lo(&sin);
	if ((pid = fork()) == 0)
		receive(lfd, bytes);
	if ((buf = malloc(CHUNK)) == NULL)
		err(1, "malloc");
	memset(buf, 0xa5, CHUNK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		err(1, "connect");
	t0 = now();
	for (left = bytes; left > 0; left -= (unsigned long long)n)
		if ((n = write(fd, buf, left < CHUNK ? left : CHUNK)) <= 0)
			err(1, "write");
	close(fd);
	waitpid(pid, &status, 0);
	t = now() - t0;
	printf("%.0f\n", (double)bytes / t / 1e6);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
