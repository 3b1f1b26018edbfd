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
 * Parallel streams.  The source asks for N connections in its HELLO, the
 * target grants M <= N and gives a token.  After the verdict the source
 * opens M-1 more connections to the same address and port and sends JOIN
 * on each; the target's daemon hands each to a worker (lane_join.c) that
 * finds this migration's UNIX socket, named by its id, and passes the
 * connection (or relays its decrypted bytes) here.  Every lane joins
 * before STREAM, or the migration fails with nothing moved.
 */

#include <sys/socket.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reloc-int.h"
#include "migrate.h"

static bool
is_source(const struct reloc__mig *m)
{
	return strcmp(m->role, "source") == 0;
}

int
reloc__lanes_hello_add(struct reloc__mig *m, struct reloc_sxp *hello)
{
	struct reloc__lanes	*l = &m->lanes;
	int			 rc;

	if (is_source(m))
		return l->asked > 1 ? reloc_sxp_add_u64(hello, "streams",
		    l->asked) : 0;
	if (l->asked <= 1)
		return 0;
	if ((rc = reloc_sxp_add_u64(hello, "streams", l->n)) < 0 ||
	    l->n <= 1)
		return rc;
	return reloc_sxp_add_str(hello, "stream-token", l->token);
}

/* "4" as a number of streams 1..RELOC_STREAMS_MAX; 0 when absent or bad. */
static unsigned
streams_of(const struct reloc_sxp *hello)
{
	const char	*v = reloc_sxp_value(hello, "streams");
	char		*end;
	unsigned long	 n;

	if (v == NULL)
		return 0;
	n = strtoul(v, &end, 10);
	return *v != '\0' && *end == '\0' && n >= 1 &&
	    n <= RELOC_STREAMS_MAX ? (unsigned)n : 0;
}

static bool
token_valid(const char *t)
{
	size_t	i;

	if (t == NULL || strlen(t) != RELOC__TOKEN_HEX)
		return false;
	for (i = 0; i < RELOC__TOKEN_HEX; i++)
		if (strchr("0123456789abcdef", t[i]) == NULL)
			return false;
	return true;
}

/* The target's HELLO: how many lanes, with which token. */
static int
lanes_read_target(struct reloc__mig *m, const struct reloc_sxp *hello)
{
	struct reloc__lanes	*l = &m->lanes;
	const char		*t = reloc_sxp_value(hello, "stream-token");
	unsigned		 n = streams_of(hello);

	l->n = 1;
	if (l->asked <= 1)
		return 0;
	if (n == 0 && reloc_sxp_value(hello, "streams") == NULL) {
		log_info("migrate", "source %s: %s does not offer parallel "
		    "streams: sending over one", m->label, m->peer);
		return 0;
	}
	if (n == 0 || n > l->asked || (n > 1 && !token_valid(t))) {
		reloc__mig_message(m, "%s: bad streams or stream-token in "
		    "HELLO", m->peer);
		return RELOC_ERR_PROTO;
	}
	l->n = n;
	if (n > 1)
		snprintf(l->token, sizeof(l->token), "%s", t);
	if (n < l->asked)
		log_info("migrate", "source %s: %s takes %u stream%s of the "
		    "%u asked (its xrelocd-relocation-streams)", m->label,
		    m->peer, n, n == 1 ? "" : "s", l->asked);
	return 0;
}

static int
token_new(char token[RELOC__TOKEN_HEX + 1])
{
	uint8_t	b[RELOC__TOKEN_HEX / 2];
	size_t	i;

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		return RELOC_ERR_IO;
	for (i = 0; i < sizeof(b); i++)
		snprintf(token + 2 * i, 3, "%02x", b[i]);
	return 0;
}

/* Root's alone: the directory is checked, the socket made 0600. */
static int
lanes_listen(struct reloc__mig *m)
{
	struct reloc__lanes	*l = &m->lanes;
	struct sockaddr_un	 sun;
	mode_t			 old;
	int			 fd, rc;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (l->dir == NULL || m->rec == NULL || m->rec->id[0] == '\0' ||
	    (size_t)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s.lane",
	    l->dir, m->rec->id) >= sizeof(sun.sun_path))
		return RELOC_ERR_INVAL;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return reloc__errno_to_err(errno);
	(void)unlink(sun.sun_path);
	old = umask(077);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc == -1 || listen(fd, RELOC_STREAMS_MAX) == -1) {
		rc = reloc__errno_to_err(errno);
		log_warn("migrate", "target %s: cannot listen on %s",
		    m->label, sun.sun_path);
		close(fd);
		return rc;
	}
	snprintf(l->path, sizeof(l->path), "%s", sun.sun_path);
	l->lfd = fd;
	l->listening = true;
	return 0;
}

/* The source's HELLO: grant what both keys allow, listen for lanes. */
static int
lanes_read_source(struct reloc__mig *m, const struct reloc_sxp *hello)
{
	struct reloc__lanes	*l = &m->lanes;
	unsigned		 most = l->most > 0 ? l->most : 1;

	l->asked = streams_of(hello);
	l->n = 1;
	if (l->asked <= 1)
		return 0;
	l->n = l->asked < most ? l->asked : most;
	if (l->n > 1 && (token_new(l->token) < 0 || lanes_listen(m) < 0)) {
		log_warnx("migrate", "target %s: parallel streams unavailable "
		    "(see above): offering one", m->label);
		l->n = 1;
	}
	log_info("migrate", "target %s: %s asks for %u streams, offered %u",
	    m->label, m->peer, l->asked, l->n);
	return 0;
}

int
reloc__lanes_hello_read(struct reloc__mig *m, const struct reloc_sxp *hello)
{
	return is_source(m) ? lanes_read_target(m, hello) :
	    lanes_read_source(m, hello);
}

static void
lanes_unlisten(struct reloc__lanes *l)
{
	if (!l->listening)
		return;
	close(l->lfd);
	(void)unlink(l->path);
	l->listening = false;
}

void
reloc__lanes_close(struct reloc__mig *m)
{
	size_t	i;

	lanes_unlisten(&m->lanes);
	for (i = 0; i < RELOC_STREAMS_MAX; i++) {
		reloc_chan_free(m->lanes.chan[i]);
		m->lanes.chan[i] = NULL;
	}
}

/* Only this user (root) may hand us a lane. */
static bool
peer_is_us(int fd)
{
	struct ucred	cred;
	socklen_t	len = sizeof(cred);

	return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 &&
	    cred.uid == geteuid();
}

/* The request and, from a plain connection, its descriptor (or -1). */
static int
join_read(int fd, struct reloc__join_req *req, int *fd_r)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	}		 cm;
	struct iovec	 iov = { req, sizeof(*req) };
	struct msghdr	 msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cm.buf, .msg_controllen = sizeof(cm.buf),
	};
	struct cmsghdr	*c;
	struct pollfd	 pfd = { fd, POLLIN, 0 };

	*fd_r = -1;
	if (poll(&pfd, 1, 5000) != 1 ||
	    recvmsg(fd, &msg, MSG_CMSG_CLOEXEC) != (ssize_t)sizeof(*req))
		return RELOC_ERR_PROTO;
	c = CMSG_FIRSTHDR(&msg);
	if (c != NULL && c->cmsg_level == SOL_SOCKET &&
	    c->cmsg_type == SCM_RIGHTS &&
	    c->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(fd_r, CMSG_DATA(c), sizeof(int));
	return memcmp(req->magic, "XRLJ", 4) == 0 ? 0 : RELOC_ERR_PROTO;
}

/* Without a shortcut on the first byte that differs. */
static bool
token_equal(const char *a, const char *b)
{
	unsigned char	d = 0;
	size_t		i;

	for (i = 0; i < RELOC__TOKEN_HEX; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

/*
 * One connection on the lane socket: a lane that joins (1), or one
 * refused (0, logged; the migration goes on).  A plain lane is the
 * descriptor passed, a TLS one this socket, its worker relaying.
 */
static int
lane_take(struct reloc__mig *m, int cfd)
{
	struct reloc__lanes	*l = &m->lanes;
	struct reloc__join_req	 req;
	struct reloc_chan	*c = NULL;
	int			 pfd = -1, used = -1;
	bool			 ok;

	ok = peer_is_us(cfd) && join_read(cfd, &req, &pfd) == 0 &&
	    req.lane >= 1 && req.lane < l->n &&
	    token_equal(req.token, l->token) && l->chan[req.lane] == NULL;
	if (ok && reloc_chan_new(pfd != -1 ? pfd : cfd, m->peer,
	    m->timeout_ms, &c) == 0)
		used = reloc_chan_fd(c);
	if (write(cfd, c != NULL ? "y" : "n", 1) != 1 || c == NULL) {
		log_warnx("migrate", "target %s: refused a stream that did "
		    "not match this migration's lanes and token", m->label);
		reloc_chan_free(c);
		if (pfd != -1 && pfd != used)
			close(pfd);
		if (cfd != used)
			close(cfd);
		return 0;
	}
	l->chan[req.lane] = c;
	if (cfd != used)
		close(cfd);
	log_info("migrate", "target %s: stream %u of %u joined%s", m->label,
	    req.lane + 1, l->n, pfd == -1 ? " (relayed)" : "");
	return 1;
}

static unsigned
lanes_missing(const struct reloc__lanes *l)
{
	unsigned	k;

	for (k = 1; k < l->n; k++)
		if (l->chan[k] == NULL)
			return k;
	return 0;
}

int
reloc__lanes_accept(struct reloc__mig *m, int hello_timeout_ms)
{
	struct reloc__lanes	*l = &m->lanes;
	struct pollfd		 pfd[2];
	uint64_t		 end = reloc__now_ns(CLOCK_MONOTONIC) +
				    (uint64_t)hello_timeout_ms * 1000000ull;
	uint64_t		 now;
	unsigned		 k, joined = 0;
	int			 cfd;

	while (l->n > 1 && joined < l->n - 1) {
		pfd[0] = (struct pollfd){ l->lfd, POLLIN, 0 };
		pfd[1] = (struct pollfd){ reloc_chan_fd(m->chan), POLLIN, 0 };
		now = reloc__now_ns(CLOCK_MONOTONIC);
		if (now >= end || poll(pfd, 2, (int)((end - now) / 1000000 +
		    1)) == 0) {
			k = lanes_missing(l);
			reloc__mig_message(m, "stream %u of %u from %s did not "
			    "join within %d s (xrelocd-hello-timeout)", k + 1,
			    l->n, m->peer, hello_timeout_ms / 1000);
			return RELOC_ERR_TIMEOUT;
		}
		if (pfd[1].revents != 0) {
			reloc__mig_message(m, "%s closed before its %u "
			    "streams joined", m->peer, l->n);
			return RELOC_ERR_CLOSED;
		}
		if ((pfd[0].revents & POLLIN) == 0 ||
		    (cfd = accept4(l->lfd, NULL, NULL, SOCK_CLOEXEC)) == -1)
			continue;
		joined += (unsigned)lane_take(m, cfd);
	}
	lanes_unlisten(l);
	return 0;
}

/* JOIN on a fresh connection to host and port, echoed once it joined. */
static int
lane_open(struct reloc__mig *m, unsigned k, const char *host,
    const char *port, struct reloc_tls_ctx *ctx)
{
	struct reloc_chan	**c = &m->lanes.chan[k];
	struct reloc_sxp	 *msg = NULL;
	char			 *why = NULL;
	int			  rc;

	if ((rc = reloc_chan_connect(host, port, m->timeout_ms, c)) < 0)
		goto out;
	if (ctx != NULL && (rc = reloc_chan_start_tls(*c, ctx,
	    RELOC_TLS_CLIENT, host, m->timeout_ms)) < 0) {
		/* The first stream's handshake with the same peer passed. */
		if (*reloc_chan_tls_reason(*c) != '\0')
			why = strdup(reloc_chan_tls_reason(*c));
		else if (asprintf(&why, "%s:%s ended this stream's tls "
		    "handshake (%s) after the first stream's passed: see its "
		    "log", host, port, reloc_strerror(rc)) == -1)
			why = NULL;
		goto out;
	}
	if ((rc = reloc__msg_new(RELOC_MSG_JOIN, &msg)) < 0 ||
	    (rc = reloc_sxp_add_str(msg, "migration", m->rec != NULL ?
	    m->rec->id : "")) < 0 ||
	    (rc = reloc_sxp_add_u64(msg, "lane", k)) < 0 ||
	    (rc = reloc_sxp_add_str(msg, "token", m->lanes.token)) < 0 ||
	    (rc = reloc_chan_send(*c, RELOC_MSG_JOIN, msg)) < 0)
		goto out;
	rc = reloc_chan_expect(*c, RELOC_MSG_JOIN, NULL, &why);
out:
	if (rc < 0)
		reloc__mig_message(m, "stream %u of %u to %s could not join: "
		    "%s", k + 1, m->lanes.n, m->peer, why != NULL &&
		    *why != '\0' ? why : reloc_strerror(rc));
	free(why);
	reloc_sxp_free(msg);
	return rc;
}

int
reloc__lanes_open(struct reloc__mig *m, const char *host, const char *port,
    struct reloc_tls_ctx *ctx)
{
	unsigned	k;
	int		rc;

	for (k = 1; k < m->lanes.n; k++)
		if ((rc = lane_open(m, k, host, port, ctx)) < 0)
			return rc;
	if (m->lanes.n > 1)
		log_info("migrate", "source %s: %u streams joined", m->label,
		    m->lanes.n);
	return 0;
}
