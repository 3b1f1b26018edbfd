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
 * What the source and target state machines share: state names, the
 * HELLO exchange, message building, events and the result.
 */

#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "reloc-int.h"
#include "migrate.h"

static const char *const state_names[] = {
	[RELOC_MS_IDLE] = "idle",
	[RELOC_MS_WAITING] = "waiting",
	[RELOC_MS_CONNECTING] = "connecting",
	[RELOC_MS_HELLO] = "hello",
	[RELOC_MS_PRECHECK] = "precheck",
	[RELOC_MS_STREAMING] = "streaming",
	[RELOC_MS_WAIT_READY] = "wait-ready",
	[RELOC_MS_COMMITTING] = "committing",
	[RELOC_MS_OWNER] = "owner",
	[RELOC_MS_RESOLVING] = "resolving",
	[RELOC_MS_DONE] = "done",
	[RELOC_MS_FAILED] = "failed",
	[RELOC_MS_UNKNOWN] = "unknown",
};

const char *
reloc_mstate_name(enum reloc_mstate st)
{
	if ((unsigned)st >= sizeof(state_names) / sizeof(state_names[0]))
		return "?";
	return state_names[st];
}

void
reloc_migrate_result_dispose(struct reloc_migrate_result *res)
{
	reloc_verdict_dispose(&res->verdict);
}

uint64_t
reloc__now_ns(clockid_t clk)
{
	struct timespec	ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void
reloc__mig_state(struct reloc__mig *m, enum reloc_mstate st)
{
	log_info("migrate", "%s %s: %s -> %s", m->role, m->label,
	    reloc_mstate_name(m->res->last_state), reloc_mstate_name(st));
	m->res->last_state = st;
	if (m->ev != NULL && m->ev->state != NULL)
		m->ev->state(st, m->dom.name, m->local_domid, m->ev->arg);
	reloc__mig_record(m);
}

void
reloc__mig_fail_reason(struct reloc__mig *m, int rc)
{
	if (m->res->message[0] == '\0')
		reloc__mig_message(m, "%s failed in state %s: %s", m->label,
		    reloc_mstate_name(m->res->last_state), reloc_strerror(rc));
}

void
reloc__mig_message(struct reloc__mig *m, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(m->res->message, sizeof(m->res->message), fmt, ap);
	va_end(ap);
}

void
reloc__mig_progress(const struct reloc_progress *p, void *arg)
{
	struct reloc__mig	*m = arg;

	m->last = *p;
	if (p->suspended_ns != 0 && m->suspended_ns == 0) {
		m->suspended_ns = p->suspended_ns;
		if (m->chan != NULL && strcmp(m->role, "source") == 0)
			(void)reloc__fault_point("src-suspended",
			    reloc_chan_fd(m->chan));
	}
	if (m->ev != NULL && m->ev->progress != NULL)
		m->ev->progress(p, m->ev->arg);
	reloc__mig_record(m);
}

const char *
reloc__family_word(int af)
{
	return af == AF_INET ? "inet" : af == AF_INET6 ? "inet6" : "any";
}

int
reloc__family_parse(const char *w)
{
	if (w == NULL)
		return 0;
	if (strcmp(w, "inet") == 0)
		return AF_INET;
	if (strcmp(w, "inet6") == 0)
		return AF_INET6;
	return 0;
}

/* (NAME) with head atom only, ready for more fields. */
int
reloc__msg_new(enum reloc_msg_type type, struct reloc_sxp **msg_r)
{
	struct reloc_sxp	*msg = NULL, *head = NULL;
	const char		*name = reloc_msg_name(type);
	int			 rc;

	if ((rc = reloc_sxp_new_list(&msg)) < 0)
		return rc;
	if ((rc = reloc_sxp_new_atom(name, strlen(name), &head)) < 0 ||
	    (rc = reloc_sxp_append(msg, head)) < 0) {
		reloc_sxp_free(msg);
		return rc;
	}
	*msg_r = msg;
	return 0;
}

/* Send a message that has only scalar fields given as key, value pairs. */
int
reloc__send_simple(struct reloc_chan *chan, enum reloc_msg_type type,
    const char *key, uint64_t value)
{
	struct reloc_sxp	*msg = NULL;
	int			 rc;

	if ((rc = reloc__msg_new(type, &msg)) < 0)
		return rc;
	if (key == NULL || (rc = reloc_sxp_add_u64(msg, key, value)) == 0)
		rc = reloc_chan_send(chan, type, msg);
	reloc_sxp_free(msg);
	return rc;
}

/* The codecs a side offers (source) or accepts (target), 1 << codec. */
static unsigned
codec_mask(enum reloc_codec c)
{
	switch (c) {
	case RELOC_CODEC_LZ4:
		return 1u << RELOC_CODEC_LZ4;
	case RELOC_CODEC_ZSTD:
		return 1u << RELOC_CODEC_ZSTD;
	case RELOC_CODEC_AUTO:
		return 1u << RELOC_CODEC_LZ4 | 1u << RELOC_CODEC_ZSTD;
	case RELOC_CODEC_NONE:
		break;
	}
	return 0;
}

/*
 * (compression lz4 zstd zstd-stream): the source's offer, or the target's
 * answer (a subset, maybe empty).  zstd-stream is not a codec: it says
 * the side keeps one zstd stream per lane (see reloc__codec_new), offered
 * with zstd, answered when offered and zstd is.  None from a source that
 * asks none, nor from a target that was offered none; the omit faults
 * make a target answer as a version without compression (dst-hello) or
 * without zstd-stream (dst-hello-history).
 */
static int
hello_add_codecs(struct reloc__mig *m, struct reloc_sxp *msg)
{
	struct reloc_sxp	*l = NULL, *a;
	bool			 target = strcmp(m->role, "target") == 0;
	unsigned		 mask;
	enum reloc_codec	 c;
	int			 rc;

	mask = target ? m->codecs : codec_mask(m->codec);
	if (target && reloc__fault_at("dst-hello") == RELOC_FA_OMIT) {
		log_warnx("fault", "injected fault at dst-hello: omit");
		m->codecs = 0;
	}
	if (target && reloc__fault_at("dst-hello-history") == RELOC_FA_OMIT) {
		log_warnx("fault", "injected fault at dst-hello-history: "
		    "omit");
		m->zstd_stream = false;
	}
	if (target ? !(m->codecs & 1u << RELOC_CODEC_ZSTD) : mask == 0)
		m->zstd_stream = false;
	else if (!target)
		m->zstd_stream = (mask & 1u << RELOC_CODEC_ZSTD) != 0;
	if (target ? !m->peer_codecs || reloc__fault_at("dst-hello") ==
	    RELOC_FA_OMIT : mask == 0)
		return 0;
	if ((rc = reloc_sxp_new_list(&l)) < 0 ||
	    (rc = reloc_sxp_new_atom("compression", 11, &a)) < 0 ||
	    (rc = reloc_sxp_append(l, a)) < 0)
		goto out;
	for (c = RELOC_CODEC_LZ4; c <= RELOC_CODEC_ZSTD; c++)
		if ((mask & 1u << c) &&
		    ((rc = reloc_sxp_new_atom(reloc_codec_name(c),
		    strlen(reloc_codec_name(c)), &a)) < 0 ||
		    (rc = reloc_sxp_append(l, a)) < 0))
			goto out;
	if (m->zstd_stream && ((rc = reloc_sxp_new_atom("zstd-stream", 11,
	    &a)) < 0 || (rc = reloc_sxp_append(l, a)) < 0))
		goto out;
	rc = reloc_sxp_append(msg, l);
	l = NULL;
out:
	reloc_sxp_free(l);
	return rc;
}

/*
 * The peer's (compression ...): the codecs both take, in m->codecs, and
 * whether both keep a zstd stream per lane, in m->zstd_stream.  Names
 * this version does not know are left out (a newer peer's).
 */
static void
hello_codecs(struct reloc__mig *m, const struct reloc_sxp *msg)
{
	const struct reloc_sxp	*l = reloc_sxp_assoc(msg, "compression");
	enum reloc_codec	 c;
	const char		*s;
	unsigned		 mask = 0;
	size_t			 i;

	m->peer_codecs = l != NULL;
	m->zstd_stream = false;
	for (i = 1; l != NULL && i < reloc_sxp_len(l); i++)
		if ((s = reloc_sxp_atom(reloc_sxp_nth(l, i), NULL)) == NULL)
			continue;
		else if (strcmp(s, "zstd-stream") == 0)
			m->zstd_stream = true;
		else if (reloc_codec_parse(s, &c) == 0)
			mask |= codec_mask(c);
	m->codecs = mask & codec_mask(m->codec);
	if (!(m->codecs & 1u << RELOC_CODEC_ZSTD))
		m->zstd_stream = false;
}

int
reloc__hello_send(struct reloc__mig *m)
{
	struct reloc_sxp	*msg = NULL, *host = NULL;
	int			 rc;

	if ((rc = reloc__msg_new(RELOC_MSG_HELLO, &msg)) < 0)
		return rc;
	if ((rc = reloc_sxp_add_str(msg, "software", PACKAGE_STRING)) < 0 ||
	    (rc = reloc_sxp_add_str(msg, "family",
	    reloc__family_word(m->local_family))) < 0 ||
	    (rc = reloc__mig_hello_id(m, msg, true)) < 0 ||
	    (rc = reloc__lanes_hello_add(m, msg)) < 0 ||
	    (rc = reloc_hostinfo_to_sxp(&m->self, &host)) < 0 ||
	    (rc = reloc_sxp_append(msg, host)) < 0 ||
	    (rc = hello_add_codecs(m, msg)) < 0)
		goto out;
	rc = reloc_chan_send(m->chan, RELOC_MSG_HELLO, msg);
out:
	reloc_sxp_free(msg);
	return rc;
}

/* An address of this machine's: one we can bind to. */
static bool
addr_is_local(const struct sockaddr *sa, socklen_t len)
{
	struct sockaddr_storage	ss;
	bool			ok;
	int			fd;

	if (sa == NULL || len > sizeof(ss) || (sa->sa_family != AF_INET &&
	    sa->sa_family != AF_INET6))
		return false;
	memcpy(&ss, sa, len);
	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = 0;
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = 0;
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return false;
	ok = bind(fd, (struct sockaddr *)&ss, len) == 0;
	close(fd);
	return ok;
}

/*
 * The peer is this host when it has our host uuid.  A machine id cloned
 * with a disk image must not make another host this one: its address
 * must be ours too.
 */
static bool
peer_is_self(struct reloc__mig *m)
{
	const struct sockaddr	*sa;
	socklen_t		 len;

	if (m->self.host_uuid[0] == '\0' ||
	    strcmp(m->self.host_uuid, m->peer_host.host_uuid) != 0)
		return false;
	sa = reloc_chan_remote_addr(m->chan, &len);
	if (!addr_is_local(sa, len)) {
		log_warnx("migrate", "%s %s: the peer has this host's uuid %s "
		    "but not one of its addresses: treated as another host; "
		    "give cloned hosts their own /etc/machine-id", m->role,
		    m->label, m->self.host_uuid);
		return false;
	}
	return true;
}

/* Over a cap: the source hears "busy" before anything of the domain. */
int
reloc__hello_admit(struct reloc__mig *m, int (*admit)(void *, const char *,
    bool, char *, size_t), void *arg)
{
	char	why[512] = "over a cap on incoming migrations";

	if (admit == NULL || admit(arg, m->rec != NULL ? m->rec->id : "",
	    m->peer_high, why, sizeof(why)) == 0)
		return 0;
	reloc__mig_message(m, "%s told busy: %s", m->peer, why);
	reloc_chan_send_error(m->chan, RELOC_ERR_BUSY, "%s", why);
	return RELOC_ERR_BUSY;
}

int
reloc__hello_recv(struct reloc__mig *m)
{
	struct reloc_sxp	*msg = NULL;
	char			*why = NULL;
	int			 rc;

	rc = reloc_chan_expect(m->chan, RELOC_MSG_HELLO, &msg, &why);
	if (rc == RELOC_ERR_BUSY)
		reloc__mig_message(m, "%s busy: %s", m->peer,
		    why != NULL ? why : reloc_strerror(rc));
	else if (rc < 0)
		reloc__mig_message(m, "%s: no HELLO: %s", m->peer,
		    why != NULL ? why : reloc_strerror(rc));
	if (rc < 0) {
		free(why);
		return rc;
	}
	return reloc__hello_parse(m, msg);
}

/* A HELLO received (msg is consumed): the peer's facts. */
int
reloc__hello_parse(struct reloc__mig *m, struct reloc_sxp *msg)
{
	struct reloc_sxp	*host;
	int			 rc;

	m->peer_family = reloc__family_parse(reloc_sxp_value(msg, "family"));
	hello_codecs(m, msg);
	if ((host = reloc_sxp_assoc(msg, "host")) == NULL) {
		reloc__mig_message(m, "%s: HELLO without host facts", m->peer);
		rc = RELOC_ERR_PROTO;
	} else if ((rc = reloc_hostinfo_from_sxp(host, &m->peer_host)) < 0)
		reloc__mig_message(m, "%s: bad host facts in HELLO", m->peer);
	else if (strcmp(m->role, "target") == 0)
		rc = reloc__mig_hello_id(m, msg, false);
	if (rc == 0)
		rc = reloc__lanes_hello_read(m, msg);
	reloc_sxp_free(msg);
	/* The target reads its own facts only now. */
	if (rc < 0 || (m->self.hostname == NULL &&
	    (rc = reloc__mig_self(m)) < 0))
		return rc;
	if ((m->peer_self = peer_is_self(m)))
		log_info("migrate", "%s %s: the peer is this host (host uuid "
		    "%s)", m->role, m->label, m->self.host_uuid);
	return 0;
}

/* Our own facts, for HELLO and the prechecks. */
int
reloc__mig_self(struct reloc__mig *m)
{
	int	rc;

	reloc_hostinfo_dispose(&m->self);
	if ((rc = m->hv->host_info(m->priv, &m->self)) < 0)
		reloc__mig_message(m, "cannot read this host's facts from the "
		    "%s backend: %s", m->hv->name, reloc_strerror(rc));
	return rc;
}

/* What both sides start with; res is cleared and set to FAILED. */
void
reloc__mig_init(struct reloc__mig *m, const char *role,
    const struct reloc_hv_ops *hv, void *priv,
    const struct reloc__mig_setup *su)
{
	memset(m, 0, sizeof(*m));
	memset(su->res, 0, sizeof(*su->res));
	m->role = role;
	m->hv = hv;
	m->priv = priv;
	m->ev = su->ev;
	m->res = su->res;
	m->local_family = su->local_family;
	m->local_domid = RELOC_DOMID_NONE;
	m->timeout_ms = su->timeout_ms > 0 ? su->timeout_ms : 30000;
	m->rec = su->rec;
	m->journal_dir = su->journal_dir;
	m->start_ns = reloc__now_ns(CLOCK_MONOTONIC);
	su->res->outcome = RELOC_OUT_FAILED;
}

void
reloc__mig_dispose(struct reloc__mig *m)
{
	reloc__lanes_close(m);
	reloc_domain_dispose(&m->dom);
	reloc_hostinfo_dispose(&m->self);
	reloc_hostinfo_dispose(&m->peer_host);
}

uint64_t
reloc__downtime_ns(const struct reloc__downtime *t)
{
	uint64_t	round_trip, transit;

	if (t->suspended_ns == 0 || t->go_sent_ns < t->suspended_ns ||
	    t->done_ns < t->go_sent_ns || t->go_done_ns < t->go_unpause_ns)
		return 0;
	round_trip = t->done_ns - t->go_sent_ns;
	transit = round_trip > t->go_done_ns ?
	    (round_trip - t->go_done_ns) / 2 : 0;
	return t->go_sent_ns - t->suspended_ns + transit + t->go_unpause_ns;
}

/* Set the summary from what the stream reported (not the downtime). */
void
reloc__mig_summary(struct reloc__mig *m)
{
	struct reloc_summary	*s = &m->res->summary;

	s->total_ms = (reloc__now_ns(CLOCK_MONOTONIC) - m->start_ns) /
	    1000000ull;
	s->bytes = m->stream_bytes != 0 ? m->stream_bytes : m->last.sent_bytes;
	s->wire_bytes = m->wire_bytes != 0 ? m->wire_bytes : s->bytes;
	s->rounds = m->last.round;
	s->memory_bytes = m->dom.memory_kb * 1024ull;
	s->streams = m->lanes.n > 1 ? m->lanes.n : 1;
	s->streams_asked = m->lanes.asked > 1 ? m->lanes.asked : 1;
}
