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
 * The target side of a migration: HELLO, prechecks, restore under
 * NAME--incoming (paused), the recheck, READY, and on GO take the name
 * and run it.  Before GO every failure destroys the incoming copy; after
 * GO so does a takeover that failed before anything ran here.
 */

#include <sys/socket.h>
#include <netdb.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reloc-int.h"
#include "migrate.h"

struct dst {
	struct reloc__mig		 m;
	const struct reloc_target_opts	*o;
	bool				 live;
	char				**force;
	size_t				 nr_force;
	uint32_t			 domid;		/* incoming copy */
	bool				 restored;
	bool				 tunneled;	/* auto tunnel up */
	char				 incoming[256];
};

static void
dst_free_force(struct dst *d)
{
	size_t	i;

	for (i = 0; i < d->nr_force; i++)
		free(d->force[i]);
	free(d->force);
	d->force = NULL;
	d->nr_force = 0;
}

static int
dst_read_force(struct dst *d, const struct reloc_sxp *msg)
{
	struct reloc_sxp	*f = reloc_sxp_assoc(msg, "force");
	size_t			 i, n;

	if (f == NULL || (n = reloc_sxp_len(f)) < 2)
		return 0;
	if ((d->force = calloc(n - 1, sizeof(*d->force))) == NULL)
		return RELOC_ERR_NOMEM;
	for (i = 1; i < n; i++) {
		const char *w = reloc_sxp_atom(reloc_sxp_nth(f, i), NULL);

		if (w == NULL || (d->force[d->nr_force] = strdup(w)) == NULL)
			return RELOC_ERR_PROTO;
		d->nr_force++;
	}
	return 0;
}

/* The incoming copy among this host's domains, by id; NULL if gone. */
static const struct reloc_domain *
dst_incoming_in(const struct dst *d, const struct reloc_domain *doms,
    size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (doms[i].domid == d->domid)
			return &doms[i];
	return NULL;
}

/*
 * Run the checks into v with the facts HELLO read (once per precheck);
 * rechecking, with facts read now, only those that can change while
 * memory streams, beside the incoming copy.
 */
static int
dst_run_checks(struct dst *d, struct reloc_verdict *v, bool recheck)
{
	struct reloc__mig		*m = &d->m;
	struct reloc_domain		*doms = NULL;
	size_t				 n = 0, i;
	int				 rc;
	struct reloc_precheck_ctx	 ctx = {
		.dom = &m->dom, .live = d->live, .src = &m->peer_host,
		.dst = &m->self, .same_host = m->peer_self,
		.src_family = m->peer_family,
		.dst_family = m->local_family,
		.force = (const char *const *)d->force,
		.nr_force = d->nr_force,
	};

	if (recheck && (rc = reloc__mig_self(m)) < 0)
		return rc;
	if ((rc = m->hv->list(m->priv, &doms, &n)) < 0) {
		reloc__mig_message(m, "cannot list domains: %s",
		    reloc_strerror(rc));
		return rc;
	}
	ctx.dst_doms = doms;
	ctx.nr_dst_doms = n;
	if (!recheck)
		rc = reloc_precheck_run(&ctx, v);
	else if ((ctx.incoming = dst_incoming_in(d, doms, n)) == NULL) {
		reloc__mig_message(m, "the incoming copy %s (id %u) is gone "
		    "from %s", d->incoming, d->domid, m->self.hostname);
		rc = RELOC_ERR_NOENT;
	} else
		rc = reloc_precheck_recheck(&ctx, v);
	for (i = 0; i < n; i++)
		reloc_domain_dispose(&doms[i]);
	free(doms);
	return rc;
}

/* The peer's address alone, as the tunnel helper takes it. */
static void
peer_host(const struct reloc_chan *chan, char *buf, size_t len)
{
	const struct sockaddr	*sa;
	socklen_t		 salen;

	sa = reloc_chan_remote_addr(chan, &salen);
	if (sa == NULL || getnameinfo(sa, salen, buf, (socklen_t)len, NULL, 0,
	    NI_NUMERICHOST) != 0)
		snprintf(buf, len, "?");
}

static int
dst_auto_tunnel(struct dst *d)
{
	char	peer[NI_MAXHOST];
	int	rc;

	if (d->o->tunnel_script == NULL)
		return 0;
	peer_host(d->m.chan, peer, sizeof(peer));
	rc = reloc__tunnel_auto(d->o->tunnel_script, peer, &d->m.dom,
	    &d->m.res->verdict);
	d->tunneled = rc > 0;
	if (rc < 0)
		log_warnx("migrate", "target %s: automatic tunnel failed; the "
		    "l2 errors stand", d->m.label);
	return 0;
}

static int
dst_send_verdict(struct dst *d, const struct reloc_verdict *verdict)
{
	struct reloc__mig	*m = &d->m;
	struct reloc_sxp	*msg = NULL, *v = NULL;
	int			 rc;

	if ((rc = reloc__msg_new(RELOC_MSG_VERDICT, &msg)) < 0)
		return rc;
	if ((rc = reloc_verdict_to_sxp(verdict, &v)) == 0 &&
	    (rc = reloc_sxp_append(msg, v)) == 0)
		rc = reloc_chan_send(m->chan, RELOC_MSG_VERDICT, msg);
	reloc_sxp_free(msg);
	if (rc < 0) {
		reloc__mig_message(m, "the verdict on %s (%zu findings) could "
		    "not be sent to %s: %s", m->dom.name, verdict->nr_findings,
		    m->peer, reloc_strerror(rc));
		reloc_chan_send_error(m->chan, rc, "%s", m->res->message);
	}
	return rc;
}

static int
dst_precheck(struct dst *d)
{
	struct reloc__mig	*m = &d->m;
	struct reloc_sxp	*msg = NULL, *dom;
	const char		*live;
	char			*why = NULL;
	int			 rc;

	reloc__mig_state(m, RELOC_MS_PRECHECK);
	rc = reloc_chan_expect(m->chan, RELOC_MSG_PRECHECK, &msg, &why);
	if (rc < 0) {
		reloc__mig_message(m, "%s: no PRECHECK: %s", m->peer,
		    why != NULL ? why : reloc_strerror(rc));
		goto out;
	}
	live = reloc_sxp_value(msg, "live");
	d->live = live != NULL && strcmp(live, "yes") == 0;
	if ((dom = reloc_sxp_assoc(msg, "domain")) == NULL ||
	    (rc = reloc_domain_from_sxp(dom, &m->dom)) < 0 ||
	    (rc = dst_read_force(d, msg)) < 0) {
		reloc__mig_message(m, "%s: malformed PRECHECK", m->peer);
		rc = RELOC_ERR_PROTO;
		goto out;
	}
	snprintf(m->label, sizeof(m->label), "%s from %s", m->dom.name,
	    m->peer);
	if ((rc = dst_run_checks(d, &m->res->verdict, false)) < 0 ||
	    (rc = dst_auto_tunnel(d)) < 0 ||
	    (rc = dst_send_verdict(d, &m->res->verdict)) < 0)
		goto out;
	if (m->ev != NULL && m->ev->verdict != NULL)
		m->ev->verdict(&m->res->verdict, m->ev->arg);
	reloc__mig_record(m);
	if (reloc_verdict_blocks(&m->res->verdict)) {
		reloc__mig_message(m, "prechecks refused %s", m->dom.name);
		rc = RELOC_ERR_DENIED;
	}
out:
	free(why);
	reloc_sxp_free(msg);
	return rc;
}

#define DST_CHECK_ONLY	1	/* the source closed instead of STREAM */

/* STREAM: the full description (with config), then the bytes. */
static int
dst_stream(struct dst *d)
{
	struct reloc__mig	*m = &d->m;
	struct reloc_sxp	*msg = NULL, *dom;
	struct reloc_domain	 full;
	int			 rc;

	memset(&full, 0, sizeof(full));
	rc = reloc_chan_expect(m->chan, RELOC_MSG_STREAM, &msg, NULL);
	if (rc == RELOC_ERR_CLOSED) {
		reloc__mig_message(m, "prechecks only: %s stays on %s",
		    m->dom.name, m->peer);
		return DST_CHECK_ONLY;
	}
	if (rc < 0 || (dom = reloc_sxp_assoc(msg, "domain")) == NULL ||
	    reloc_domain_from_sxp(dom, &full) < 0 ||
	    strcmp(full.uuid, m->dom.uuid) != 0 ||
	    strcmp(full.name, m->dom.name) != 0) {
		reloc__mig_message(m, "%s: bad or missing STREAM", m->peer);
		reloc_domain_dispose(&full);
		reloc_sxp_free(msg);
		return rc < 0 ? rc : RELOC_ERR_PROTO;
	}
	reloc_sxp_free(msg);
	reloc_domain_dispose(&m->dom);
	m->dom = full;
	reloc__mig_state(m, RELOC_MS_STREAMING);
	snprintf(d->incoming, sizeof(d->incoming), "%s%s", m->dom.name,
	    RELOC_SUFFIX_INCOMING);
	/* A copy may exist here from now on: known by its name until ... */
	if ((rc = reloc__mig_journal(m)) < 0) {
		reloc__mig_journal_refused(m, rc);
		return rc;
	}
	if ((rc = reloc__dst_restore(m, d->incoming, &d->domid)) < 0)
		return rc;
	d->restored = true;
	/* ... its id is journaled too. */
	m->local_domid = d->domid;
	if ((rc = reloc__mig_journal(m)) < 0)
		reloc__mig_journal_refused(m, rc);
	return rc;
}

/* The incoming copy, for the steps recovery shares with us. */
static struct reloc__copy
dst_copy(const struct dst *d)
{
	struct reloc__copy	c = { d->restored ? d->domid : RELOC_DOMID_NONE,
				    d->m.dom.uuid, d->m.dom.name, d->incoming };

	return c;
}

/*
 * Before GO nothing of the domain stays here.  A backend whose restore
 * failed may still have left a half-built NAME--incoming without handing
 * back its id: recovery looks for it by name (and uuid) then.
 */
static void
dst_destroy_incoming(struct dst *d)
{
	struct reloc__copy	c = dst_copy(d);

	if (d->incoming[0] == '\0')
		return;
	if (reloc__recover_destroy(d->m.hv, d->m.priv, &c) < 0)
		log_errx("migrate", "target %s: cannot destroy the incoming "
		    "copy %s: destroy it by hand", d->m.label, d->incoming);
}

/*
 * Restored, before READY: ask again what can have changed while memory
 * streamed.  On a refusal the incoming copy goes first, then the source
 * gets the findings (a VERDICT in place of READY) and resumes its own.
 */
static int
dst_recheck(struct dst *d)
{
	struct reloc__mig	*m = &d->m;
	struct reloc_verdict	 v = { NULL, 0 };
	int			 rc;

	log_info("migrate", "target %s: rechecking before READY", m->label);
	if ((rc = dst_run_checks(d, &v, true)) < 0) {
		reloc_chan_send_error(m->chan, rc, "the target could not "
		    "recheck %s: %s", m->dom.name, reloc_strerror(rc));
		goto out;
	}
	/* The tunnel the first check brought up still stands. */
	if (d->tunneled)
		reloc__tunnel_cures(&v);
	if (!reloc_verdict_blocks(&v))
		goto out;
	dst_destroy_incoming(d);
	d->restored = false;
	d->incoming[0] = '\0';
	if ((rc = reloc__verdict_append(&m->res->verdict, &v)) < 0 ||
	    (rc = dst_send_verdict(d, &v)) < 0)
		log_warnx("migrate", "target %s: the recheck's findings were "
		    "not sent: %s", m->label, reloc_strerror(rc));
	if (m->ev != NULL && m->ev->verdict != NULL)
		m->ev->verdict(&m->res->verdict, m->ev->arg);
	reloc__mig_record(m);
	reloc__mig_message(m, "the recheck before READY refused %s: this "
	    "host changed while its memory streamed", m->dom.name);
	rc = RELOC_ERR_DENIED;
out:
	reloc_verdict_dispose(&v);
	return rc;
}

static int
dst_wait_go(struct dst *d)
{
	struct reloc__mig	*m = &d->m;
	char			*why = NULL;
	int			 rc;

	reloc__mig_state(m, RELOC_MS_WAIT_READY);
	if ((rc = dst_recheck(d)) < 0)
		return rc;
	(void)reloc__fault_point("dst-ready", reloc_chan_fd(m->chan));
	if ((rc = reloc__send_simple(m->chan, RELOC_MSG_READY, "domid",
	    d->domid)) < 0) {
		reloc__mig_message(m, "%s: sending READY: %s", m->peer,
		    reloc_strerror(rc));
		return rc;
	}
	if ((rc = reloc_chan_expect(m->chan, RELOC_MSG_GO, NULL, &why)) < 0)
		reloc__mig_message(m, "%s: no GO for %s: %s", m->peer,
		    m->dom.name, why != NULL ? why : reloc_strerror(rc));
	free(why);
	return rc;
}

#define DST_DECLINED	1	/* after GO: never ran here, destroyed */

/*
 * GO came but the copy here could not take the name or run.  It never
 * ran: destroy it, and only then tell the source, which resumes its own.
 * A copy that cannot be destroyed might still run here: then the source
 * cannot know, and keeps its copy suspended.
 */
static int
dst_decline(struct dst *d, const char *what, int why)
{
	struct reloc__mig	*m = &d->m;
	struct reloc_sxp	*msg = NULL;
	char			 reason[512], code[16];
	int			 rc;

	struct reloc__copy	 c = dst_copy(d);

	snprintf(reason, sizeof(reason), "%s failed on %s: %s", what,
	    m->self.hostname, reloc_strerror(why));
	snprintf(code, sizeof(code), "%d", why);
	if ((rc = reloc__recover_destroy(m->hv, m->priv, &c)) < 0) {
		reloc__mig_message(m, "%s is ours after GO but %s, and the "
		    "paused copy (id %u) cannot be destroyed (%s): destroy "
		    "it by hand", m->dom.name, reason, d->domid,
		    reloc_strerror(rc));
		reloc_chan_send_error(m->chan, why, "%s", m->res->message);
		return why;
	}
	reloc__mig_message(m, "%s not taken over after GO: %s; the incoming "
	    "copy is destroyed and %s resumes it", m->dom.name, reason,
	    m->peer);
	/* Journaled before the source hears it: a QUERY says the same. */
	m->res->outcome = RELOC_OUT_FAILED;
	reloc__mig_state(m, RELOC_MS_FAILED);
	reloc__mig_record_end(m, true);
	if ((rc = reloc__msg_new(RELOC_MSG_DECLINED, &msg)) < 0 ||
	    (rc = reloc_sxp_add_str(msg, "code", code)) < 0 ||
	    (rc = reloc_sxp_add_str(msg, "message", reason)) < 0 ||
	    (rc = reloc_chan_send(m->chan, RELOC_MSG_DECLINED, msg)) < 0)
		log_warnx("migrate", "target %s: DECLINED not sent (%s); the "
		    "source keeps its copy suspended", m->label,
		    reloc_strerror(rc));
	reloc_sxp_free(msg);
	return DST_DECLINED;
}

/* GO received: the domain is ours once it runs here. */
static int
dst_take_over(struct dst *d)
{
	struct reloc__mig	*m = &d->m;
	struct reloc_sxp	*msg = NULL;
	uint64_t		 go_ns, unpaused_ns;
	int			 rc;

	go_ns = reloc__now_ns(CLOCK_MONOTONIC);
	reloc__mig_state(m, RELOC_MS_OWNER);
	/*
	 * GO is journaled before the copy can run: recovery must then
	 * finish the takeover, never destroy a copy that ran.
	 */
	if (m->rec != NULL) {
		m->rec->go = true;
		if ((rc = reloc__mig_journal(m)) < 0) {
			m->rec->go = false;
			return dst_decline(d, "journaling GO", rc);
		}
	}
	(void)reloc__fault_point("dst-go", reloc_chan_fd(m->chan));
	if ((rc = m->hv->rename(m->priv, d->domid, m->dom.name)) < 0)
		return dst_decline(d, "the rename", rc);
	(void)reloc__fault_point("dst-renamed", reloc_chan_fd(m->chan));
	if ((rc = m->hv->unpause(m->priv, d->domid)) < 0)
		return dst_decline(d, "the unpause", rc);
	/* It runs here: never destroy it from here on. */
	unpaused_ns = reloc__now_ns(CLOCK_MONOTONIC);
	m->res->outcome = RELOC_OUT_MOVED;
	reloc__mig_message(m, "%s received from %s and running", m->dom.name,
	    m->peer);
	reloc__mig_state(m, RELOC_MS_DONE);
	reloc__mig_record_end(m, true);
	/* Switches learn the new port before anything else happens. */
	reloc_announce(&m->dom);
	(void)reloc__fault_point("dst-done", reloc_chan_fd(m->chan));
	/* Our intervals since GO, on our clock: the source has its own. */
	if ((rc = reloc__msg_new(RELOC_MSG_DONE, &msg)) == 0 &&
	    (rc = reloc_sxp_add_u64(msg, "go-unpause-ns",
	    unpaused_ns - go_ns)) == 0 &&
	    (rc = reloc_sxp_add_u64(msg, "go-done-ns",
	    reloc__now_ns(CLOCK_MONOTONIC) - go_ns)) == 0)
		rc = reloc_chan_send(m->chan, RELOC_MSG_DONE, msg);
	reloc_sxp_free(msg);
	if (rc < 0)
		log_warnx("migrate", "target %s: DONE not sent (%s); the "
		    "domain runs here", m->label, reloc_strerror(rc));
	reloc__mig_summary(m);
	reloc__mig_message(m, "%s received from %s and running", m->dom.name,
	    m->peer);
	/* Again, for switches that missed the first frames. */
	usleep(50000);
	reloc_announce(&m->dom);
	return 0;
}

static void
dst_init(struct dst *d, const struct reloc_hv_ops *hv, void *priv,
    struct reloc_chan *chan, const struct reloc_target_opts *o,
    struct reloc_migrate_result *res)
{
	struct reloc__mig_setup	su = { o->ev, res, o->local_family,
				    o->timeout_ms, o->rec, o->journal_dir };

	memset(d, 0, sizeof(*d));
	reloc__mig_init(&d->m, "target", hv, priv, &su);
	d->o = o;
	d->m.chan = chan;
	/* lz4 and zstd whatever the key: decoding costs little. */
	d->m.codec = RELOC_CODEC_AUTO;
	d->m.lanes.most = o->streams_max;
	d->m.lanes.dir = o->lane_dir;
	snprintf(d->m.peer, sizeof(d->m.peer), "%s", reloc_chan_peer(chan));
	snprintf(d->m.label, sizeof(d->m.label), "from %s", d->m.peer);
}

#define DST_QUERY	2	/* a QUERY, answered, in place of HELLO */

static int
dst_hello(struct dst *d)
{
	struct reloc__mig	*m = &d->m;
	struct reloc_sxp	*msg = NULL;
	enum reloc_msg_type	 type;
	int			 rc;

	reloc__mig_state(m, RELOC_MS_HELLO);
	reloc_chan_set_timeout(m->chan, d->o->hello_timeout_ms);
	rc = reloc_chan_recv(m->chan, &type, &msg);
	reloc_chan_set_timeout(m->chan, m->timeout_ms);
	if (rc == 0 && type == RELOC_MSG_QUERY) {
		rc = reloc__recover_answer_query(m->chan, d->o->journal_dir,
		    msg);
		reloc_sxp_free(msg);
		reloc__mig_message(m, "answered a query from %s", m->peer);
		return rc < 0 ? rc : DST_QUERY;
	}
	if (rc == 0 && type == RELOC_MSG_JOIN) {
		rc = reloc__lane_join(m->chan, d->o, msg);
		reloc_sxp_free(msg);
		return rc < 0 ? rc : DST_QUERY;
	}
	if (rc == 0 && type != RELOC_MSG_HELLO) {
		reloc__mig_message(m, "%s: %s in place of HELLO", m->peer,
		    reloc_msg_name(type));
		reloc_sxp_free(msg);
		rc = RELOC_ERR_PROTO;
	}
	if (rc < 0) {
		if (m->res->message[0] == '\0')
			reloc__mig_message(m, "%s: no HELLO: %s", m->peer,
			    reloc_strerror(rc));
		return rc;
	}
	/* hello_parse read this host's facts: HELLO and PRECHECK use them. */
	if ((rc = reloc__hello_parse(m, msg)) < 0 ||
	    (rc = reloc__hello_admit(m, d->o->admit, d->o->admit_arg)) < 0)
		return rc;
	return reloc__hello_send(m);
}

int
reloc_migrate_target(const struct reloc_hv_ops *hv, void *priv,
    struct reloc_chan *chan, const struct reloc_target_opts *o,
    struct reloc_migrate_result *res)
{
	struct dst	d;
	int		rc;

	if (hv == NULL || chan == NULL || o == NULL || res == NULL)
		return RELOC_ERR_INVAL;
	dst_init(&d, hv, priv, chan, o, res);
	if ((rc = dst_hello(&d)) == DST_QUERY) {
		res->outcome = RELOC_OUT_MOVED;
		reloc__mig_reset_chan(&d.m);
		reloc__mig_dispose(&d.m);
		return 0;
	}
	if (rc < 0 || (rc = dst_precheck(&d)) < 0 ||
	    (rc = reloc__lanes_accept(&d.m, o->hello_timeout_ms)) < 0)
		goto fail_nothing_here;
	if ((rc = dst_stream(&d)) == DST_CHECK_ONLY) {
		res->outcome = RELOC_OUT_MOVED;
		reloc__mig_state(&d.m, RELOC_MS_DONE);
		goto out;
	}
	if (rc < 0 || (rc = dst_wait_go(&d)) < 0)
		goto fail_destroy_incoming;
	if ((rc = dst_take_over(&d)) == DST_DECLINED)
		goto fail_nothing_here;
	if (rc < 0) {
		res->outcome = RELOC_OUT_UNKNOWN;
		reloc__mig_state(&d.m, RELOC_MS_UNKNOWN);
		goto out;
	}
	res->outcome = RELOC_OUT_MOVED;
	reloc__mig_state(&d.m, RELOC_MS_DONE);
	goto out;

fail_destroy_incoming:
	dst_destroy_incoming(&d);
	/* FALLTHROUGH */
fail_nothing_here:
	reloc__mig_fail_reason(&d.m, rc);
	reloc__mig_state(&d.m, RELOC_MS_FAILED);
	log_warnx("migrate", "target %s: failed, nothing kept here: %s",
	    d.m.label, res->message);
out:
	reloc__mig_record_end(&d.m, true);
	dst_free_force(&d);
	reloc__mig_reset_chan(&d.m);
	reloc__mig_dispose(&d.m);
	return 0;
}
