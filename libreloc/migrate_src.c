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
 * The source side of a migration: describe, connect, HELLO, PRECHECK,
 * stream, and the commit handshake.  Before GO every failure resumes the
 * domain as it was, and so does a DECLINED after GO; after GO without
 * DONE or DECLINED the copy stays suspended.
 */

#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reloc-int.h"
#include "migrate.h"
static int
src_add_force(struct reloc_sxp *msg, const struct reloc_migrate_opts *o)
{
	struct reloc_sxp	*list = NULL, *a = NULL;
	size_t			 i;
	int			 rc;

	if ((rc = reloc_sxp_new_list(&list)) < 0)
		return rc;
	if ((rc = reloc_sxp_new_atom("force", 5, &a)) < 0 ||
	    (rc = reloc_sxp_append(list, a)) < 0)
		goto fail;
	for (i = 0; i < o->nr_force; i++) {
		if ((rc = reloc_sxp_new_atom(o->force[i], strlen(o->force[i]),
		    &a)) < 0 || (rc = reloc_sxp_append(list, a)) < 0)
			goto fail;
	}
	return reloc_sxp_append(msg, list);
fail:
	reloc_sxp_free(list);
	return rc;
}

/* An override is logged on both hosts: here, the source's. */
static void
src_log_forced(const struct src *s)
{
	const struct reloc_verdict	*v = &s->m.res->verdict;
	size_t				 i;

	for (i = 0; i < v->nr_findings; i++)
		if (v->findings[i].forced)
			log_warnx("migrate", "source %s: check %s forced by the "
			    "admin: %s", s->m.label, v->findings[i].check,
			    v->findings[i].message);
}

/* PRECHECK -> VERDICT.  Blocks unless every error was forced. */
static int
src_precheck(struct src *s)
{
	struct reloc__mig	*m = &s->m;
	struct reloc_sxp	*msg = NULL, *dom = NULL, *findings;
	struct reloc_domain	 brief;
	char			*why = NULL;
	int			 rc;

	reloc__mig_state(m, RELOC_MS_PRECHECK);
	(void)reloc__fault_point("src-precheck", reloc_chan_fd(m->chan));
	/* The config blob travels with STREAM, not here. */
	brief = m->dom;
	brief.config = NULL;
	brief.config_len = 0;
	if ((rc = reloc__msg_new(RELOC_MSG_PRECHECK, &msg)) < 0 ||
	    (rc = reloc_sxp_add_str(msg, "live", s->o->live ? "yes" : "no"))
	    < 0 || (rc = src_add_force(msg, s->o)) < 0 ||
	    (rc = reloc_domain_to_sxp(&brief, &dom)) < 0 ||
	    (rc = reloc_sxp_append(msg, dom)) < 0 ||
	    (rc = reloc_chan_send(m->chan, RELOC_MSG_PRECHECK, msg)) < 0) {
		reloc__mig_message(m, "%s: sending PRECHECK: %s", m->peer,
		    reloc_strerror(rc));
		goto out;
	}
	reloc_sxp_free(msg);
	msg = NULL;
	if ((rc = reloc_chan_expect(m->chan, RELOC_MSG_VERDICT, &msg, &why))
	    < 0) {
		reloc__mig_message(m, "%s: no verdict: %s", m->peer,
		    why != NULL ? why : reloc_strerror(rc));
		goto out;
	}
	findings = reloc_sxp_assoc(msg, "findings");
	if (findings != NULL && (rc = reloc_verdict_from_sxp(findings,
	    &m->res->verdict)) < 0) {
		reloc__mig_message(m, "%s: malformed verdict", m->peer);
		goto out;
	}
	if (m->ev != NULL && m->ev->verdict != NULL)
		m->ev->verdict(&m->res->verdict, m->ev->arg);
	reloc__mig_record(m);
	src_log_forced(s);
	if (reloc_verdict_blocks(&m->res->verdict)) {
		reloc__mig_message(m, "prechecks on %s refused %s: see the "
		    "findings; nothing was moved", s->o->host, m->dom.name);
		rc = RELOC_ERR_DENIED;
	}
out:
	free(why);
	reloc_sxp_free(msg);
	return rc;
}

/*
 * The save failed.  If the target failed first it said why in an ERROR
 * before closing: read it (briefly) so the admin learns which side broke.
 */
static void
src_stream_failed(struct src *s, int rc)
{
	struct reloc__mig	*m = &s->m;
	struct reloc_sxp	*msg = NULL;
	enum reloc_msg_type	 type;
	const char		*why = NULL;

	/* Pre-copy gave up on the budget: the domain was never suspended. */
	if (m->save_why[0] != '\0') {
		reloc__mig_message(m, "%s stays on this host: %s", m->dom.name,
		    m->save_why);
		return;
	}
	reloc_chan_set_timeout(m->chan, 1000);
	if (reloc_chan_recv(m->chan, &type, &msg) == 0 &&
	    type == RELOC_MSG_ERROR)
		why = reloc_sxp_value(msg, "message");
	if (why != NULL)
		reloc__mig_message(m, "%s refused %s's memory: %s", m->peer,
		    m->dom.name, why);
	else
		reloc__mig_message(m, "sending %s's memory to %s failed: %s",
		    m->dom.name, m->peer, reloc_strerror(rc));
	reloc_sxp_free(msg);
	reloc_chan_set_timeout(m->chan, m->timeout_ms);
}

/* STREAM: the message, then the backend's bytes. */
static int
src_stream(struct src *s)
{
	struct reloc__mig	*m = &s->m;
	struct reloc_sxp	*msg = NULL, *dom = NULL;
	int			 rc;

	reloc__mig_state(m, RELOC_MS_STREAMING);
	/* The save may suspend the domain at any moment from here on. */
	if ((rc = reloc__mig_journal(m)) < 0)
		return rc;
	if ((rc = reloc__msg_new(RELOC_MSG_STREAM, &msg)) < 0 ||
	    (rc = reloc_domain_to_sxp(&m->dom, &dom)) < 0 ||
	    (rc = reloc_sxp_append(msg, dom)) < 0 ||
	    (rc = reloc_chan_send(m->chan, RELOC_MSG_STREAM, msg)) < 0) {
		reloc_sxp_free(msg);
		reloc__mig_message(m, "%s: sending STREAM: %s", m->peer,
		    reloc_strerror(rc));
		return rc;
	}
	reloc_sxp_free(msg);
	s->saving = true;
	rc = reloc__src_save(m, s->o);
	if (rc < 0)
		src_stream_failed(s, rc);
	return rc;
}

/*
 * The target's recheck refused: its findings come in place of READY.  They
 * join the first verdict's, so that xm shows them like a precheck's.
 */
static int
src_rechecked(struct src *s, const struct reloc_sxp *msg)
{
	struct reloc__mig	*m = &s->m;
	struct reloc_sxp	*findings = reloc_sxp_assoc(msg, "findings");
	struct reloc_verdict	 v = { NULL, 0 };
	int			 rc;

	if (findings == NULL || (rc = reloc_verdict_from_sxp(findings, &v))
	    < 0 || (rc = reloc__verdict_append(&m->res->verdict, &v)) < 0) {
		reloc__mig_message(m, "%s: malformed verdict in place of "
		    "READY", m->peer);
		reloc_verdict_dispose(&v);
		return RELOC_ERR_PROTO;
	}
	reloc_verdict_dispose(&v);
	if (m->ev != NULL && m->ev->verdict != NULL)
		m->ev->verdict(&m->res->verdict, m->ev->arg);
	reloc__mig_record(m);
	reloc__mig_message(m, "%s changed while %s's memory streamed and its "
	    "recheck refused the takeover: see the findings", s->o->host,
	    m->dom.name);
	return RELOC_ERR_DENIED;
}

static int
src_wait_ready(struct src *s)
{
	struct reloc__mig	*m = &s->m;
	struct reloc_sxp	*msg = NULL;
	enum reloc_msg_type	 type;
	const char		*why = NULL;
	int			 rc;

	reloc__mig_state(m, RELOC_MS_WAIT_READY);
	if ((rc = reloc_chan_recv(m->chan, &type, &msg)) == 0) {
		if (type == RELOC_MSG_VERDICT) {
			rc = src_rechecked(s, msg);
			goto out;
		}
		if (type == RELOC_MSG_ERROR) {
			why = reloc_sxp_value(msg, "message");
			rc = RELOC_ERR_DENIED;
		} else if (type != RELOC_MSG_READY)
			rc = RELOC_ERR_PROTO;
	}
	if (rc == 0 && reloc__fault_point("src-ready",
	    reloc_chan_fd(m->chan)) != RELOC_FA_NONE)
		rc = RELOC_ERR_CLOSED;
	if (rc < 0)
		reloc__mig_message(m, "%s did not confirm the restore of %s: "
		    "%s", m->peer, m->dom.name,
		    why != NULL ? why : reloc_strerror(rc));
out:
	reloc_sxp_free(msg);
	return rc;
}

/* Our copy, for the steps recovery shares with us. */
static struct reloc__copy
src_copy(const struct src *s)
{
	struct reloc__copy	c = { s->m.dom.domid, s->m.dom.uuid,
				    s->m.dom.name, s->away };

	return c;
}

/* Undo everything before GO: the domain runs (or is paused) as it was. */
static void
src_rollback(struct src *s)
{
	struct reloc__mig	*m = &s->m;
	struct reloc__copy	 c = src_copy(s);

	(void)reloc__recover_roll_back(m->hv, m->priv, &c, s->saving,
	    s->was_paused);
	reloc__mig_state(m, RELOC_MS_FAILED);
	m->res->outcome = RELOC_OUT_FAILED;
	log_warnx("migrate", "source %s: failed, %s %s here as before: %s",
	    m->label, m->dom.name, s->was_paused ? "is paused" : "runs",
	    m->res->message);
}

static void
src_unknown(struct src *s, const char *what)
{
	struct reloc__mig	*m = &s->m;

	reloc__mig_state(m, RELOC_MS_UNKNOWN);
	m->res->outcome = RELOC_OUT_UNKNOWN;
	reloc__mig_message(m, "the final handshake with %s broke after GO "
	    "(%s): %s may now be running on %s. The copy here stays "
	    "suspended as %s until %s says what became of it, or 'xm "
	    "recover %s' if %s is gone for good; see xrelocd(8), THE "
	    "UNKNOWN STATE", m->peer, what, m->dom.name, s->o->host, s->away,
	    s->o->host, m->dom.name, s->o->host);
	log_errx("migrate", "source %s: %s", m->label, m->res->message);
}

static uint64_t
u64_of(const struct reloc_sxp *msg, const char *key)
{
	const char	*v = reloc_sxp_value(msg, key);

	return v != NULL ? strtoull(v, NULL, 10) : 0;
}

/* DONE arrived: the summary, with the downtime from both hosts' intervals. */
static void
src_downtime(struct src *s, const struct reloc_sxp *done)
{
	struct reloc__mig	*m = &s->m;
	struct reloc__downtime	 t = {
		.suspended_ns = m->suspended_ns,
		.go_sent_ns = s->go_sent_ns,
		.done_ns = reloc__now_ns(CLOCK_MONOTONIC),
		.go_unpause_ns = u64_of(done, "go-unpause-ns"),
		.go_done_ns = u64_of(done, "go-done-ns"),
	};

	reloc__mig_summary(m);
	m->res->summary.downtime_ms = (double)reloc__downtime_ns(&t) / 1e6;
}

/*
 * GO is out: DONE, or DECLINED when the target destroyed its copy without
 * running it (then the caller resumes ours).  Anything else, or nothing,
 * and the owner is unknown.
 */
static int
src_wait_done(struct src *s)
{
	struct reloc__mig	*m = &s->m;
	struct reloc_sxp	*msg = NULL;
	enum reloc_msg_type	 type;
	const char		*why;
	int			 rc;

	if ((rc = reloc_chan_recv(m->chan, &type, &msg)) < 0) {
		src_unknown(s, reloc_strerror(rc));
		return RELOC_ERR_UNKNOWN_STATE;
	}
	why = reloc_sxp_value(msg, "message");
	if (type == RELOC_MSG_DECLINED) {
		reloc__mig_message(m, "%s was not taken over by %s (%s)",
		    m->dom.name, s->o->host,
		    why != NULL ? why : "no reason given");
		rc = RELOC_ERR_DENIED;
	} else if (type != RELOC_MSG_DONE) {
		src_unknown(s, type == RELOC_MSG_ERROR && why != NULL ? why :
		    "no DONE");
		rc = RELOC_ERR_UNKNOWN_STATE;
	} else {
		src_downtime(s, msg);
		rc = 0;
	}
	reloc_sxp_free(msg);
	return rc;
}

/* READY received: rename, GO, DONE.  The point of no return is GO. */
static int
src_commit(struct src *s)
{
	struct reloc__mig	*m = &s->m;
	int			 rc;

	reloc__mig_state(m, RELOC_MS_COMMITTING);
	if ((rc = reloc__mig_journal(m)) < 0)
		return rc;
	if ((rc = m->hv->rename(m->priv, m->dom.domid, s->away)) < 0) {
		reloc__mig_message(m, "cannot rename %s to %s here: %s",
		    m->dom.name, s->away, reloc_strerror(rc));
		return rc;
	}
	(void)reloc__fault_point("src-go", reloc_chan_fd(m->chan));
	/*
	 * Point of no return: once a byte of GO is out, only DONE or
	 * DECLINED tells us where the domain is.  The journal says so first.
	 */
	if (m->rec != NULL) {
		m->rec->go = true;
		if ((rc = reloc__mig_journal(m)) < 0) {
			m->rec->go = false;
			return rc;
		}
	}
	if ((rc = reloc__send_simple(m->chan, RELOC_MSG_GO, NULL, 0)) < 0) {
		if (reloc_chan_sent_nothing(m->chan)) {
			reloc__mig_message(m, "%s: could not send GO: %s",
			    m->peer, reloc_strerror(rc));
			if (m->rec != NULL)
				m->rec->go = false;
			return rc;
		}
		src_unknown(s, "GO only partly sent");
		return RELOC_ERR_UNKNOWN_STATE;
	}
	s->go_sent_ns = reloc__now_ns(CLOCK_MONOTONIC);
	(void)reloc__fault_point("src-go-sent", reloc_chan_fd(m->chan));
	return src_wait_done(s);
}

static void
src_finish(struct src *s)
{
	struct reloc__mig	*m = &s->m;
	struct reloc__copy	 c = src_copy(s);
	int			 rc;

	reloc__mig_state(m, RELOC_MS_DONE);
	m->res->outcome = RELOC_OUT_MOVED;
	/* A journal that fails here changes nothing: DONE is in. */
	(void)reloc__mig_journal(m);
	if ((rc = reloc__recover_destroy(m->hv, m->priv, &c)) < 0) {
		reloc__mig_message(m, "%s runs on %s; the suspended copy %s "
		    "here could not be destroyed (%s): destroy it by hand",
		    m->dom.name, s->o->host, s->away, reloc_strerror(rc));
		log_warnx("migrate", "source %s: %s", m->label,
		    m->res->message);
		return;
	}
	reloc__mig_message(m, "%s moved to %s", m->dom.name, s->o->host);
	log_info("migrate", "source %s: moved in %llu ms, downtime %.1f ms",
	    m->label, (unsigned long long)m->res->summary.total_ms,
	    m->res->summary.downtime_ms);
}

static void
src_init(struct src *s, const struct reloc_hv_ops *hv, void *priv,
    const struct reloc_migrate_opts *o, struct reloc_migrate_result *res)
{
	struct reloc__mig_setup	su = { o->ev, res, o->local_family,
				    o->timeout_ms, o->rec, o->journal_dir };

	memset(s, 0, sizeof(*s));
	reloc__mig_init(&s->m, "source", hv, priv, &su);
	s->o = o;
	s->m.codec = o->codec;
	snprintf(s->m.label, sizeof(s->m.label), "%s to %s", o->domain,
	    o->host);
	snprintf(s->m.peer, sizeof(s->m.peer), "%s", o->host);
	/* A check moves nothing: one connection is enough. */
	s->m.lanes.asked = o->check_only ? 1 : o->streams;
}

int
reloc_migrate_source(const struct reloc_hv_ops *hv, void *priv,
    const struct reloc_migrate_opts *o, struct reloc_migrate_result *res)
{
	struct src	s;
	int		rc;

	if (hv == NULL || o == NULL || o->domain == NULL || o->host == NULL ||
	    o->port == NULL || res == NULL)
		return RELOC_ERR_INVAL;
	src_init(&s, hv, priv, o, res);
	if ((rc = reloc__src_describe(&s)) < 0 || (rc = reloc__src_connect(&s)) < 0 ||
	    (rc = src_precheck(&s)) < 0)
		goto fail_untouched;
	if (o->check_only) {
		reloc__mig_message(&s.m, "prechecks of %s on %s passed",
		    s.m.dom.name, o->host);
		res->outcome = RELOC_OUT_MOVED;
		reloc__mig_state(&s.m, RELOC_MS_DONE);
		goto out;
	}
	if ((rc = reloc__lanes_open(&s.m, o->host, o->port, o->ssl ?
	    o->tls_ctx : NULL)) < 0)
		goto fail_untouched;
	if ((rc = src_stream(&s)) < 0 || (rc = src_wait_ready(&s)) < 0)
		goto fail_resume_source;
	if ((rc = src_commit(&s)) == RELOC_ERR_UNKNOWN_STATE)
		goto out;
	if (rc < 0)
		goto fail_resume_source;
	src_finish(&s);
	goto out;

fail_resume_source:
	src_rollback(&s);
	goto out;
fail_untouched:
	/* Nothing was suspended or renamed: the domain never stopped. */
	reloc__mig_fail_reason(&s.m, rc);
	res->busy = rc == RELOC_ERR_BUSY;
	reloc__mig_state(&s.m, res->busy ? RELOC_MS_WAITING :
	    RELOC_MS_FAILED);
	res->outcome = RELOC_OUT_FAILED;
	log_warnx("migrate", "source %s: %s", s.m.label, res->message);
out:
	/* Busy: whoever runs the record tries again, or ends it. */
	reloc__mig_record_end(&s.m, res->outcome != RELOC_OUT_UNKNOWN &&
	    !res->busy);
	reloc_chan_free(s.m.chan);
	reloc__mig_dispose(&s.m);
	return 0;
}
