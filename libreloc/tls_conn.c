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
 * One TLS connection over a non-blocking socket: the handshake within a
 * deadline, reads and writes that never block, close_notify, kernel TLS
 * where there is some, and OpenSSL's failures turned into our error
 * codes and one line saying why.
 */

#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "tls-int.h"

#define MOD		"tls"

/* ---------------------------------------------------------------- reasons */

void
reloc__tls_why(struct reloc_tls *tls, const char *fmt, ...)
{
	char	buf[RELOC__TLS_REASON_MAX];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	reloc_log_vis(tls->reason, sizeof(tls->reason), buf);
}

const char *
reloc_tls_reason(const struct reloc_tls *tls)
{
	return tls != NULL ? tls->reason : "";
}

/* Alerts about our certificate: the peer refused who we are. */
static bool
cert_alert(int reason)
{
	switch (reason) {
	case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
	case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
	case SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED:
	case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
	case SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE:
	case SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE:
	case SSL_R_TLSV1_ALERT_ACCESS_DENIED:
	case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
	case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
		return true;
	}
	return false;
}

/* What a plain peer's bytes look like to a TLS record reader. */
static bool
not_tls(int reason)
{
	switch (reason) {
	case SSL_R_WRONG_VERSION_NUMBER:
	case SSL_R_HTTP_REQUEST:
	case SSL_R_HTTPS_PROXY_REQUEST:
	case SSL_R_UNKNOWN_PROTOCOL:
	case SSL_R_PACKET_LENGTH_TOO_LONG:
	case SSL_R_RECORD_LENGTH_MISMATCH:
	case SSL_R_UNSUPPORTED_PROTOCOL:
		return true;
	}
	return false;
}

/* Map SSL_get_error()'s e, after a call that returned r, to an rc. */
static int
failure(struct reloc_tls *t, const char *what, int e)
{
	unsigned long	 code = ERR_peek_last_error();
	int		 reason = ERR_GET_REASON(code), rc;
	const char	*text = ERR_reason_error_string(code);

	if (text == NULL)
		text = "unknown error";
	if (t->refused)
		rc = RELOC_ERR_DENIED;		/* reason set by the callback */
	else if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL &&
	    code == 0 && errno == 0) ||
	    reason == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
		reloc__tls_why(t, "peer %s closed the connection during the "
		    "tls %s", t->peerstr, what);
		rc = RELOC_ERR_CLOSED;
	} else if (e == SSL_ERROR_SYSCALL && code == 0) {
		reloc__tls_why(t, "tls %s with peer %s: %s", what, t->peerstr,
		    strerror(errno));
		rc = RELOC_ERR_IO;
	} else if (ERR_GET_LIB(code) == ERR_LIB_SSL && cert_alert(reason)) {
		reloc__tls_why(t, "peer %s refused our certificate (%s): see "
		    "its log for why", t->peerstr, text);
		rc = RELOC_ERR_DENIED;
	} else if (ERR_GET_LIB(code) == ERR_LIB_SSL && not_tls(reason)) {
		reloc__tls_why(t, "peer %s does not speak tls (%s): a plain "
		    "peer on the tls port, or tls on the plain one", t->peerstr,
		    text);
		rc = RELOC_ERR_PROTO;
	} else {
		reloc__tls_why(t, "tls %s with peer %s failed: %s", what,
		    t->peerstr, text);
		rc = RELOC_ERR_PROTO;
	}
	ERR_clear_error();
	return rc;
}

/* ---------------------------------------------------------------- objects */

static void
peer_text(struct reloc_tls *t)
{
	const struct sockaddr_in	*sin = (const void *)&t->peer;
	const struct sockaddr_in6	*sin6 = (const void *)&t->peer;
	const void			*a = NULL;

	if (t->peer.ss_family == AF_INET)
		a = &sin->sin_addr;
	else if (t->peer.ss_family == AF_INET6)
		a = &sin6->sin6_addr;
	if (a == NULL || inet_ntop(t->peer.ss_family, a, t->peerstr,
	    sizeof(t->peerstr)) == NULL)
		snprintf(t->peerstr, sizeof(t->peerstr), "(unknown)");
}

static int
set_peer(struct reloc_tls *t, const struct reloc_tls_peer *peer)
{
	if (peer == NULL || peer->sa == NULL || peer->salen == 0 ||
	    peer->salen > sizeof(t->peer))
		return RELOC_ERR_INVAL;
	memcpy(&t->peer, peer->sa, peer->salen);
	t->peerlen = peer->salen;
	peer_text(t);
	if (peer->name != NULL && (t->name = strdup(peer->name)) == NULL)
		return RELOC_ERR_NOMEM;
	return 0;
}

int
reloc_tls_new(struct reloc_tls_ctx *ctx, int fd, enum reloc_tls_role role,
    const struct reloc_tls_peer *peer, unsigned flags,
    struct reloc_tls **tls_r)
{
	struct reloc_tls	*t;
	int			 fl, rc;

	if (ctx == NULL || fd < 0 || tls_r == NULL)
		return RELOC_ERR_INVAL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return RELOC_ERR_NOMEM;
	/* Held until reloc_tls_free(): the SSL's verify callback uses it. */
	t->ctx = ctx;
	ctx->refs++;
	t->fd = fd;
	t->role = role;
	if ((rc = set_peer(t, peer)) < 0)
		goto out;
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1) {
		log_err(MOD, "peer %s: cannot make the socket non-blocking",
		    t->peerstr);
		rc = RELOC_ERR_IO;
		goto out;
	}
	rc = RELOC_ERR_NOMEM;
	if ((t->ssl = SSL_new(ctx->ssl)) == NULL ||
	    SSL_set_fd(t->ssl, fd) != 1)
		goto out;
	SSL_set_app_data(t->ssl, t);
#ifdef SSL_OP_ENABLE_KTLS
	if (flags & RELOC_TLS_KTLS)
		SSL_set_options(t->ssl, SSL_OP_ENABLE_KTLS);
#else
	(void)flags;
#endif
	if (role == RELOC_TLS_CLIENT)
		SSL_set_connect_state(t->ssl);
	else
		SSL_set_accept_state(t->ssl);
	rc = 0;
out:
	ERR_clear_error();
	if (rc == 0)
		*tls_r = t;
	else
		reloc_tls_free(t);
	return rc;
}

void
reloc_tls_free(struct reloc_tls *tls)
{
	if (tls == NULL)
		return;
	SSL_free(tls->ssl);
	reloc_tls_ctx_free(tls->ctx);
	free(tls->name);
	free(tls);
}

/* ---------------------------------------------------------------- handshake */

static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for events on the socket until deadline (-1: none). */
static int
wait_fd(struct reloc_tls *t, short events, int64_t deadline)
{
	struct pollfd	pfd = { .fd = t->fd, .events = events };
	int64_t		left;
	int		r;

	do {
		left = deadline < 0 ? -1 : deadline - now_ms();
		if (deadline >= 0 && left <= 0)
			return RELOC_ERR_TIMEOUT;
		r = poll(&pfd, 1, left > INT32_MAX ? INT32_MAX : (int)left);
	} while (r == -1 && errno == EINTR);
	if (r == -1) {
		reloc__tls_why(t, "tls handshake with peer %s: poll: %s",
		    t->peerstr, strerror(errno));
		return RELOC_ERR_IO;
	}
	return r == 0 ? RELOC_ERR_TIMEOUT : 0;
}

int
reloc_tls_handshake_step(struct reloc_tls *tls, short *events_r)
{
	int	r, e;

	if (tls == NULL || events_r == NULL)
		return RELOC_ERR_INVAL;
	tls->reason[0] = '\0';
	ERR_clear_error();
	errno = 0;
	if ((r = SSL_do_handshake(tls->ssl)) != 1) {
		e = SSL_get_error(tls->ssl, r);
		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
			return failure(tls, "handshake", e);
		*events_r = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
		ERR_clear_error();
		return RELOC_ERR_AGAIN;
	}
	log_info(MOD, "peer %s: %s %s", tls->peerstr,
	    SSL_get_version(tls->ssl), SSL_get_cipher_name(tls->ssl));
	return 0;
}

int
reloc_tls_handshake(struct reloc_tls *tls, int timeout_ms)
{
	int64_t	deadline = timeout_ms > 0 ? now_ms() + timeout_ms : -1;
	short	events;
	int	rc;

	if (tls == NULL)
		return RELOC_ERR_INVAL;
	while ((rc = reloc_tls_handshake_step(tls, &events)) ==
	    RELOC_ERR_AGAIN) {
		rc = wait_fd(tls, events, deadline);
		if (rc == RELOC_ERR_TIMEOUT)
			reloc__tls_why(tls, "peer %s: no tls handshake within "
			    "%d ms (xrelocd-hello-timeout)", tls->peerstr,
			    timeout_ms);
		if (rc < 0)
			return rc;
	}
	return rc;
}

int
reloc_tls_set_fd(struct reloc_tls *tls, int fd)
{
	BIO	*rbio, *wbio;

	if (tls == NULL || fd < 0)
		return RELOC_ERR_INVAL;
	if (fd == tls->fd)
		return 0;
	/*
	 * Point the socket BIOs the SSL already has at fd rather than make
	 * new ones (SSL_set_fd): a BIO carries the kernel TLS flags set
	 * when the keys went to the kernel, and a new BIO would encrypt in
	 * OpenSSL what the kernel encrypts again.  A socket BIO holds no
	 * data: the records buffered are the SSL's.
	 */
	if ((rbio = SSL_get_rbio(tls->ssl)) == NULL ||
	    (wbio = SSL_get_wbio(tls->ssl)) == NULL ||
	    BIO_method_type(rbio) != BIO_TYPE_SOCKET ||
	    BIO_method_type(wbio) != BIO_TYPE_SOCKET)
		return RELOC_ERR_INVAL;
	BIO_set_fd(rbio, fd, BIO_NOCLOSE);
	if (wbio != rbio)
		BIO_set_fd(wbio, fd, BIO_NOCLOSE);
	tls->fd = fd;
	return 0;
}

const char *
reloc_tls_version(const struct reloc_tls *tls)
{
	return SSL_get_version(tls->ssl);
}

const char *
reloc_tls_cipher(const struct reloc_tls *tls)
{
	const char	*s = SSL_get_cipher_name(tls->ssl);

	return s != NULL ? s : "";
}

/* ---------------------------------------------------------------- data */

/* After an I/O call that made no progress: e from SSL_get_error(). */
static int
io_result(struct reloc_tls *t, const char *what, int e, short *events_r)
{
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		*events_r = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
		ERR_clear_error();
		return RELOC_ERR_AGAIN;
	}
	if (e == SSL_ERROR_ZERO_RETURN) {
		reloc__tls_why(t, "peer %s closed the tls connection",
		    t->peerstr);
		return RELOC_ERR_CLOSED;
	}
	return failure(t, what, e);
}

/*
 * A peer that refused us sent an alert before it closed; a write that
 * then fails on the closed socket left it unread.  True when reading
 * it gave an SSL error, now on the queue for failure().
 */
static bool
peer_alert(struct reloc_tls *t)
{
	char	c;
	size_t	n;
	int	r, saved = errno;

	ERR_clear_error();
	if ((r = SSL_peek_ex(t->ssl, &c, 1, &n)) != 1 &&
	    SSL_get_error(t->ssl, r) == SSL_ERROR_SSL &&
	    ERR_GET_REASON(ERR_peek_last_error()) > SSL_AD_REASON_OFFSET)
		return true;
	ERR_clear_error();
	errno = saved;
	return false;
}

int
reloc_tls_read(struct reloc_tls *tls, void *buf, size_t len, size_t *n_r,
    short *events_r)
{
	size_t	n = 0;
	int	r;

	if (tls == NULL || buf == NULL || n_r == NULL || events_r == NULL)
		return RELOC_ERR_INVAL;
	ERR_clear_error();
	errno = 0;
	if ((r = SSL_read_ex(tls->ssl, buf, len, &n)) == 1) {
		*n_r = n;
		return 0;
	}
	return io_result(tls, "read", SSL_get_error(tls->ssl, r), events_r);
}

int
reloc_tls_write(struct reloc_tls *tls, const void *buf, size_t len,
    size_t *n_r, short *events_r)
{
	size_t	n = 0;
	int	r, e;

	if (tls == NULL || buf == NULL || n_r == NULL || events_r == NULL)
		return RELOC_ERR_INVAL;
	ERR_clear_error();
	errno = 0;
	if ((r = SSL_write_ex(tls->ssl, buf, len, &n)) == 1) {
		*n_r = n;
		return 0;
	}
	if ((e = SSL_get_error(tls->ssl, r)) == SSL_ERROR_SYSCALL &&
	    peer_alert(tls))
		return failure(tls, "write", SSL_ERROR_SSL);
	return io_result(tls, "write", e, events_r);
}

int
reloc_tls_shutdown(struct reloc_tls *tls, short *events_r)
{
	int	r;

	if (tls == NULL || events_r == NULL)
		return RELOC_ERR_INVAL;
	if (SSL_get_shutdown(tls->ssl) & SSL_SENT_SHUTDOWN)
		return 0;
	ERR_clear_error();
	errno = 0;
	/* 0: ours is sent, the peer's not awaited; both are fine here. */
	if ((r = SSL_shutdown(tls->ssl)) >= 0)
		return 0;
	return io_result(tls, "shutdown", SSL_get_error(tls->ssl, r),
	    events_r);
}

void
reloc_tls_ktls(const struct reloc_tls *tls, bool *send_r, bool *recv_r)
{
	bool	snd = false, rcv = false;

#ifdef SSL_OP_ENABLE_KTLS
	if (tls != NULL && tls->ssl != NULL) {
		snd = BIO_get_ktls_send(SSL_get_wbio(tls->ssl)) != 0;
		rcv = BIO_get_ktls_recv(SSL_get_rbio(tls->ssl)) != 0;
	}
#else
	(void)tls;
#endif
	if (send_r != NULL)
		*send_r = snd;
	if (recv_r != NULL)
		*recv_r = rcv;
}

bool
reloc_tls_pending(const struct reloc_tls *tls)
{
	return tls != NULL && tls->ssl != NULL && SSL_has_pending(tls->ssl);
}
