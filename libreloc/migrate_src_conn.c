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
 * The source's first steps: describe the domain, connect to the target
 * (over TLS when asked), and say why when the connection fails.
 */

#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reloc-int.h"
#include "migrate.h"

static bool
has_suffix(const char *name, const char *suffix)
{
	size_t	n = strlen(name), k = strlen(suffix);

	return n > k && strcmp(name + n - k, suffix) == 0;
}

int
reloc__src_describe(struct src *s)
{
	struct reloc__mig	*m = &s->m;
	int			 rc;

	rc = m->hv->describe(m->priv, s->o->domain, &m->dom);
	if (rc < 0) {
		reloc__mig_message(m, "domain %s: %s", s->o->domain,
		    rc == RELOC_ERR_NOENT ? "no such domain on this host" :
		    reloc_strerror(rc));
		return rc;
	}
	snprintf(m->label, sizeof(m->label), "%s to %s", m->dom.name,
	    s->o->host);
	snprintf(s->away, sizeof(s->away), "%s%s", m->dom.name,
	    RELOC_SUFFIX_AWAY);
	if (has_suffix(m->dom.name, RELOC_SUFFIX_AWAY) ||
	    has_suffix(m->dom.name, RELOC_SUFFIX_INCOMING)) {
		reloc__mig_message(m, "domain %s is part of an unfinished "
		    "migration; see xrelocd(8), THE UNKNOWN STATE",
		    m->dom.name);
		return RELOC_ERR_INVAL;
	}
	s->was_paused = m->dom.state == RELOC_DS_PAUSED;
	m->local_domid = m->dom.domid;
	m->res->was_paused = s->was_paused;
	if (m->rec != NULL)
		m->rec->was_paused = s->was_paused;
	return reloc__mig_self(m);
}

/* What to do about a failed connect: the fix for each cause. */
static void
src_connect_failed(struct src *s, int rc)
{
	struct reloc__mig	*m = &s->m;
	const char		*h = s->o->host, *p = s->o->port;

	switch (rc) {
	case RELOC_ERR_REFUSED:
		reloc__mig_message(m, "cannot connect to %s port %s: "
		    "connection refused (is xrelocd running on %s with "
		    "xend-relocation-server yes and xend-relocation-port "
		    "%s?)", h, p, h, p);
		break;
	case RELOC_ERR_TIMEOUT:
		reloc__mig_message(m, "cannot connect to %s port %s: timed "
		    "out; a firewall may drop packets to port %s (see "
		    "xrelocd-firewall(8)), or %s is down", h, p, p, h);
		break;
	case RELOC_ERR_UNREACHABLE:
		reloc__mig_message(m, "cannot connect to %s port %s: host or "
		    "network unreachable; check this host's routes and "
		    "network to %s", h, p, h);
		break;
	case RELOC_ERR_NONAME:
		reloc__mig_message(m, "cannot connect to %s: host name not "
		    "resolved; check the name or use an address", h);
		break;
	default:
		reloc__mig_message(m, "cannot connect to %s port %s: %s (see "
		    "this host's log)", h, p, reloc_strerror(rc));
		break;
	}
}

#define TLS_FIX	"the tls port is xend-relocation-ssl-port (default 8003) " \
	"on the target: give it with -p, or drop -s"
#define PLAIN_FIX "xrelocd listens on xend-relocation-port (default 8002), " \
	"and on xend-relocation-ssl-port (default 8003) for xm migrate -s"

/*
 * The TLS handshake failed: what answered, and the fix.  A refusal of
 * a certificate says its own reason; OpenSSL's words go to the log.
 */
static void
src_tls_failed(struct src *s, int rc)
{
	struct reloc__mig	*m = &s->m;
	const char		*h = s->o->host, *p = s->o->port;

	switch (rc) {
	case RELOC_ERR_CLOSED:
		reloc__mig_message(m, "%s:%s closed the connection during the "
		    "tls handshake: it does not speak tls there, or it refused "
		    "this host (see its log); %s", h, p, TLS_FIX);
		break;
	case RELOC_ERR_IO:
		reloc__mig_message(m, "%s:%s reset the connection during the "
		    "tls handshake: it does not speak tls there, or it refused "
		    "this host (see its log); %s", h, p, TLS_FIX);
		break;
	case RELOC_ERR_PROTO:
		reloc__mig_message(m, "%s:%s does not speak tls: it is no "
		    "xrelocd tls port; %s", h, p, TLS_FIX);
		break;
	case RELOC_ERR_TIMEOUT:
		reloc__mig_message(m, "%s:%s did not finish the tls handshake "
		    "in time: it may be no xrelocd tls port; %s", h, p,
		    TLS_FIX);
		break;
	default:
		reloc__mig_message(m, "tls with %s:%s failed: %s", h, p,
		    *reloc_chan_tls_reason(m->chan) != '\0' ?
		    reloc_chan_tls_reason(m->chan) : reloc_strerror(rc));
		break;
	}
}

/* Whether bytes begin a TLS record: a type 20-23, then version 3.x. */
static bool
heard_tls(const uint8_t *b, size_t n)
{
	return n >= 2 && b[0] >= 20 && b[0] <= 23 && b[1] == 3;
}

/*
 * No HELLO came back on a plain connection.  The target closed before
 * a byte: its listener refuses a peer that its allow-list does not
 * admit, before reading one.  Bytes that are no xrelocd message: a TLS
 * port, or another service.
 */
static void
src_no_hello(struct src *s, int rc)
{
	struct reloc__mig	*m = &s->m;
	const char		*h = s->o->host, *p = s->o->port;
	const uint8_t		*b;
	char			 text[24];
	size_t			 n = reloc_chan_heard(m->chan, &b), i;

	if (n == 0 && rc == RELOC_ERR_CLOSED) {
		reloc__mig_message(m, "%s:%s closed the connection before "
		    "HELLO: %s's allow-list (xend-relocation-hosts-allow) may "
		    "not admit this host, see its log", h, p, h);
		return;
	}
	if (n == 0 || (rc != RELOC_ERR_PROTO && rc != RELOC_ERR_CLOSED) ||
	    b[0] == (uint8_t)(RELOC_PROTO_MAGIC >> 24))
		return;
	if (heard_tls(b, n)) {
		reloc__mig_message(m, "%s:%s answered in tls: it is a tls "
		    "port; use xm migrate -s, or the plain port "
		    "xend-relocation-port (default 8002)", h, p);
		return;
	}
	for (i = 0; i < n && i < sizeof(text) - 1; i++)
		text[i] = b[i] >= 0x20 && b[i] < 0x7f ? (char)b[i] : '.';
	text[i] = '\0';
	reloc__mig_message(m, "%s:%s is not an xrelocd relocation port (it "
	    "answered '%s'): check the port; %s", h, p, text, PLAIN_FIX);
}

int
reloc__src_connect(struct src *s)
{
	struct reloc__mig	*m = &s->m;
	int			 rc;

	reloc__mig_state(m, RELOC_MS_CONNECTING);
	rc = reloc_chan_connect(s->o->host, s->o->port, m->timeout_ms,
	    &m->chan);
	if (rc < 0) {
		src_connect_failed(s, rc);
		return rc;
	}
	snprintf(m->peer, sizeof(m->peer), "%s", reloc_chan_peer(m->chan));
	if (s->o->ssl && (rc = reloc_chan_start_tls(m->chan, s->o->tls_ctx,
	    RELOC_TLS_CLIENT, s->o->host, m->timeout_ms)) < 0) {
		src_tls_failed(s, rc);
		return rc;
	}
	reloc__mig_state(m, RELOC_MS_HELLO);
	if ((rc = reloc__hello_send(m)) < 0)
		reloc__mig_message(m, "%s: sending HELLO: %s", m->peer,
		    reloc_strerror(rc));
	else
		rc = reloc__hello_recv(m);
	if (!s->o->ssl && (rc == RELOC_ERR_CLOSED || rc == RELOC_ERR_PROTO))
		src_no_hello(s, rc);
	else if (rc == RELOC_ERR_CLOSED)
		reloc__mig_message(m, "%s closed the connection before HELLO: "
		    "%s's allow-list (xend-relocation-hosts-allow) may not "
		    "admit this host, see its log", m->peer, s->o->host);
	else if (rc == RELOC_ERR_DENIED && s->o->ssl &&
	    *reloc_chan_tls_reason(m->chan) != '\0')
		reloc__mig_message(m, "%s refused this host's certificate: %s",
		    m->peer, reloc_chan_tls_reason(m->chan));
	return rc;
}
