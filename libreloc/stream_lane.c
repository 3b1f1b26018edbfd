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
 * One lane of the framed pump: reading and writing whole buffers on its
 * connection (plain, kernel TLS or OpenSSL) while any stop or the I/O
 * deadline can end the wait; the first failure, which stops every lane;
 * and the rate cap on all lanes together.
 */

#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "stream-int.h"

const char *
reloc__frame_peer(const struct reloc__framed *f)
{
	return f->o.peer != NULL ? f->o.peer : "the peer";
}

void
reloc__frame_fail(struct reloc__framed *f, int rc, const char *fmt, ...)
{
	uint64_t	one = 1;
	char		msg[256];
	va_list		ap;
	bool		first;

	pthread_mutex_lock(&f->mu);
	first = f->rc == 0 && !f->stop;
	if (first)
		f->rc = rc;
	f->stop = true;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->mu);
	if (first && fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		log_warnx("stream", "%s", msg);
		pthread_mutex_lock(&f->mu);
		snprintf(f->why, sizeof(f->why), "%s", msg);
		pthread_mutex_unlock(&f->mu);
	}
	if (write(f->stopfd, &one, sizeof(one)) == -1)
		log_warn("stream", "pump stop");
	/* The backend's end sees it too: its reads end, its writes fail. */
	shutdown(f->local, SHUT_RDWR);
}

uint64_t
reloc__lane_now_ns(void)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
}

/* Wait for events on the lane or a stop: 0, LANE_STOPPED or an error. */
static int
lane_wait(struct lane_run *l, short events)
{
	struct reloc__framed	*f = l->f;
	struct pollfd		 pfd[2] = {
		{ .fd = l->lane.fd, .events = events },
		{ .fd = f->stopfd, .events = POLLIN },
	};
	int			 r;

	while ((r = poll(pfd, 2, f->o.timeout_ms > 0 ? f->o.timeout_ms :
	    -1)) == -1)
		if (errno != EINTR) {
			log_warn("stream", "poll");
			return reloc__errno_to_err(errno);
		}
	if (pfd[1].revents & POLLIN)
		return LANE_STOPPED;
	if (r == 0) {
		reloc__frame_fail(f, RELOC_ERR_TIMEOUT, "no progress of stream "
		    "lane %zu with %s within %d ms (xrelocd-io-timeout)",
		    l->k, reloc__frame_peer(f), f->o.timeout_ms);
		return RELOC_ERR_TIMEOUT;
	}
	return 0;
}

/* One write on the lane: bytes written (> 0) in *n_r, or AGAIN. */
static int
write_once(struct lane_run *l, const uint8_t *buf, size_t len, size_t *n_r,
    short *events_r)
{
	ssize_t	n;

	if (l->lane.tls != NULL)
		return reloc_tls_write(l->lane.tls, buf, len, n_r, events_r);
	*events_r = POLLOUT;
	n = send(l->lane.fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n >= 0) {
		*n_r = (size_t)n;
		return 0;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return RELOC_ERR_AGAIN;
	return reloc__errno_to_err(errno);
}

/* Write all of buf on the lane: 0, LANE_STOPPED or an error. */
int
reloc__lane_write(struct lane_run *l, const uint8_t *buf, size_t len)
{
	size_t	n;
	short	events;
	int	rc;

	while (len > 0) {
		rc = write_once(l, buf, len, &n, &events);
		if (rc == RELOC_ERR_AGAIN) {
			if ((rc = lane_wait(l, events)) != 0)
				return rc;
			continue;
		}
		if (rc < 0) {
			reloc__frame_fail(l->f, rc, "stream lane %zu to %s: "
			    "%s", l->k, reloc__frame_peer(l->f),
			    l->lane.tls != NULL ?
			    reloc_tls_reason(l->lane.tls) : reloc_strerror(rc));
			return rc;
		}
		buf += n;
		len -= n;
	}
	return 0;
}

/* One read on the lane: bytes read in *n_r (0 at the end), or AGAIN. */
static int
read_once(struct lane_run *l, uint8_t *buf, size_t len, size_t *n_r,
    short *events_r)
{
	ssize_t	n;
	int	rc;

	if (l->lane.tls != NULL) {
		rc = reloc_tls_read(l->lane.tls, buf, len, n_r, events_r);
		if (rc == RELOC_ERR_CLOSED) {
			*n_r = 0;
			return 0;
		}
		return rc;
	}
	*events_r = POLLIN;
	if ((n = recv(l->lane.fd, buf, len, MSG_DONTWAIT)) >= 0) {
		*n_r = (size_t)n;
		return 0;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return RELOC_ERR_AGAIN;
	return reloc__errno_to_err(errno);
}

/* Why a read failed, for its message. */
static const char *
read_why(const struct lane_run *l, int rc)
{
	if (rc == RELOC_ERR_PROTO)
		return "connection closed inside a frame";
	if (rc == RELOC_ERR_CLOSED)
		return "connection closed before the end of the stream";
	if (l->lane.tls != NULL)
		return reloc_tls_reason(l->lane.tls);
	return reloc_strerror(rc);
}

/*
 * Read exactly len bytes from the lane: 0, LANE_STOPPED or an error.  The
 * end of the connection is RELOC_ERR_CLOSED when first (nothing of this
 * frame read yet), else RELOC_ERR_PROTO; both are logged.
 */
int
reloc__lane_read(struct lane_run *l, uint8_t *buf, size_t len, bool first)
{
	size_t	n, got = 0;
	short	events;
	int	rc;

	while (got < len) {
		rc = read_once(l, buf + got, len - got, &n, &events);
		if (rc == RELOC_ERR_AGAIN) {
			if ((rc = lane_wait(l, events)) != 0)
				return rc;
			continue;
		}
		if (rc == 0 && n == 0)
			rc = first && got == 0 ? RELOC_ERR_CLOSED :
			    RELOC_ERR_PROTO;
		if (rc < 0) {
			reloc__frame_fail(l->f, rc, "stream lane %zu from %s: "
			    "%s", l->k, reloc__frame_peer(l->f),
			    read_why(l, rc));
			return rc;
		}
		got += n;
	}
	return 0;
}

/* Count wire bytes on all lanes; sleep while the sum is ahead of the cap. */
void
reloc__lane_pace(struct lane_run *l, size_t wire)
{
	struct reloc__framed	*f = l->f;
	uint64_t		 due_ns, now_ns, start_ns;
	struct timespec		 ts;

	pthread_mutex_lock(&f->mu);
	f->wire_bytes += wire;
	due_ns = f->wire_bytes * 1000ull / (f->o.rate_mbps ? f->o.rate_mbps :
	    1);
	pthread_mutex_unlock(&f->mu);
	if (f->o.rate_mbps == 0)
		return;
	start_ns = (uint64_t)f->start.tv_sec * 1000000000ull +
	    (uint64_t)f->start.tv_nsec;
	now_ns = reloc__lane_now_ns() - start_ns;
	if (due_ns <= now_ns)
		return;
	ts.tv_sec = (time_t)((due_ns - now_ns) / 1000000000ull);
	ts.tv_nsec = (long)((due_ns - now_ns) % 1000000000ull);
	nanosleep(&ts, NULL);
}
