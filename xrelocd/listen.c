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
 * The relocation listener: binds xend-relocation-address:port, decides
 * on accept from the allow-list before a byte is read, caps connections
 * that have not finished HELLO (in all and per peer address), and hands
 * admitted ones to a worker; one on the TLS port first passes the TLS
 * handshake and the certificate check in listen_tls.c, within those
 * caps.  A peer that only a name pattern can admit waits for its name in
 * listen_name.c, apart from those caps.  Refusals are logged once per
 * peer and interval, then summed up.
 */

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "xrelocd.h"
#include "log.h"

#define LISTEN_LOG_INTERVAL	10	/* seconds between summary lines */

static void
peer_string(const struct sockaddr *sa, socklen_t len, char *buf, size_t size)
{
	char	host[NI_MAXHOST], serv[NI_MAXSERV];

	if (getnameinfo(sa, len, host, sizeof(host), serv, sizeof(serv),
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(buf, size, "?");
		return;
	}
	snprintf(buf, size, sa->sa_family == AF_INET6 ? "[%s]:%s" : "%s:%s",
	    host, serv);
}

/* The address alone, what the per-peer caps count: "192.0.2.7". */
static void
addr_string(const struct sockaddr *sa, socklen_t len, char *buf, size_t size)
{
	if (getnameinfo(sa, len, buf, size, NULL, 0, NI_NUMERICHOST) != 0)
		snprintf(buf, size, "?");
}

unsigned
listen_unfinished(const struct xrelocd *x, const char *addr)
{
	const struct worker	*w;
	unsigned		 n = listen_name_count(x, addr) +
				    listen_tls_count(x, addr);

	TAILQ_FOREACH(w, &x->workers, entry)
		if (w->kind == WORKER_TARGET && !w->hello_done &&
		    strcmp(w->addr, addr) == 0)
			n++;
	return n;
}

/* Has this address its xrelocd-max-pending-per-peer already?  Logged. */
static bool
peer_full(struct xrelocd *x, const char *peer, const char *addr)
{
	unsigned long	per = (unsigned long)reloc_conf_int(x->conf,
			    RELOC_CK_MAX_PENDING_PER_PEER);
	unsigned	n = listen_unfinished(x, addr);

	if (n < per)
		return false;
	ratelog_note(&x->refused, addr, peer, "%u connections from it have "
	    "not finished HELLO (xrelocd-max-pending-per-peer)", n);
	return true;
}

void
listen_admit(struct xrelocd *x, int fd, const char *peer, const char *addr,
    bool tls, const char *name)
{
	unsigned long	max = (unsigned long)reloc_conf_int(x->conf,
			    RELOC_CK_MAX_PENDING);

	if (peer_full(x, peer, addr))
		return;
	if (x->pending >= max) {
		ratelog_note(&x->refused, addr, peer, "%u connections have "
		    "not finished HELLO (xrelocd-max-pending)", x->pending);
		return;
	}
	log_info("listen", "%sconnection from %s", tls ? "tls " : "", peer);
	if (tls) {
		if (listen_tls_start(x, fd, peer, addr, name) < 0)
			log_warnx("listen", "cannot start a tls handshake "
			    "with %s", peer);
	} else if (listen_plain_start(x, fd, peer, addr) < 0)
		log_warnx("listen", "cannot take the connection of %s", peer);
}

/* Only a name pattern may admit the peer: look its name up, bounded. */
static void
accept_by_name(struct xrelocd *x, int fd, const struct sockaddr *sa,
    socklen_t salen, const char *peer, const char *addr, bool tls)
{
	unsigned long	max = (unsigned long)reloc_conf_int(x->conf,
			    RELOC_CK_MAX_NAME_LOOKUPS);

	if (peer_full(x, peer, addr))
		return;
	if (x->nr_lookups >= max) {
		ratelog_note(&x->refused, addr, peer, "%u name lookups under "
		    "way (xrelocd-max-name-lookups)", x->nr_lookups);
		return;
	}
	if (listen_name_start(x, fd, sa, salen, peer, addr, tls) < 0)
		log_warnx("listen", "cannot look up the name of %s", peer);
}

/* Whether lis is one of the TLS port's listeners. */
static bool
lis_is_tls(const struct xrelocd *x, const struct evconnlistener *lis)
{
	size_t	i;

	for (i = x->reloc.tls_from; i < x->reloc.nr; i++)
		if (x->reloc.lis[i] == lis)
			return true;
	return false;
}

/* Accepted: admit or refuse before reading anything. */
static void
accept_cb(struct evconnlistener *lis, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct xrelocd		 *x = arg;
	const struct reloc_allow *allow = reloc_conf_allow(x->conf);
	char			  peer[128], addr[64];
	bool			  tls = lis_is_tls(x, lis);

	peer_string(sa, (socklen_t)salen, peer, sizeof(peer));
	addr_string(sa, (socklen_t)salen, addr, sizeof(addr));
	/* An address entry never waits on the name service. */
	if (reloc_allow_is_open(allow) ||
	    reloc_allow_match(allow, sa, (socklen_t)salen, NULL))
		listen_admit(x, fd, peer, addr, tls, NULL);
	else if (reloc_allow_needs_name(allow))
		accept_by_name(x, fd, sa, (socklen_t)salen, peer, addr, tls);
	else
		ratelog_note(&x->refused, addr, peer, "not in "
		    "xend-relocation-hosts-allow");
	/* A worker or a lookup has its own copy of the socket. */
	evutil_closesocket(fd);
}

/* Out of descriptors: pause accepting for a second, do not spin. */
static void
accept_error_cb(struct evconnlistener *lis, void *arg)
{
	xrelocd_accept_error(arg, lis, "listen");
}

/* Where a listener binds, for the log: "127.0.0.1 port 8002". */
static void
where_string(const struct sockaddr *sa, socklen_t len, char *buf, size_t size)
{
	/* Numeric: an IPv6 address with its scope fits. */
	char	host[INET6_ADDRSTRLEN + IF_NAMESIZE + 1], serv[NI_MAXSERV];

	if (getnameinfo(sa, len, host, sizeof(host), serv, sizeof(serv),
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(buf, size, "?");
		return;
	}
	snprintf(buf, size, "%s port %s", host, serv);
}

/* socket, bind and listen ourselves, so that errno names what failed. */
static int
bind_one(struct xrelocd *x, struct listen_set *set, const struct sockaddr *sa,
    socklen_t len, struct xrelocd_why *why)
{
	struct evconnlistener	*lis;
	char			 where[128];
	int			 fd, on = 1;

	where_string(sa, len, where, sizeof(where));
	if (set->nr == sizeof(set->lis) / sizeof(set->lis[0]))
		return 0;
	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on,
	    sizeof(on)) == -1 || bind(fd, sa, len) == -1 ||
	    listen(fd, 64) == -1) {
		xrelocd_why_set(why, errno, "cannot listen on %s: %s", where,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	/* A backlog of 0: the socket listens already. */
	lis = evconnlistener_new(x->base, accept_cb, x,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
	if (lis == NULL) {
		xrelocd_why_set(why, ENOMEM, "cannot listen on %s: no memory "
		    "for the listener", where);
		close(fd);
		return -1;
	}
	evconnlistener_set_error_cb(lis, accept_error_cb);
	set->lis[set->nr++] = lis;
	return 0;
}

/* An interface name: bind each of its IPv4 addresses. */
static int
bind_interface(struct xrelocd *x, struct listen_set *set, const char *ifname,
    int port, struct xrelocd_why *why)
{
	struct ifaddrs		*ifa, *i;
	struct sockaddr_in	 sin;
	bool			 failed = false;
	int			 rc = -1;

	if (getifaddrs(&ifa) == -1) {
		xrelocd_why_set(why, errno, "xend-relocation-address %s: "
		    "cannot list its addresses: %s", ifname, strerror(errno));
		return -1;
	}
	xrelocd_why_set(why, EADDRNOTAVAIL, "xend-relocation-address %s: no "
	    "IPv4 address on that interface", ifname);
	for (i = ifa; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || strcmp(i->ifa_name, ifname) != 0 ||
		    i->ifa_addr->sa_family != AF_INET)
			continue;
		memcpy(&sin, i->ifa_addr, sizeof(sin));
		sin.sin_port = htons((uint16_t)port);
		if (bind_one(x, set, (struct sockaddr *)&sin,
		    sizeof(sin), why) == 0)
			rc = 0;
		else
			failed = true;
	}
	freeifaddrs(ifa);
	if (rc == 0 && failed)
		log_warnx("listen", "%s", why->msg);
	set->family = AF_INET;
	return rc;
}

/* '' means every address: [::] takes IPv4 too; 0.0.0.0 without IPv6. */
static int
bind_any(struct xrelocd *x, struct listen_set *set, int port,
    struct xrelocd_why *why)
{
	struct sockaddr_in6	sin6;
	struct sockaddr_in	sin;

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = in6addr_any;
	sin6.sin6_port = htons((uint16_t)port);
	if (bind_one(x, set, (struct sockaddr *)&sin6, sizeof(sin6), why) == 0)
		return 0;
	/* Without IPv6 only; any other failure is the one to report. */
	if (why->err != EAFNOSUPPORT && why->err != EADDRNOTAVAIL)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_ANY);
	sin.sin_port = htons((uint16_t)port);
	return bind_one(x, set, (struct sockaddr *)&sin, sizeof(sin), why);
}

static int
bind_address(struct xrelocd *x, struct listen_set *set, const char *addr,
    int port, struct xrelocd_why *why)
{
	struct addrinfo	 hints, *res, *ai;
	char		 serv[16];
	bool		 failed = false;
	int		 e, rc = -1;

	if (*addr == '\0')
		return bind_any(x, set, port, why);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	snprintf(serv, sizeof(serv), "%d", port);
	if ((e = getaddrinfo(addr, serv, &hints, &res)) != 0) {
		xrelocd_why_set(why, EADDRNOTAVAIL, "xend-relocation-address "
		    "'%s': %s", addr, gai_strerror(e));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (bind_one(x, set, ai->ai_addr, ai->ai_addrlen, why) == 0) {
			rc = 0;
			set->family = ai->ai_family;
		} else
			failed = true;
	}
	freeaddrinfo(res);
	if (rc == 0 && failed)
		log_warnx("listen", "%s", why->msg);
	return rc;
}

static int
bind_port(struct xrelocd *x, struct listen_set *set, const char *addr,
    int port, struct xrelocd_why *why)
{
	if (*addr != '\0' && if_nametoindex(addr) != 0)
		return bind_interface(x, set, addr, port, why);
	return bind_address(x, set, addr, port, why);
}

/* The TLS port listens: xend-relocation-ssl-server, a mode that allows. */
static bool
listen_tls_port(const struct reloc_conf *conf)
{
	return reloc_conf_bool(conf, RELOC_CK_SSL_SERVER) &&
	    tlsctx_mode(conf) != RELOC_TLS_DISABLED;
}

int
listen_open(struct xrelocd *x, const struct reloc_conf *conf,
    struct listen_set *set, struct xrelocd_why *why)
{
	const char	*addr = reloc_conf_str(conf,
			    RELOC_CK_RELOCATION_ADDRESS);
	int		 port = (int)reloc_conf_int(conf,
			    RELOC_CK_RELOCATION_PORT);
	int		 rc;

	memset(set, 0, sizeof(*set));
	if (!reloc_conf_bool(conf, RELOC_CK_RELOCATION_SERVER))
		return 0;
	/* Once: refusals and closings are logged once per peer and interval. */
	if (x->refused.ev == NULL)
		ratelog_init(&x->refused, x->base, "listen", "refused",
		    "connection", "connections", LISTEN_LOG_INTERVAL);
	if (x->closed.ev == NULL)
		ratelog_init(&x->closed, x->base, "listen", "closed",
		    "connection", "connections", LISTEN_LOG_INTERVAL);
	rc = bind_port(x, set, addr, port, why);
	set->tls_from = set->nr;
	if (rc == 0 && listen_tls_port(conf))
		rc = bind_port(x, set, addr, (int)reloc_conf_int(conf,
		    RELOC_CK_SSL_PORT), why);
	if (rc < 0)
		listen_close(set);
	return rc;
}

void
listen_close(struct listen_set *set)
{
	size_t	i;

	for (i = 0; i < set->nr; i++)
		evconnlistener_free(set->lis[i]);
	memset(set, 0, sizeof(*set));
}

bool
listen_same(const struct reloc_conf *a, const struct reloc_conf *b)
{
	return reloc_conf_bool(a, RELOC_CK_RELOCATION_SERVER) ==
	    reloc_conf_bool(b, RELOC_CK_RELOCATION_SERVER) &&
	    reloc_conf_int(a, RELOC_CK_RELOCATION_PORT) ==
	    reloc_conf_int(b, RELOC_CK_RELOCATION_PORT) &&
	    strcmp(reloc_conf_str(a, RELOC_CK_RELOCATION_ADDRESS),
	    reloc_conf_str(b, RELOC_CK_RELOCATION_ADDRESS)) == 0 &&
	    listen_tls_port(a) == listen_tls_port(b) &&
	    reloc_conf_int(a, RELOC_CK_SSL_PORT) ==
	    reloc_conf_int(b, RELOC_CK_SSL_PORT);
}

/* What the running listeners do, and what the configuration risks. */
void
listen_announce(struct xrelocd *x)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	char			 where[128];
	long			 port = reloc_conf_int(x->conf,
				    RELOC_CK_RELOCATION_PORT);
	size_t			 i;

	if (!reloc_conf_bool(x->conf, RELOC_CK_RELOCATION_SERVER)) {
		log_info("listen", "relocation server off "
		    "(xend-relocation-server no): not receiving domains");
		return;
	}
	if (reloc_conf_bool(x->conf, RELOC_CK_SSL_SERVER) &&
	    !listen_tls_port(x->conf))
		log_warnx("listen", "xend-relocation-ssl-server yes but "
		    "xrelocd-relocation-ssl-mode disabled: nothing listens on "
		    "port %ld; peers must use the plain port %ld",
		    reloc_conf_int(x->conf, RELOC_CK_SSL_PORT), port);
	if (tlsctx_mode(x->conf) == RELOC_TLS_REQUIRED)
		log_info("listen", "xrelocd-relocation-ssl-mode required: "
		    "port %ld takes no migration, only port %ld (tls)", port,
		    reloc_conf_int(x->conf, RELOC_CK_SSL_PORT));
	if (reloc_allow_is_open(reloc_conf_allow(x->conf)))
		log_warnx("listen", "xend-relocation-hosts-allow is empty: "
		    "every host that reaches port %ld may send domains", port);
	for (i = 0; i < x->reloc.nr; i++) {
		len = sizeof(ss);
		if (getsockname(evconnlistener_get_fd(x->reloc.lis[i]),
		    (struct sockaddr *)&ss, &len) == -1)
			continue;
		where_string((struct sockaddr *)&ss, len, where, sizeof(where));
		log_info("listen", "relocation server listening on %s%s",
		    where, i >= x->reloc.tls_from ? " (tls)" : "");
	}
}

/* Serve on SET from now on (a reload): lookups under way go on. */
void
listen_replace(struct xrelocd *x, const struct listen_set *set)
{
	listen_close(&x->reloc);
	if (x->pause_ev != NULL) {
		event_free(x->pause_ev);
		x->pause_ev = NULL;
	}
	x->reloc = *set;
}

/* Stop listening: end the lookups, log what the rate limits counted. */
void
listen_stop(struct xrelocd *x)
{
	struct listen_set	none;

	memset(&none, 0, sizeof(none));
	listen_replace(x, &none);
	listen_name_stop(x);
	listen_tls_stop(x);
	ratelog_dispose(&x->refused);
	ratelog_dispose(&x->closed);
}
