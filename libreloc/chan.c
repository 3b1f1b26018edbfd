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
 * The message channel: one connected socket, blocking from the caller's
 * point of view, with a poll() deadline on every message sent or received.
 * It never reads past the message it was asked for, so after STREAM the
 * caller can use the fd for raw bytes.
 */

#include <sys/socket.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "reloc-int.h"
#include "chan-int.h"

static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
reloc__chan_left(int64_t deadline)
{
	int64_t	left;

	if (deadline < 0)
		return -1;
	left = deadline - now_ms();
	return left < 0 ? 0 : (int)left;
}

int64_t
reloc__chan_deadline(int timeout_ms)
{
	return timeout_ms > 0 ? now_ms() + timeout_ms : -1;
}

/*
 * Format sa as "192.0.2.1:8002", "[2001:db8::1]:8002" or "unix".  buf
 * must hold INET6_ADDRSTRLEN + 8 bytes.
 */
void
reloc__chan_addr_format(const struct sockaddr *sa, socklen_t len, char *buf,
    size_t size)
{
	char	host[INET6_ADDRSTRLEN];
	int	port;

	if (len == 0 || sa->sa_family == AF_UNIX) {
		snprintf(buf, size, "unix");
		return;
	}
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
		snprintf(buf, size, "%s:%d", host, port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 =
		    (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
		snprintf(buf, size, "[%s]:%d", host, port);
	} else
		snprintf(buf, size, "family %d", sa->sa_family);
}

int
reloc_chan_new(int fd, const char *peer, int timeout_ms,
    struct reloc_chan **chan_r)
{
	struct reloc_chan	*chan;
	char			 name[INET6_ADDRSTRLEN + 16];
	int			 one = 1;

	if (fd < 0)
		return RELOC_ERR_INVAL;
	if ((chan = calloc(1, sizeof(*chan))) == NULL)
		goto fail;
	chan->fd = fd;
	chan->timeout_ms = timeout_ms;
	chan->sent_nothing = true;
	chan->local_len = sizeof(chan->local);
	if (getsockname(fd, (struct sockaddr *)&chan->local,
	    &chan->local_len) == -1)
		chan->local_len = 0;
	chan->remote_len = sizeof(chan->remote);
	if (getpeername(fd, (struct sockaddr *)&chan->remote,
	    &chan->remote_len) == -1)
		chan->remote_len = 0;
	/* Control messages are small and the peer waits for each one. */
	if (chan->remote_len > 0 && chan->remote.ss_family != AF_UNIX)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
	if (peer == NULL) {
		reloc__chan_addr_format((struct sockaddr *)&chan->remote,
		    chan->remote_len, name, sizeof(name));
		peer = name;
	}
	if ((chan->peer = strdup(peer)) == NULL)
		goto fail;
	*chan_r = chan;
	return 0;
fail:
	free(chan);
	close(fd);
	return RELOC_ERR_NOMEM;
}

/*
 * One non-blocking connect attempt to ai within budget_ms.  Returns the
 * connected fd (blocking again) or a negative reloc_err; *err_r gets the
 * errno for the log.
 */
static int
connect_one(const struct addrinfo *ai, int budget_ms, int *err_r)
{
	struct pollfd	pfd;
	socklen_t	len = sizeof(*err_r);
	int		fd, r, flags;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, ai->ai_protocol);
	if (fd == -1) {
		*err_r = errno;
		return reloc__errno_to_err(errno);
	}
	*err_r = 0;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
		if (errno != EINPROGRESS) {
			*err_r = errno;
			goto fail;
		}
		pfd.fd = fd;
		pfd.events = POLLOUT;
		while ((r = poll(&pfd, 1, budget_ms)) == -1 && errno == EINTR)
			continue;
		if (r == 0)
			*err_r = ETIMEDOUT;
		else if (r == -1)
			*err_r = errno;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, err_r,
		    &len) == -1)
			*err_r = errno;
		if (*err_r != 0)
			goto fail;
	}
	/* The caller may hand the fd to code that expects blocking I/O. */
	if ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == -1) {
		*err_r = errno;
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return reloc__errno_to_err(*err_r);
}

static size_t
ai_count(const struct addrinfo *ai)
{
	size_t	n = 0;

	for (; ai != NULL; ai = ai->ai_next)
		n++;
	return n;
}

/* Strip the brackets of "[2001:db8::1]" into buf. */
static const char *
host_unbracket(const char *host, char *buf, size_t size)
{
	size_t	len = strlen(host);

	if (len < 2 || host[0] != '[' || host[len - 1] != ']' ||
	    len - 2 >= size)
		return host;
	memcpy(buf, host + 1, len - 2);
	buf[len - 2] = '\0';
	return buf;
}

static int
resolve(const char *host, const char *port, struct addrinfo **res_r)
{
	struct addrinfo	hints;
	char		buf[256];
	int		r, e;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	r = getaddrinfo(host_unbracket(host, buf, sizeof(buf)), port, &hints,
	    res_r);
	if (r != 0) {
		e = errno;
		log_warnx(CHAN, "%s port %s: %s", host, port,
		    r == EAI_SYSTEM ? strerror(e) : gai_strerror(r));
		return reloc__gai_to_err(r, e);
	}
	return 0;
}

int
reloc_chan_connect(const char *host, const char *port, int timeout_ms,
    struct reloc_chan **chan_r)
{
	struct addrinfo	*res = NULL, *ai;
	int64_t		 deadline = reloc__chan_deadline(timeout_ms);
	char		 addr[INET6_ADDRSTRLEN + 16];
	size_t		 left;
	int		 fd, rc, err, budget;

	if (host == NULL || port == NULL)
		return RELOC_ERR_INVAL;
	if ((rc = resolve(host, port, &res)) < 0)
		return rc;
	rc = RELOC_ERR_IO;
	left = ai_count(res);
	for (ai = res; ai != NULL; ai = ai->ai_next, left--) {
		/*
		 * Share what is left of the deadline between the addresses
		 * still to try, so one that drops packets cannot use it all.
		 */
		budget = reloc__chan_left(deadline);
		if (budget > 0 && left > 1)
			budget = budget / (int)left;
		reloc__chan_addr_format(ai->ai_addr, ai->ai_addrlen, addr,
		    sizeof(addr));
		if ((fd = connect_one(ai, budget, &err)) >= 0) {
			rc = reloc_chan_new(fd, addr, timeout_ms, chan_r);
			goto out;
		}
		rc = fd;
		errno = err;
		log_warn(CHAN, "connect to %s (%s)", host, addr);
		if (deadline >= 0 && reloc__chan_left(deadline) == 0)
			break;
	}
out:
	freeaddrinfo(res);
	return rc;
}

void
reloc_chan_free(struct reloc_chan *chan)
{
	if (chan == NULL)
		return;
	reloc_tls_free(chan->tls);
	if (chan->fd != -1)
		close(chan->fd);
	free(chan->peer);
	free(chan);
}

int
reloc_chan_fd(const struct reloc_chan *chan)
{
	return chan->fd;
}

const char *
reloc_chan_peer(const struct reloc_chan *chan)
{
	return chan->peer;
}

void
reloc_chan_set_timeout(struct reloc_chan *chan, int timeout_ms)
{
	chan->timeout_ms = timeout_ms;
}

const struct sockaddr *
reloc_chan_local_addr(const struct reloc_chan *chan, socklen_t *len_r)
{
	*len_r = chan->local_len;
	return (const struct sockaddr *)&chan->local;
}

const struct sockaddr *
reloc_chan_remote_addr(const struct reloc_chan *chan, socklen_t *len_r)
{
	*len_r = chan->remote_len;
	return (const struct sockaddr *)&chan->remote;
}

/*
 * Wait until fd is ready for events or the deadline passes.  The fd stays
 * blocking (the caller hands it to the backend after STREAM), so every
 * read and write goes through here first and uses MSG_DONTWAIT.
 */
int
reloc__chan_wait(struct reloc_chan *chan, short events, int64_t deadline,
    const char *what)
{
	struct pollfd	pfd;
	int		r;

	pfd.fd = chan->fd;
	pfd.events = events;
	for (;;) {
		r = poll(&pfd, 1, reloc__chan_left(deadline));
		if (r > 0)
			return 0;
		if (r == 0) {
			log_warnx(CHAN, "peer %s: timed out after %d ms %s",
			    chan->peer, chan->timeout_ms, what);
			return RELOC_ERR_TIMEOUT;
		}
		if (errno != EINTR) {
			log_warn(CHAN, "peer %s: poll", chan->peer);
			return reloc__errno_to_err(errno);
		}
	}
}

/* Write all of buf; *done_r counts the bytes the kernel took. */
static int
write_all(struct reloc_chan *chan, const uint8_t *buf, size_t len,
    const char *what, size_t *done_r)
{
	int64_t	deadline = reloc__chan_deadline(chan->timeout_ms);
	ssize_t	n;
	int	rc;

	*done_r = 0;
	if (chan->tls != NULL)
		return reloc__chan_tls_write(chan, buf, len, deadline, what,
		    done_r);
	while (*done_r < len) {
		if ((rc = reloc__chan_wait(chan, POLLOUT, deadline, what)) < 0)
			return rc;
		n = send(chan->fd, buf + *done_r, len - *done_r,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1) {
			if (errno == EINTR || errno == EAGAIN ||
			    errno == EWOULDBLOCK)
				continue;
			log_warn(CHAN, "peer %s: %s", chan->peer, what);
			return reloc__errno_to_err(errno);
		}
		*done_r += (size_t)n;
	}
	return 0;
}

size_t
reloc_chan_heard(const struct reloc_chan *chan, const uint8_t **bytes_r)
{
	*bytes_r = chan->heard;
	return chan->nheard;
}

/*
 * Read exactly len bytes.  End of file before the first byte and in the
 * middle are both RELOC_ERR_CLOSED; the log tells them apart.
 */
static int
read_all(struct reloc_chan *chan, uint8_t *buf, size_t len, int64_t deadline,
    const char *what)
{
	size_t	done = 0, k;
	ssize_t	n;
	int	rc;

	if (chan->tls != NULL)
		return reloc__chan_tls_read(chan, buf, len, deadline, what);
	while (done < len) {
		if ((rc = reloc__chan_wait(chan, POLLIN, deadline, what)) < 0)
			return rc;
		n = recv(chan->fd, buf + done, len - done, MSG_DONTWAIT);
		if (n == 0) {
			log_warnx(CHAN, "peer %s: connection closed %s",
			    chan->peer, what);
			return RELOC_ERR_CLOSED;
		}
		if (n == -1) {
			if (errno == EINTR || errno == EAGAIN ||
			    errno == EWOULDBLOCK)
				continue;
			log_warn(CHAN, "peer %s: %s", chan->peer, what);
			return reloc__errno_to_err(errno);
		}
		/* The first bytes: what answered, when it is no xrelocd. */
		k = sizeof(chan->heard) - chan->nheard;
		k = (size_t)n < k ? (size_t)n : k;
		memcpy(chan->heard + chan->nheard, buf + done, k);
		chan->nheard += k;
		done += (size_t)n;
	}
	return 0;
}

int
reloc_chan_send(struct reloc_chan *chan, enum reloc_msg_type type,
    const struct reloc_sxp *body)
{
	uint8_t	*buf = NULL;
	size_t	 len, done = 0;
	char	 what[64];
	int	 rc;

	chan->sent_nothing = true;
	if ((rc = reloc_proto_encode(type, body, &buf, &len)) < 0)
		return rc;
	snprintf(what, sizeof(what), "sending %s", reloc_msg_name(type));
	rc = write_all(chan, buf, len, what, &done);
	chan->sent_nothing = done == 0;
	if (rc == 0)
		log_debug(CHAN, "peer %s: sent %s (%zu bytes)", chan->peer,
		    reloc_msg_name(type), len);
	free(buf);
	return rc;
}

bool
reloc_chan_sent_nothing(const struct reloc_chan *chan)
{
	return chan->sent_nothing;
}

/* Append (key value) where value is an atom given as text. */
static int
add_atom_pair(struct reloc_sxp *list, const char *key, const char *value)
{
	struct reloc_sxp	*pair = NULL, *atom;
	int			 rc;

	if ((rc = reloc_sxp_new_list(&pair)) < 0)
		return rc;
	if ((rc = reloc_sxp_new_atom(key, strlen(key), &atom)) < 0 ||
	    (rc = reloc_sxp_append(pair, atom)) < 0 ||
	    (rc = reloc_sxp_new_atom(value, strlen(value), &atom)) < 0 ||
	    (rc = reloc_sxp_append(pair, atom)) < 0) {
		reloc_sxp_free(pair);
		return rc;
	}
	return reloc_sxp_append(list, pair);
}

int
reloc_chan_send_error(struct reloc_chan *chan, int code, const char *fmt, ...)
{
	struct reloc_sxp	*body = NULL, *head;
	char			 msg[1024], num[16];
	va_list			 ap;
	int			 rc;

	chan->sent_nothing = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(num, sizeof(num), "%d", code);
	if ((rc = reloc_sxp_new_list(&body)) < 0)
		return rc;
	if ((rc = reloc_sxp_new_atom("error", 5, &head)) < 0 ||
	    (rc = reloc_sxp_append(body, head)) < 0 ||
	    (rc = add_atom_pair(body, "code", num)) < 0 ||
	    (rc = add_atom_pair(body, "message", msg)) < 0)
		goto out;
	rc = reloc_chan_send(chan, RELOC_MSG_ERROR, body);
out:
	reloc_sxp_free(body);
	return rc;
}

int
reloc_chan_recv(struct reloc_chan *chan, enum reloc_msg_type *type_r,
    struct reloc_sxp **body_r)
{
	uint8_t			 hdr[RELOC_PROTO_HDR_LEN], *buf = NULL;
	int64_t			 deadline;
	enum reloc_msg_type	 type;
	uint32_t		 blen;
	size_t			 used;
	char			 what[64];
	int			 rc;

	deadline = reloc__chan_deadline(chan->timeout_ms);
	if ((rc = read_all(chan, hdr, sizeof(hdr), deadline,
	    "waiting for a message")) < 0)
		return rc;
	if ((rc = reloc_proto_hdr_decode(chan->peer, hdr, sizeof(hdr), &type,
	    &blen)) < 0)
		return rc;
	if ((buf = malloc(sizeof(hdr) + blen)) == NULL)
		return RELOC_ERR_NOMEM;
	memcpy(buf, hdr, sizeof(hdr));
	/* Exactly the body: what follows may be raw stream bytes. */
	snprintf(what, sizeof(what), "in the middle of a %s message",
	    reloc_msg_name(type));
	if ((rc = read_all(chan, buf + sizeof(hdr), blen, deadline,
	    what)) < 0)
		goto out;
	rc = reloc_proto_decode(chan->peer, buf, sizeof(hdr) + blen, type_r,
	    body_r, &used);
	if (rc == 0)
		log_debug(CHAN, "peer %s: received %s (%zu bytes)",
		    chan->peer, reloc_msg_name(type), used);
out:
	free(buf);
	return rc;
}

/* The (message "...") of an ERROR body, or a placeholder. */
static const char *
error_message(const struct reloc_sxp *body)
{
	const char	*msg = reloc_sxp_value(body, "message");

	return msg != NULL && *msg != '\0' ? msg : "no reason given";
}

/* The peer is at its cap: (code -18), RELOC_ERR_BUSY, and nothing moved. */
static bool
error_is_busy(const struct reloc_sxp *body)
{
	const char	*code = reloc_sxp_value(body, "code");

	return code != NULL && strtol(code, NULL, 10) == RELOC_ERR_BUSY;
}

int
reloc_chan_expect(struct reloc_chan *chan, enum reloc_msg_type type,
    struct reloc_sxp **body_r, char **why_r)
{
	struct reloc_sxp	*body = NULL;
	enum reloc_msg_type	 got;
	char			*why;
	int			 rc;

	if ((rc = reloc_chan_recv(chan, &got, &body)) < 0)
		return rc;
	if (got == type) {
		if (body_r != NULL)
			*body_r = body;
		else
			reloc_sxp_free(body);
		return 0;
	}
	if (got == RELOC_MSG_ERROR) {
		log_warnx(CHAN, "peer %s: refused: %s", chan->peer,
		    error_message(body));
		rc = error_is_busy(body) ? RELOC_ERR_BUSY : RELOC_ERR_DENIED;
		if (why_r != NULL) {
			if ((why = strdup(error_message(body))) == NULL)
				rc = RELOC_ERR_NOMEM;
			else
				*why_r = why;
		}
	} else {
		log_warnx(CHAN, "peer %s: expected %s, got %s", chan->peer,
		    reloc_msg_name(type), reloc_msg_name(got));
		rc = RELOC_ERR_PROTO;
	}
	reloc_sxp_free(body);
	return rc;
}
