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
 * The stream pump: copies the backend's stream between a socketpair and
 * the connection in a thread, applying a bandwidth cap and the stream
 * fault points.  Used only when one of those is asked for.
 */

#include <sys/eventfd.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "reloc-int.h"

#define PUMP_BUF	(256 * 1024)

struct reloc__pump {
	pthread_t		 thread;
	int			 from, to;
	int			 stopfd;	/* eventfd: stop reading */
	struct reloc__pump_opts	 o;
	uint64_t		 bytes;
	int			 rc;
	struct timespec		 start;
};

static uint64_t
elapsed_ns(const struct timespec *start)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)(now.tv_sec - start->tv_sec) * 1000000000ull +
	    (uint64_t)now.tv_nsec - (uint64_t)start->tv_nsec;
}

/* Sleep as long as the bytes so far are ahead of the cap. */
static void
pace(struct reloc__pump *p)
{
	uint64_t	due_ns, now_ns;
	struct timespec	ts;

	if (p->o.rate_mbps == 0)
		return;
	due_ns = p->bytes * 1000ull / p->o.rate_mbps;	/* 1 MB/s = 1 B/us */
	now_ns = elapsed_ns(&p->start);
	if (due_ns <= now_ns)
		return;
	ts.tv_sec = (time_t)((due_ns - now_ns) / 1000000000ull);
	ts.tv_nsec = (long)((due_ns - now_ns) % 1000000000ull);
	nanosleep(&ts, NULL);
}

static int
write_all(int fd, const uint8_t *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return reloc__errno_to_err(errno);
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Apply a stream fault armed inside this chunk; false: stop pumping. */
static bool
chunk_fault(struct reloc__pump *p, uint8_t *buf, size_t len)
{
	enum reloc_fault_action	a;
	size_t			off;

	if (p->o.point == NULL)
		return true;
	a = reloc__fault_stream(p->o.point, p->bytes, len, p->o.total, &off);
	if (a == RELOC_FA_NONE)
		return true;
	if (a == RELOC_FA_CORRUPT) {
		log_warnx("fault", "injected fault at %s: corrupt byte %zu",
		    p->o.point, (size_t)p->bytes + off);
		buf[off] ^= 0x5a;
		return true;
	}
	/* A wait holds the stream, then it goes on. */
	reloc__fault_fire(a, p->o.point, p->to);
	if (a == RELOC_FA_WAIT)
		return true;
	/* A cut ends both sides: the backend's end sees EPIPE or EOF. */
	if (a == RELOC_FA_CUT)
		shutdown(p->from, SHUT_RDWR);
	return false;
}

/* Wait until from is readable or a stop is asked; false on stop. */
static bool
wait_readable(struct reloc__pump *p)
{
	struct pollfd	pfd[2] = {
		{ .fd = p->from, .events = POLLIN },
		{ .fd = p->stopfd, .events = POLLIN },
	};

	while (poll(pfd, 2, -1) == -1)
		if (errno != EINTR)
			return false;
	return (pfd[1].revents & POLLIN) == 0 || (pfd[0].revents & POLLIN);
}

static void *
pump_main(void *arg)
{
	struct reloc__pump	*p = arg;
	uint8_t			*buf;
	ssize_t			 n;

	if ((buf = malloc(PUMP_BUF)) == NULL) {
		p->rc = RELOC_ERR_NOMEM;
		return NULL;
	}
	p->rc = 0;
	while (wait_readable(p)) {
		if ((n = read(p->from, buf, PUMP_BUF)) == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			p->rc = reloc__errno_to_err(errno);
			break;
		}
		if (n == 0)
			break;
		if (!chunk_fault(p, buf, (size_t)n)) {
			p->rc = RELOC_ERR_IO;
			break;
		}
		if ((p->rc = write_all(p->to, buf, (size_t)n)) < 0) {
			/* Make the backend's writes to the pair fail too. */
			shutdown(p->from, SHUT_RDWR);
			break;
		}
		p->bytes += (uint64_t)n;
		pace(p);
	}
	free(buf);
	/* Let the backend reading the socketpair see the end. */
	if (p->o.end_to)
		shutdown(p->to, SHUT_WR);
	return NULL;
}

int
reloc__pump_start(int from, int to, const struct reloc__pump_opts *o,
    struct reloc__pump **pump_r)
{
	struct reloc__pump	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return RELOC_ERR_NOMEM;
	p->from = from;
	p->to = to;
	p->o = *o;
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	if ((p->stopfd = eventfd(0, EFD_CLOEXEC)) == -1) {
		log_warn("stream", "eventfd");
		free(p);
		return RELOC_ERR_IO;
	}
	if (pthread_create(&p->thread, NULL, pump_main, p) != 0) {
		log_warnx("stream", "cannot start the stream pump");
		close(p->stopfd);
		free(p);
		return RELOC_ERR_NOMEM;
	}
	*pump_r = p;
	return 0;
}

void
reloc__pump_stop(struct reloc__pump *p)
{
	uint64_t	one = 1;

	if (write(p->stopfd, &one, sizeof(one)) == -1)
		log_warn("stream", "pump stop");
}

int
reloc__pump_finish(struct reloc__pump *p, uint64_t *bytes_r)
{
	int	rc;

	pthread_join(p->thread, NULL);
	rc = p->rc;
	if (bytes_r != NULL)
		*bytes_r = p->bytes;
	close(p->stopfd);
	free(p);
	return rc;
}
