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
 * The TLS port's gate: the handshake and the check of the peer's
 * certificate run here, in the daemon's event loop, before any worker
 * exists.  A peer refused (its chain, its names, its pin, or no TLS at
 * all) gets the alert and a closed connection, and costs no fork; a
 * handshake that stalls holds a slot of xrelocd-max-pending (and of its
 * address's xrelocd-max-pending-per-peer) until xrelocd-hello-timeout
 * drops it.  Only a peer that passed gets a target worker, which
 * inherits the TLS session across fork(); the daemon frees its copy
 * without sending anything.  In the required mode a plain connection is
 * answered here too: the source reads why in answer to its HELLO, and
 * no worker is forked for it.  In the other modes a plain connection
 * waits here for its first byte: a TLS client on the plain port, or
 * anything that cannot begin an xrelocd message, gets no worker either.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "xrelocd.h"
#include "log.h"

/* How long a refused peer gets to read our alert before the close. */
#define GATE_DRAIN_MS	500
/* A TLS record's first byte when it carries a handshake (RFC 8446, 5.1). */
#define TLS_HANDSHAKE_RECORD	22

struct gate {
	LIST_ENTRY(gate)	 entry;
	struct xrelocd		*x;
	int			 fd;
	struct reloc_tls	*tls;		/* NULL once draining */
	bool			 started;	/* the handshake has begun */
	struct event		*ev;
	int64_t			 deadline;	/* ms, CLOCK_MONOTONIC */
	char			 peer[128];
	char			 addr[64];
};

static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

unsigned
listen_tls_count(const struct xrelocd *x, const char *addr)
{
	const struct gate	*g;
	unsigned		 n = 0;

	LIST_FOREACH(g, &x->gates, entry)
		if (strcmp(g->addr, addr) == 0)
			n++;
	return n;
}

static void
gate_free(struct gate *g)
{
	LIST_REMOVE(g, entry);
	if (g->x->pending > 0)
		g->x->pending--;
	if (g->ev != NULL)
		event_free(g->ev);
	reloc_tls_free(g->tls);
	close(g->fd);
	free(g);
}

/* Wait for events on the socket until the deadline. */
static void
gate_wait(struct gate *g, short events, event_callback_fn cb)
{
	int64_t		left = g->deadline - now_ms();
	struct timeval	tv;

	if (left < 0)
		left = 0;
	tv.tv_sec = (time_t)(left / 1000);
	tv.tv_usec = (suseconds_t)(left % 1000) * 1000;
	if (g->ev != NULL)
		event_free(g->ev);
	g->ev = event_new(g->x->base, g->fd, events, cb, g);
	if (g->ev == NULL || event_add(g->ev, &tv) == -1) {
		log_warnx("listen", "peer %s: no memory to wait for it: "
		    "connection closed", g->peer);
		gate_free(g);
	}
}

/* Read and drop what the refused peer still sends, until it closes. */
static void
drain_cb(evutil_socket_t fd, short events, void *arg)
{
	struct gate	*g = arg;
	char		 buf[512];
	ssize_t		 n;

	/* A peer that keeps sending does not keep the drain going. */
	if ((events & EV_TIMEOUT) || now_ms() >= g->deadline) {
		gate_free(g);
		return;
	}
	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		continue;
	if (n == 0 || (errno != EINTR && errno != EAGAIN))
		gate_free(g);
}

/*
 * Refused: the alert (or the plain ERROR) is queued on the socket.
 * close_notify if OpenSSL can still send one, then end of file, then a
 * short drain, so that the close is no reset that discards it unread.
 */
static void
gate_refuse(struct gate *g)
{
	short	events;

	if (g->tls != NULL)
		(void)reloc_tls_shutdown(g->tls, &events);
	reloc_tls_free(g->tls);
	g->tls = NULL;
	(void)shutdown(g->fd, SHUT_WR);
	g->deadline = now_ms() + GATE_DRAIN_MS;
	gate_wait(g, EV_READ | EV_PERSIST, drain_cb);
}

/* Passed: a worker goes on with the session, our copy goes silently. */
static void
gate_pass(struct gate *g)
{
	int64_t	left = g->deadline - now_ms();

	/* The worker takes a pending slot; gate_free() gives ours back. */
	if (worker_start_target(g->x, g->fd, g->peer, g->addr, g->tls,
	    left > 0 ? (int)left : 1) < 0)
		log_warnx("listen", "cannot start a worker for %s", g->peer);
	gate_free(g);
}

/*
 * Tell a plain source why, in an ERROR message it reads in answer to
 * its HELLO, then drain and close.
 */
static void
gate_answer(struct gate *g, const char *why)
{
	struct reloc_chan	*chan = NULL;
	char			 host[256];
	int			 cfd;

	if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "the target");
	host[sizeof(host) - 1] = '\0';
	/* One short message into an empty socket buffer: no wait. */
	if ((cfd = fcntl(g->fd, F_DUPFD_CLOEXEC, 0)) != -1 &&
	    reloc_chan_new(cfd, g->peer, GATE_DRAIN_MS, &chan) == 0)
		(void)reloc_chan_send_error(chan, RELOC_ERR_DENIED, "%s %s",
		    host, why);
	reloc_chan_free(chan);
	reloc_tls_free(g->tls);
	g->tls = NULL;
	gate_refuse(g);
}

/*
 * Before the handshake: an xrelocd source that speaks plain (its first
 * byte begins the magic) is told to use -s, like a plain source in the
 * required mode, instead of a close it cannot tell from a refusal.
 */
static bool
gate_plain_source(struct gate *g)
{
	char	why[256];
	uint8_t	b;

	g->started = true;
	if (recv(g->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) != 1 ||
	    b != (RELOC_PROTO_MAGIC >> 24))
		return false;
	log_warnx("listen", "peer %s: does not speak tls: a plain xrelocd "
	    "source on the tls port %ld; it must use xm migrate -s, or the "
	    "plain port %ld (no worker started)", g->peer,
	    reloc_conf_int(g->x->conf, RELOC_CK_SSL_PORT),
	    reloc_conf_int(g->x->conf, RELOC_CK_RELOCATION_PORT));
	snprintf(why, sizeof(why), "answers only tls on port %ld "
	    "(xend-relocation-ssl-port): use xm migrate -s, or the plain "
	    "port %ld (xend-relocation-port)",
	    reloc_conf_int(g->x->conf, RELOC_CK_SSL_PORT),
	    reloc_conf_int(g->x->conf, RELOC_CK_RELOCATION_PORT));
	gate_answer(g, why);
	return true;
}

static void
gate_cb(evutil_socket_t fd, short events, void *arg)
{
	struct gate	*g = arg;
	int		 rc;
	short		 want;

	(void)fd;
	if (!(events & EV_TIMEOUT) && !g->started && gate_plain_source(g))
		return;
	if (events & EV_TIMEOUT) {
		ratelog_note(&g->x->closed, g->addr, g->peer, "no tls "
		    "handshake within %lds (xrelocd-hello-timeout)",
		    reloc_conf_int(g->x->conf, RELOC_CK_HELLO_TIMEOUT));
		gate_free(g);
		return;
	}
	rc = reloc_tls_handshake_step(g->tls, &want);
	if (rc == RELOC_ERR_AGAIN) {
		gate_wait(g, want == POLLIN ? EV_READ : EV_WRITE, gate_cb);
		return;
	}
	if (rc == 0) {
		gate_pass(g);
		return;
	}
	log_warnx("listen", "peer %s: tls refused: %s (no worker started)",
	    g->peer, *reloc_tls_reason(g->tls) != '\0' ?
	    reloc_tls_reason(g->tls) : reloc_strerror(rc));
	if (rc == RELOC_ERR_CLOSED || rc == RELOC_ERR_IO)
		gate_free(g);
	else
		gate_refuse(g);
}

/* A gate for the connection fd (duplicated): it holds a pending slot. */
static struct gate *
gate_new(struct xrelocd *x, int fd, const char *peer, const char *addr)
{
	struct gate	*g;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		return NULL;
	g->x = x;
	snprintf(g->peer, sizeof(g->peer), "%s", peer);
	snprintf(g->addr, sizeof(g->addr), "%s", addr);
	if ((g->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) == -1) {
		log_warn("listen", "peer %s: dup", peer);
		free(g);
		return NULL;
	}
	LIST_INSERT_HEAD(&x->gates, g, entry);
	x->pending++;
	g->deadline = now_ms() + reloc_conf_int(x->conf,
	    RELOC_CK_HELLO_TIMEOUT) * 1000;
	return g;
}

int
listen_tls_start(struct xrelocd *x, int fd, const char *peer,
    const char *addr, const char *name)
{
	struct sockaddr_storage	 ss;
	struct reloc_tls_peer	 tp;
	socklen_t		 sslen = sizeof(ss);
	struct gate		*g;
	int			 rc;

	if (x->tls_ctx == NULL || (g = gate_new(x, fd, peer, addr)) == NULL)
		return -1;
	if (getpeername(g->fd, (struct sockaddr *)&ss, &sslen) == -1) {
		log_warn("listen", "peer %s: getpeername", peer);
		gate_free(g);
		return -1;
	}
	tp.sa = (struct sockaddr *)&ss;
	tp.salen = sslen;
	tp.name = name;
	if ((rc = reloc_tls_new(x->tls_ctx, g->fd, RELOC_TLS_SERVER, &tp,
	    RELOC_TLS_KTLS, &g->tls)) < 0) {
		log_warnx("listen", "peer %s: %s", peer, reloc_strerror(rc));
		gate_free(g);
		return -1;
	}
	/* The client speaks first. */
	gate_wait(g, EV_READ, gate_cb);
	return 0;
}

/* A plain connection that sent nothing within xrelocd-hello-timeout. */
static void
gate_no_hello(struct gate *g)
{
	ratelog_note(&g->x->closed, g->addr, g->peer, "no HELLO within %lds "
	    "(xrelocd-hello-timeout)", reloc_conf_int(g->x->conf,
	    RELOC_CK_HELLO_TIMEOUT));
	gate_free(g);
}

/* The plain source sent (its HELLO): tell it why, then drain and close. */
static void
plain_cb(evutil_socket_t fd, short events, void *arg)
{
	struct gate	*g = arg;

	(void)fd;
	if (events & EV_TIMEOUT) {
		gate_no_hello(g);
		return;
	}
	gate_answer(g, "takes migrations only over tls "
	    "(xrelocd-relocation-ssl-mode required): use xm migrate -s");
}


/*
 * The plain port's first byte: an xrelocd peer's first message starts
 * with RELOC_PROTO_MAGIC; a TLS client's with a handshake record (22).
 * Only a byte that can begin the magic gets a worker, which reads the
 * rest as before.
 */
static void
first_cb(evutil_socket_t fd, short events, void *arg)
{
	struct gate	*g = arg;
	uint8_t		 b;
	ssize_t		 n;

	if (events & EV_TIMEOUT) {
		gate_no_hello(g);
		return;
	}
	n = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
		gate_wait(g, EV_READ, first_cb);
		return;
	}
	if (n == 1 && b == (RELOC_PROTO_MAGIC >> 24)) {
		gate_pass(g);
		return;
	}
	if (n == 1 && b == TLS_HANDSHAKE_RECORD)
		ratelog_note(&g->x->closed, g->addr, g->peer, "tls on the "
		    "plain port: use xm migrate -s, port %ld (no worker "
		    "started)", reloc_conf_int(g->x->conf, RELOC_CK_SSL_PORT));
	else if (n == 1)
		ratelog_note(&g->x->closed, g->addr, g->peer, "not an xrelocd "
		    "peer: first byte 0x%02x, not the magic 0x%08x's (no "
		    "worker started)", b, RELOC_PROTO_MAGIC);
	if (n == 1)
		gate_refuse(g);
	else
		gate_free(g);
}

int
listen_plain_start(struct xrelocd *x, int fd, const char *peer,
    const char *addr)
{
	struct gate	*g;

	if ((g = gate_new(x, fd, peer, addr)) == NULL)
		return -1;
	if (tlsctx_mode(x->conf) != RELOC_TLS_REQUIRED) {
		gate_wait(g, EV_READ, first_cb);
		return 0;
	}
	log_warnx("listen", "peer %s: refused a plain migration: "
	    "xrelocd-relocation-ssl-mode is required here; the source must "
	    "use xm migrate -s (port %ld; no worker started)", peer,
	    reloc_conf_int(x->conf, RELOC_CK_SSL_PORT));
	gate_wait(g, EV_READ, plain_cb);
	return 0;
}

void
listen_tls_stop(struct xrelocd *x)
{
	struct gate	*g, *next;
	unsigned	 n = 0;

	for (g = LIST_FIRST(&x->gates); g != NULL; g = next) {
		next = LIST_NEXT(g, entry);
		gate_free(g);
		n++;
	}
	if (n > 0)
		log_info("listen", "%u connections before HELLO dropped", n);
}
