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
 * The backend's stream straight through the connection's TLS, in the
 * backend's own thread, for a backend that takes a struct
 * reloc_stream_io: OpenSSL encrypts from the domain's memory and
 * decrypts into it, with no pump thread and no socketpair between (two
 * copies and a thread switch less for each chunk, on each host).
 */

#include <errno.h>
#include <poll.h>
#include <string.h>

#include "stream_tls.h"

/* Pieces of a write up to this size are gathered into one record. */
#define SMALL_MAX	(RELOC__TLS_IO_STAGE / 4)

/*
 * Wait for events on the socket, at most timeout_ms: 0, or
 * RELOC_ERR_TIMEOUT / an I/O error (logged).
 */
static int
wait_io(struct reloc__tls_io *t, short events)
{
	struct pollfd	pfd = { .fd = t->fd, .events = events };
	int		r;

	while ((r = poll(&pfd, 1, t->timeout_ms > 0 ? t->timeout_ms :
	    -1)) == -1)
		if (errno != EINTR) {
			log_warn("stream", "peer %s: poll", t->peer);
			return reloc__errno_to_err(errno);
		}
	if (r == 0) {
		log_warnx("stream", "peer %s: no progress of the tls stream "
		    "within %d ms (xrelocd-io-timeout)", t->peer,
		    t->timeout_ms);
		return RELOC_ERR_TIMEOUT;
	}
	return 0;
}

/* The reason OpenSSL gave for rc, or rc's own text, in the log. */
static int
io_failed(struct reloc__tls_io *t, int rc)
{
	const char	*why = reloc_tls_reason(t->tls);

	log_warnx("stream", "%s", *why != '\0' ? why : reloc_strerror(rc));
	return rc;
}

/* Every byte of buf through TLS: records of 16 KiB at most. */
static int
write_all(struct reloc__tls_io *t, const uint8_t *buf, size_t len)
{
	size_t	n;
	short	events;
	int	rc;

	while (len > 0) {
		rc = reloc_tls_write(t->tls, buf, len, &n, &events);
		if (rc == RELOC_ERR_AGAIN) {
			if ((rc = wait_io(t, events)) < 0)
				return rc;
			continue;
		}
		if (rc < 0)
			return io_failed(t, rc);
		buf += n;
		len -= n;
		t->bytes += n;
	}
	return 0;
}

/* The small pieces gathered so far, as one record. */
static int
flush_stage(struct reloc__tls_io *t)
{
	size_t	n = t->nstage;

	t->nstage = 0;
	return n > 0 ? write_all(t, t->stage, n) : 0;
}

/*
 * struct reloc_stream_io's writev: record headers and run lists are
 * gathered, pages go from the caller's memory.  Nothing is held when it
 * returns: every byte was encrypted and handed to the socket.
 */
static int
io_writev(void *arg, const struct iovec *iov, int n)
{
	struct reloc__tls_io	*t = arg;
	int			 i, rc;

	for (i = 0; i < n; i++) {
		if (iov[i].iov_len <= SMALL_MAX) {
			if (t->nstage + iov[i].iov_len > sizeof(t->stage) &&
			    (rc = flush_stage(t)) < 0)
				return rc;
			memcpy(t->stage + t->nstage, iov[i].iov_base,
			    iov[i].iov_len);
			t->nstage += iov[i].iov_len;
			continue;
		}
		if ((rc = flush_stage(t)) < 0 ||
		    (rc = write_all(t, iov[i].iov_base, iov[i].iov_len)) < 0)
			return rc;
	}
	return flush_stage(t);
}

/*
 * struct reloc_stream_io's readv: what OpenSSL holds or the socket has
 * now, decrypted into iov, never more than iov asks (the bytes after the
 * stream stay in OpenSSL for the next message); waits only while nothing
 * was read.
 */
static ssize_t
io_readv(void *arg, const struct iovec *iov, int n)
{
	struct reloc__tls_io	*t = arg;
	size_t			 got = 0, off = 0, k;
	short			 events;
	int			 i = 0, rc;

	while (i < n) {
		rc = reloc_tls_read(t->tls, (uint8_t *)iov[i].iov_base + off,
		    iov[i].iov_len - off, &k, &events);
		if (rc == 0) {
			got += k;
			t->bytes += k;
			if ((off += k) == iov[i].iov_len) {
				i++;
				off = 0;
			}
			continue;
		}
		if (got > 0)
			break;		/* what ended it comes again */
		if (rc == RELOC_ERR_CLOSED)
			return 0;
		if (rc != RELOC_ERR_AGAIN)
			return io_failed(t, rc);
		if ((rc = wait_io(t, events)) < 0)
			return rc;
	}
	return (ssize_t)got;
}

void
reloc__tls_io_init(struct reloc__tls_io *t, struct reloc_tls *tls, int fd,
    int timeout_ms, const char *peer)
{
	memset(t, 0, offsetof(struct reloc__tls_io, stage));
	t->tls = tls;
	t->fd = fd;
	t->timeout_ms = timeout_ms;
	t->peer = peer != NULL ? peer : "(unknown)";
	t->io.writev = io_writev;
	t->io.readv = io_readv;
	t->io.arg = t;
}
