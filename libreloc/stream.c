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
 * fault points, and TLS on the connection's side.  Used only when one of
 * those is asked for.
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
	struct reloc__framed	*framed;	/* a framed pump, or NULL */
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

/*
 * Wait for events on fd, or a stop (false, rc 0), or timeout_ms (false,
 * RELOC_ERR_TIMEOUT in *rc_r).
 */
static bool
wait_tls(struct reloc__pump *p, int fd, short events, int *rc_r)
{
	struct pollfd	pfd[2] = {
		{ .fd = fd, .events = events },
		{ .fd = p->stopfd, .events = POLLIN },
	};
	int		r;

	*rc_r = 0;
	while ((r = poll(pfd, 2, p->o.timeout_ms > 0 ? p->o.timeout_ms :
	    -1)) == -1)
		if (errno != EINTR) {
			*rc_r = reloc__errno_to_err(errno);
			return false;
		}
	if (r == 0) {
		log_warnx("stream", "no progress of the tls stream within "
		    "%d ms (xrelocd-io-timeout)", p->o.timeout_ms);
		*rc_r = RELOC_ERR_TIMEOUT;
		return false;
	}
	return (pfd[1].revents & POLLIN) == 0 || pfd[0].revents != 0;
}

/* Write all of buf through the connection's TLS. */
static int
tls_write_all(struct reloc__pump *p, const uint8_t *buf, size_t len)
{
	size_t	n;
	short	events;
	int	rc;

	while (len > 0) {
		rc = reloc_tls_write(p->o.tls_to, buf, len, &n, &events);
		if (rc == RELOC_ERR_AGAIN) {
			if (!wait_tls(p, p->to, events, &rc))
				return rc < 0 ? rc : RELOC_ERR_IO;
			continue;
		}
		if (rc < 0) {
			log_warnx("stream", "%s",
			    reloc_tls_reason(p->o.tls_to));
			return rc;
		}
		buf += n;
		len -= n;
	}
	return 0;
}

/*
 * Read what the connection's TLS has, up to len: > 0 bytes, 0 at its end
 * or on a stop, -1 with p->rc on failure.  OpenSSL may hold bytes the
 * socket no longer shows, so it is asked before any poll().  A read gives
 * one record (16 KiB at most): records already there are read on into
 * buf, so that the backend gets them in one write; what ends the loop
 * after some bytes (no more yet, the end, a failure) comes again on the
 * next call.
 */
static ssize_t
tls_read_some(struct reloc__pump *p, uint8_t *buf, size_t len)
{
	size_t	n, got = 0;
	short	events;
	int	rc;

	for (;;) {
		rc = reloc_tls_read(p->o.tls_from, buf + got, len - got, &n,
		    &events);
		if (rc == 0 && (got += n) < len)
			continue;
		if (rc == 0 || got > 0)
			return (ssize_t)got;
		if (rc == RELOC_ERR_CLOSED)
			return 0;
		if (rc == RELOC_ERR_AGAIN && wait_tls(p, p->from, events, &rc))
			continue;
		if (rc < 0 && rc != RELOC_ERR_AGAIN)
			log_warnx("stream", "%s", *reloc_tls_reason(
			    p->o.tls_from) != '\0' ? reloc_tls_reason(
			    p->o.tls_from) : reloc_strerror(rc));
		p->rc = rc == RELOC_ERR_AGAIN ? 0 : rc;
		return p->rc < 0 ? -1 : 0;
	}
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

/* Read from "from": > 0 bytes, 0 at the end or a stop, -1 with p->rc. */
static ssize_t
read_some(struct reloc__pump *p, uint8_t *buf, size_t len)
{
	ssize_t	n;

	if (p->o.tls_from != NULL)
		return tls_read_some(p, buf, len);
	while (wait_readable(p)) {
		if ((n = read(p->from, buf, len)) >= 0)
			return n;
		if (errno == EINTR || errno == EAGAIN)
			continue;
		p->rc = reloc__errno_to_err(errno);
		return -1;
	}
	return 0;
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
	while ((n = read_some(p, buf, PUMP_BUF)) > 0) {
		if (!chunk_fault(p, buf, (size_t)n)) {
			p->rc = RELOC_ERR_IO;
			break;
		}
		p->rc = p->o.tls_to != NULL ? tls_write_all(p, buf, (size_t)n) :
		    write_all(p->to, buf, (size_t)n);
		if (p->rc < 0) {
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

int
reloc__pump_start_framed(int local, const struct reloc__lane *lanes,
    size_t nlanes, bool send, const struct reloc__pump_opts *o,
    struct reloc__pump **pump_r)
{
	struct reloc__pump	*p;
	int			 rc;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return RELOC_ERR_NOMEM;
	p->stopfd = -1;
	if ((rc = reloc__framed_start(local, lanes, nlanes, send, o,
	    &p->framed)) < 0) {
		free(p);
		return rc;
	}
	*pump_r = p;
	return 0;
}

void
reloc__pump_stop(struct reloc__pump *p)
{
	uint64_t	one = 1;

	if (p->framed != NULL) {
		reloc__framed_stop(p->framed);
		return;
	}
	if (write(p->stopfd, &one, sizeof(one)) == -1)
		log_warn("stream", "pump stop");
}

int
reloc__pump_finish_stats(struct reloc__pump *p,
    struct reloc__pump_stats *stats)
{
	int	rc;

	if (p->framed != NULL)
		rc = reloc__framed_finish(p->framed, stats);
	else {
		pthread_join(p->thread, NULL);
		rc = p->rc;
		if (stats != NULL) {
			stats->raw = stats->wire = p->bytes;
			stats->why[0] = '\0';
		}
		close(p->stopfd);
	}
	free(p);
	return rc;
}

int
reloc__pump_finish(struct reloc__pump *p, uint64_t *bytes_r)
{
	struct reloc__pump_stats	st;
	int				rc;

	rc = reloc__pump_finish_stats(p, &st);
	if (bytes_r != NULL)
		*bytes_r = st.raw;
	return rc;
}
