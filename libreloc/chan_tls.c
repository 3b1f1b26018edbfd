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
 * The message channel over TLS: the handshake that starts it, reads and
 * writes through the TLS connection, and the close that lets a refused
 * peer read why.
 */

#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "reloc-int.h"
#include "chan-int.h"

/* A TLS failure of chan, logged with its reason. */
static int
tls_fail(struct reloc_chan *chan, int rc, const char *what)
{
	const char	*why = reloc_tls_reason(chan->tls);

	if (rc == RELOC_ERR_CLOSED && *why == '\0')
		log_warnx(CHAN, "peer %s: connection closed %s", chan->peer,
		    what);
	else
		log_warnx(CHAN, "peer %s: %s: %s", chan->peer, what,
		    *why != '\0' ? why : reloc_strerror(rc));
	return rc;
}

/*
 * Write all of buf through the TLS connection: OpenSSL first, poll() only
 * on the events it asks for.  *done_r counts the bytes OpenSSL took.
 */
int
reloc__chan_tls_write(struct reloc_chan *chan, const uint8_t *buf, size_t len,
    int64_t deadline, const char *what, size_t *done_r)
{
	size_t	n;
	short	events;
	int	rc;

	while (*done_r < len) {
		rc = reloc_tls_write(chan->tls, buf + *done_r, len - *done_r,
		    &n, &events);
		if (rc == RELOC_ERR_AGAIN) {
			rc = reloc__chan_wait(chan, events, deadline, what);
			if (rc < 0)
				return rc;
			continue;
		}
		if (rc < 0)
			return tls_fail(chan, rc, what);
		*done_r += n;
	}
	return 0;
}

/* Read exactly len bytes through the TLS connection, as read_all(). */
int
reloc__chan_tls_read(struct reloc_chan *chan, uint8_t *buf, size_t len,
    int64_t deadline, const char *what)
{
	size_t	done = 0, n;
	short	events;
	int	rc;

	while (done < len) {
		rc = reloc_tls_read(chan->tls, buf + done, len - done, &n,
		    &events);
		if (rc == RELOC_ERR_AGAIN) {
			rc = reloc__chan_wait(chan, events, deadline, what);
			if (rc < 0)
				return rc;
			continue;
		}
		if (rc < 0)
			return tls_fail(chan, rc, what);
		done += n;
	}
	return 0;
}

/* The socket under TLS never blocks: OpenSSL says what to wait for. */
static int
set_nonblock(int fd)
{
	int	fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		return RELOC_ERR_IO;
	return 0;
}

/* How long a refused peer gets to read our alert before the close. */
#define DRAIN_MS	500

/*
 * Close a refused TLS connection so that the peer reads why: our
 * close_notify if OpenSSL can still send one, then end of file, then
 * whatever the peer still sends is read and dropped until it closes or
 * DRAIN_MS pass, so that the close is not a reset that discards the
 * alert before the peer read it.
 */
static void
refuse_close(struct reloc_chan *chan)
{
	int64_t		deadline = reloc__chan_deadline(DRAIN_MS);
	struct pollfd	pfd;
	char		buf[512];
	short		events;
	ssize_t		n;

	pfd.fd = chan->fd;
	while (reloc_tls_shutdown(chan->tls, &events) == RELOC_ERR_AGAIN) {
		pfd.events = events;
		if (poll(&pfd, 1, reloc__chan_left(deadline)) <= 0)
			break;
	}
	(void)shutdown(chan->fd, SHUT_WR);
	pfd.events = POLLIN;
	while (poll(&pfd, 1, reloc__chan_left(deadline)) > 0) {
		n = recv(chan->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0 || (n == -1 && errno != EINTR && errno != EAGAIN))
			break;
	}
}

int
reloc_chan_start_tls(struct reloc_chan *chan, struct reloc_tls_ctx *ctx,
    enum reloc_tls_role role, const char *name, int timeout_ms)
{
	struct reloc_tls_peer	peer;
	int			rc;

	if (chan == NULL || ctx == NULL || chan->tls != NULL)
		return RELOC_ERR_INVAL;
	peer.sa = (const struct sockaddr *)&chan->remote;
	peer.salen = chan->remote_len;
	peer.name = name;
	if ((rc = reloc_tls_new(ctx, chan->fd, role, &peer, RELOC_TLS_KTLS,
	    &chan->tls)) < 0)
		return rc;
	if ((rc = reloc_tls_handshake(chan->tls, timeout_ms)) == 0)
		return 0;
	log_warnx(CHAN, "peer %s: tls refused: %s", chan->peer,
	    *reloc_tls_reason(chan->tls) != '\0' ?
	    reloc_tls_reason(chan->tls) : reloc_strerror(rc));
	if (rc != RELOC_ERR_TIMEOUT)
		refuse_close(chan);
	return rc;
}

int
reloc_chan_adopt_tls(struct reloc_chan *chan, struct reloc_tls *tls)
{
	int	rc;

	if (chan == NULL || tls == NULL || chan->tls != NULL)
		return RELOC_ERR_INVAL;
	if ((rc = reloc_tls_set_fd(tls, chan->fd)) < 0)
		return rc;
	if ((rc = set_nonblock(chan->fd)) < 0)
		return rc;
	chan->tls = tls;
	return 0;
}

const char *
reloc_chan_tls_reason(const struct reloc_chan *chan)
{
	return chan->tls != NULL ? reloc_tls_reason(chan->tls) : "";
}

struct reloc_tls *
reloc_chan_tls(const struct reloc_chan *chan)
{
	return chan->tls;
}
