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
 * The host allow-list (xend-relocation-hosts-allow): compiled once into
 * address, prefix and whole-match regex entries, then matched purely
 * against a peer's address and its forward-confirmed name.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reloc-int.h"

#define MOD		"allow"
#define KEYNAME		"xend-relocation-hosts-allow"

/* An address in the form matching works on: IPv4-mapped is IPv4. */
struct net {
	int		 family;	/* AF_INET or AF_INET6 */
	uint8_t		 addr[16];	/* network byte order */
	unsigned	 plen;		/* prefix length in bits */
};

struct entry {
	enum reloc_allow_kind kind;
	char		*text;		/* canonical address/prefix, or regex */
	struct net	 net;		/* ADDR and PREFIX */
	regex_t		 re;		/* REGEX */
};

/* Shared by the conf and the TLS contexts made from it: counted. */
struct reloc_allow {
	unsigned	 refs;
	bool		 open;
	bool		 has_regex;
	struct entry	*entries;
	size_t		 n;
};

static const uint8_t v4mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

static unsigned
addr_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

/* Fold an IPv4-mapped IPv6 address (and prefix) into plain IPv4. */
static void
net_unmap(struct net *n)
{
	if (n->family != AF_INET6 || n->plen < 96 ||
	    memcmp(n->addr, v4mapped, sizeof(v4mapped)) != 0)
		return;
	memmove(n->addr, n->addr + 12, 4);
	memset(n->addr + 4, 0, 12);
	n->family = AF_INET;
	n->plen -= 96;
}

/* True when the first plen bits of a and b are equal. */
static bool
bits_equal(const uint8_t *a, const uint8_t *b, unsigned plen)
{
	unsigned	i;

	for (i = 0; i < plen; i++)
		if (((a[i / 8] ^ b[i / 8]) & (0x80 >> (i % 8))) != 0)
			return false;
	return true;
}

/* Clear the host bits of n; true when some were set. */
static bool
net_mask(struct net *n)
{
	uint8_t		orig[16];
	unsigned	i;

	memcpy(orig, n->addr, sizeof(orig));
	for (i = n->plen; i < addr_bits(n->family); i++)
		n->addr[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
	return memcmp(orig, n->addr, sizeof(orig)) != 0;
}

static bool
parse_addr(const char *s, struct net *n)
{
	memset(n, 0, sizeof(*n));
	if (inet_pton(AF_INET, s, n->addr) == 1)
		n->family = AF_INET;
	else if (inet_pton(AF_INET6, s, n->addr) == 1)
		n->family = AF_INET6;
	else
		return false;
	n->plen = addr_bits(n->family);
	return true;
}

static int
parse_plen(const char *s, unsigned max, unsigned *plen_r)
{
	unsigned long	v;
	char		*end;

	if (!isdigit((unsigned char)s[0]) || strlen(s) > 3)
		return RELOC_ERR_INVAL;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v > max)
		return RELOC_ERR_INVAL;
	*plen_r = (unsigned)v;
	return 0;
}

static int
net_format(const struct net *n, char **text_r)
{
	char	buf[INET6_ADDRSTRLEN + 8];
	size_t	len;

	if (inet_ntop(n->family, n->addr, buf, INET6_ADDRSTRLEN) == NULL)
		return RELOC_ERR_INVAL;
	if (n->plen != addr_bits(n->family)) {
		len = strlen(buf);
		snprintf(buf + len, sizeof(buf) - len, "/%u", n->plen);
	}
	if ((*text_r = strdup(buf)) == NULL)
		return RELOC_ERR_NOMEM;
	return 0;
}

/*
 * ADDR or ADDR/LEN.  Returns 1 when tok is one (filled into e), 0 when it
 * is not an address at all (a regex then), or a negative reloc_err when
 * it is an address with a bad prefix length.  Host bits set under the
 * prefix are a warning: the entry is used with them cleared, the way
 * iptables and nft read it.
 */
static int
parse_net_entry(const char *tok, const char *pfx, struct entry *e)
{
	char	 buf[INET6_ADDRSTRLEN + 8];
	char	*slash;
	int	 rc;

	if (strlen(tok) >= sizeof(buf))
		return 0;
	strcpy(buf, tok);
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	if (!parse_addr(buf, &e->net))
		return 0;
	if (slash != NULL) {
		rc = parse_plen(slash, addr_bits(e->net.family), &e->net.plen);
		if (rc != 0) {
			log_errx(MOD, "%sbad prefix length in %s entry '%s'",
			    pfx, KEYNAME, tok);
			return RELOC_ERR_CONFIG;
		}
		if (net_mask(&e->net))
			log_warnx(MOD, "%s%s entry '%s' has host bits set; "
			    "using it as a prefix of %u bits", pfx, KEYNAME,
			    tok, e->net.plen);
	}
	net_unmap(&e->net);
	e->kind = e->net.plen == addr_bits(e->net.family) ?
	    RELOC_ALLOW_ADDR : RELOC_ALLOW_PREFIX;
	if ((rc = net_format(&e->net, &e->text)) != 0)
		return rc;
	return 1;
}

/* Compile tok as ^(tok)$ so that it must match the whole string. */
static int
parse_regex_entry(const char *tok, const char *pfx, struct entry *e)
{
	const char	*costly;
	char		*wrapped = NULL;
	char		 why[256];
	size_t		 at;
	int		 r, rc;

	if ((costly = reloc__allow_regex_check(tok, &at)) != NULL) {
		log_errx(MOD, "%sbad regular expression in %s: '%s': at "
		    "character %zu: %s (see xend-config.sxp(5))", pfx, KEYNAME,
		    tok, at + 1, costly);
		return RELOC_ERR_CONFIG;
	}
	if (asprintf(&wrapped, "^(%s)$", tok) < 0) {
		wrapped = NULL;
		rc = RELOC_ERR_NOMEM;
		goto out;
	}
	r = regcomp(&e->re, wrapped, REG_EXTENDED | REG_NOSUB | REG_ICASE);
	if (r != 0) {
		regerror(r, &e->re, why, sizeof(why));
		log_errx(MOD, "%sbad regular expression in %s: '%s': %s",
		    pfx, KEYNAME, tok, why);
		rc = r == REG_ESPACE ? RELOC_ERR_NOMEM : RELOC_ERR_CONFIG;
		goto out;
	}
	if ((e->text = strdup(tok)) == NULL) {
		regfree(&e->re);
		rc = RELOC_ERR_NOMEM;
		goto out;
	}
	e->kind = RELOC_ALLOW_REGEX;
	rc = 0;
out:
	free(wrapped);
	return rc;
}

static void
entry_dispose(struct entry *e)
{
	if (e->kind == RELOC_ALLOW_REGEX && e->text != NULL)
		regfree(&e->re);
	free(e->text);
	e->text = NULL;
}

/*
 * xend split the value on single spaces, so a doubled, leading or trailing
 * space made an empty regex, which re.match accepts for every host.
 */
static bool
has_xend_empty_entry(const char *spec)
{
	size_t	len = strlen(spec);

	return len > 0 && (spec[0] == ' ' || spec[len - 1] == ' ' ||
	    strstr(spec, "  ") != NULL);
}

static int
add_entry(struct reloc_allow *a, const char *tok, const char *pfx)
{
	struct entry	*e = &a->entries[a->n];
	int		 rc;

	memset(e, 0, sizeof(*e));
	if ((rc = parse_net_entry(tok, pfx, e)) == 0)
		rc = parse_regex_entry(tok, pfx, e);
	else if (rc == 1)
		rc = 0;
	if (rc != 0) {
		entry_dispose(e);
		return rc;
	}
	if (e->kind == RELOC_ALLOW_REGEX)
		a->has_regex = true;
	a->n++;
	return 0;
}

/* Split on runs of white space; every entry is tried, errors kept. */
static int
compile_entries(struct reloc_allow *a, const char *spec, const char *pfx)
{
	char	*copy, *p, *tok;
	int	 rc, first = 0;

	if ((copy = strdup(spec)) == NULL)
		return RELOC_ERR_NOMEM;
	/* At most one entry per two bytes: "a b c". */
	a->entries = calloc(strlen(spec) / 2 + 1, sizeof(*a->entries));
	if (a->entries == NULL) {
		free(copy);
		return RELOC_ERR_NOMEM;
	}
	for (p = copy; (tok = strsep(&p, " \t\r\n\f\v")) != NULL;) {
		if (*tok == '\0')
			continue;
		rc = add_entry(a, tok, pfx);
		if (rc == RELOC_ERR_NOMEM) {
			first = rc;
			break;
		}
		if (rc != 0 && first == 0)
			first = rc;
	}
	free(copy);
	return first;
}

int
reloc_allow_compile(const char *spec, const char *where,
    struct reloc_allow **allow_r)
{
	struct reloc_allow	*a;
	char			 pfx[512];
	int			 rc;

	if (spec == NULL || allow_r == NULL)
		return RELOC_ERR_INVAL;
	snprintf(pfx, sizeof(pfx), "%s%s", where != NULL ? where : "",
	    where != NULL ? ": " : "");
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return RELOC_ERR_NOMEM;
	a->refs = 1;
	if (*spec == '\0') {
		a->open = true;
		*allow_r = a;
		return 0;
	}
	if (has_xend_empty_entry(spec))
		log_warnx(MOD, "%sempty entry in %s ignored (xend would have "
		    "allowed every host)", pfx, KEYNAME);
	if ((rc = compile_entries(a, spec, pfx)) != 0) {
		reloc_allow_free(a);
		return rc;
	}
	if (a->n == 0)
		log_warnx(MOD, "%s%s has no entries: every host is denied "
		    "(use '' to allow every host)", pfx, KEYNAME);
	*allow_r = a;
	return 0;
}

void
reloc_allow_free(struct reloc_allow *allow)
{
	size_t	i;

	if (allow == NULL || --allow->refs > 0)
		return;
	for (i = 0; i < allow->n; i++)
		entry_dispose(&allow->entries[i]);
	free(allow->entries);
	free(allow);
}

struct reloc_allow *
reloc__allow_hold(const struct reloc_allow *allow)
{
	struct reloc_allow	*a = (struct reloc_allow *)(uintptr_t)allow;

	a->refs++;
	return a;
}

bool
reloc_allow_is_open(const struct reloc_allow *allow)
{
	return allow != NULL && allow->open;
}

bool
reloc_allow_needs_name(const struct reloc_allow *allow)
{
	return allow != NULL && allow->has_regex;
}

/* The peer's address as a /32 or /128 net, unmapped; false if not IP. */
static bool
peer_net(const struct sockaddr *sa, socklen_t salen, struct net *n)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;

	memset(n, 0, sizeof(*n));
	if (sa == NULL || salen < (socklen_t)sizeof(sa->sa_family))
		return false;
	if (sa->sa_family == AF_INET && salen >= (socklen_t)sizeof(*sin)) {
		sin = (const struct sockaddr_in *)(const void *)sa;
		memcpy(n->addr, &sin->sin_addr, 4);
		n->family = AF_INET;
	} else if (sa->sa_family == AF_INET6 &&
	    salen >= (socklen_t)sizeof(*sin6)) {
		sin6 = (const struct sockaddr_in6 *)(const void *)sa;
		memcpy(n->addr, &sin6->sin6_addr, 16);
		n->family = AF_INET6;
	} else
		return false;
	n->plen = addr_bits(n->family);
	net_unmap(n);
	return true;
}

static bool
entry_match(const struct entry *e, const struct net *peer,
    const char *peerstr, const char *name)
{
	switch (e->kind) {
	case RELOC_ALLOW_ADDR:
	case RELOC_ALLOW_PREFIX:
		return e->net.family == peer->family &&
		    bits_equal(e->net.addr, peer->addr, e->net.plen);
	case RELOC_ALLOW_REGEX:
		if (regexec(&e->re, peerstr, 0, NULL, 0) == 0)
			return true;
		return name != NULL && regexec(&e->re, name, 0, NULL, 0) == 0;
	}
	return false;
}

bool
reloc_allow_match(const struct reloc_allow *allow, const struct sockaddr *sa,
    socklen_t salen, const char *name)
{
	struct net	peer;
	char		peerstr[INET6_ADDRSTRLEN];
	size_t		i;

	if (allow == NULL || !peer_net(sa, salen, &peer))
		return false;
	if (allow->open)
		return true;
	if (inet_ntop(peer.family, peer.addr, peerstr, sizeof(peerstr)) ==
	    NULL)
		return false;
	for (i = 0; i < allow->n; i++)
		if (entry_match(&allow->entries[i], &peer, peerstr, name))
			return true;
	return false;
}

/* 0 when some address that name resolves to is the peer's. */
static int
forward_confirms(const char *name, const struct net *peer)
{
	struct addrinfo	 hints, *res = NULL, *ai;
	struct net	 n;
	int		 r;
	bool		 ok = false;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((r = getaddrinfo(name, NULL, &hints, &res)) != 0) {
		log_debug(MOD, "forward lookup of %s: %s", name,
		    gai_strerror(r));
		return RELOC_ERR_NOENT;
	}
	for (ai = res; ai != NULL && !ok; ai = ai->ai_next)
		ok = peer_net(ai->ai_addr, ai->ai_addrlen, &n) &&
		    n.family == peer->family &&
		    memcmp(n.addr, peer->addr, sizeof(n.addr)) == 0;
	freeaddrinfo(res);
	return ok ? 0 : RELOC_ERR_NOENT;
}

/* The peer as a sockaddr of its own family (mapped IPv4 as AF_INET). */
static socklen_t
net_sockaddr(const struct net *n, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (n->family == AF_INET) {
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, n->addr, 4);
		return sizeof(*sin);
	}
	sin6->sin6_family = AF_INET6;
	memcpy(&sin6->sin6_addr, n->addr, 16);
	return sizeof(*sin6);
}

int
reloc_allow_confirmed_name(const struct sockaddr *sa, socklen_t salen,
    char **name_r)
{
	struct sockaddr_storage	 ss;
	struct net		 peer, dummy;
	char			 host[NI_MAXHOST];
	size_t			 len;
	socklen_t		 sslen;
	int			 r, rc;

	if (name_r == NULL || !peer_net(sa, salen, &peer))
		return RELOC_ERR_INVAL;
	/* Resolvers look mapped addresses up as IPv6: ask for the IPv4. */
	sslen = net_sockaddr(&peer, &ss);
	r = getnameinfo((struct sockaddr *)&ss, sslen, host, sizeof(host),
	    NULL, 0, NI_NAMEREQD);
	if (r != 0) {
		log_debug(MOD, "reverse lookup: %s", gai_strerror(r));
		return RELOC_ERR_NOENT;
	}
	len = strlen(host);
	if (len > 1 && host[len - 1] == '.')
		host[len - 1] = '\0';
	/* A PTR record that reads as an address is not a name. */
	if (parse_addr(host, &dummy))
		return RELOC_ERR_NOENT;
	if ((rc = forward_confirms(host, &peer)) != 0) {
		log_debug(MOD, "name %s does not resolve back to the peer",
		    host);
		return rc;
	}
	if ((*name_r = strdup(host)) == NULL)
		return RELOC_ERR_NOMEM;
	return 0;
}

size_t
reloc_allow_count(const struct reloc_allow *allow)
{
	return allow != NULL ? allow->n : 0;
}

enum reloc_allow_kind
reloc_allow_entry(const struct reloc_allow *allow, size_t i,
    const char **text_r)
{
	bool	ok = allow != NULL && i < allow->n;

	if (text_r != NULL)
		*text_r = ok ? allow->entries[i].text : NULL;
	return ok ? allow->entries[i].kind : RELOC_ALLOW_REGEX;
}
