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
 * reloc_recover: carry an unfinished record to its end, journaling it
 * before each step, asking the target after a broken handover.
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "reloc-int.h"

#define RECOVER		"recover"
#define INTERVAL_MAX_MS	10000

struct rcv {
	const struct reloc_recover_opts	*o;
	struct reloc_record		*r;
	char				 alias[300];
	struct reloc__copy		 copy;
};

/* Journal r and tell the caller.  A journal that fails is logged only. */
static void
rcv_changed(struct rcv *v)
{
	int	rc;

	if (v->o->journal_dir != NULL &&
	    (rc = reloc_journal_put(v->o->journal_dir, v->r)) < 0)
		log_errx(RECOVER, "migration %s: cannot journal the record: %s",
		    v->r->id, reloc_strerror(rc));
	if (v->o->changed != NULL)
		v->o->changed(v->r, v->o->arg);
}

static void
rcv_say(struct rcv *v, const char *fmt, ...) RELOC_PRINTF(2, 3);

static void
rcv_say(struct rcv *v, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(v->r->message, sizeof(v->r->message), fmt, ap);
	va_end(ap);
}

/* The end: outcome and state, journaled, logged. */
static int
rcv_end(struct rcv *v, enum reloc_outcome out, enum reloc_mstate st)
{
	v->r->outcome = (int)out;
	v->r->state = st;
	v->r->pid = 0;
	rcv_changed(v);
	log_info(RECOVER, "migration %s (%s %s): %s", v->r->id,
	    reloc_role_name(v->r->role), v->r->domain, v->r->message);
	return 0;
}

static int
rcv_roll_back(struct rcv *v, const char *why)
{
	struct reloc_record	*r = v->r;
	bool			 touched = r->state >= RELOC_MS_STREAMING;
	int			 rc;

	rc = reloc__recover_roll_back(v->o->hv, v->o->priv, &v->copy, touched,
	    r->was_paused);
	if (rc == RELOC_ERR_NOENT) {
		rcv_say(v, "%s; %s (uuid %s) is no longer on this host: "
		    "nothing to resume; see 'xm list' on both hosts", why,
		    r->domain, r->domain_uuid);
		return rcv_end(v, RELOC_OUT_UNKNOWN, RELOC_MS_UNKNOWN);
	}
	rcv_say(v, "%s; %s %s here as before%s", why, r->domain,
	    r->was_paused ? "is paused" : "runs", rc < 0 ?
	    " (see the log: a step of the resume failed)" : "");
	return rcv_end(v, RELOC_OUT_FAILED, RELOC_MS_FAILED);
}

static int
rcv_destroy_copy(struct rcv *v, const char *why)
{
	struct reloc_record	*r = v->r;
	int			 rc;

	r->state = RELOC_MS_DONE;
	rcv_changed(v);
	if ((rc = reloc__recover_destroy(v->o->hv, v->o->priv, &v->copy)) < 0)
		rcv_say(v, "%s runs on %s%s; the suspended copy %s here could "
		    "not be destroyed (%s): destroy it by hand", r->domain,
		    r->peer, why, v->alias, reloc_strerror(rc));
	else
		rcv_say(v, "%s moved to %s%s", r->domain, r->peer, why);
	return rcv_end(v, RELOC_OUT_MOVED, RELOC_MS_DONE);
}

static int
rcv_destroy_incoming(struct rcv *v)
{
	struct reloc_record	*r = v->r;
	int			 rc;

	if ((rc = reloc__recover_destroy(v->o->hv, v->o->priv, &v->copy)) < 0)
		rcv_say(v, "%s from %s: the incoming copy %s could not be "
		    "destroyed (%s); it never ran: destroy it by hand",
		    r->domain, r->peer, v->alias, reloc_strerror(rc));
	else
		rcv_say(v, "%s from %s: not taken over, nothing kept here",
		    r->domain, r->peer);
	return rcv_end(v, RELOC_OUT_FAILED, RELOC_MS_FAILED);
}

static int
rcv_take_over(struct rcv *v)
{
	struct reloc_record	*r = v->r;
	struct reloc_domain	 dom;
	bool			 found;
	int			 rc, drc;

	if ((rc = reloc__recover_run(v->o->hv, v->o->priv, &v->copy)) == 0) {
		rcv_say(v, "%s received from %s and running (the takeover "
		    "was finished by recovery)", r->domain, r->peer);
		return rcv_end(v, RELOC_OUT_MOVED, RELOC_MS_DONE);
	}
	/* It never ran here: destroyed, the source resumes its own. */
	if ((drc = reloc__recover_destroy(v->o->hv, v->o->priv, &v->copy))
	    == 0) {
		rcv_say(v, "%s from %s: the takeover failed (%s); the copy "
		    "here never ran and is destroyed: %s resumes it", r->domain,
		    r->peer, reloc_strerror(rc), r->peer);
		return rcv_end(v, RELOC_OUT_FAILED, RELOC_MS_FAILED);
	}
	/* The takeover may have renamed it before it failed. */
	found = reloc__copy_find(v->o->hv, v->o->priv, &v->copy, &dom) == 0;
	rcv_say(v, "%s from %s: cannot run it nor destroy it (%s): it is "
	    "paused here as %s; destroy it by hand, then 'xm recover %s' on "
	    "%s", r->domain, r->peer, reloc_strerror(drc), found ? dom.name :
	    v->alias, r->domain, r->peer);
	if (found)
		reloc_domain_dispose(&dom);
	return rcv_end(v, RELOC_OUT_UNKNOWN, RELOC_MS_UNKNOWN);
}

/* xm recover: one round, then the admin's word against the answer. */
static int
rcv_admin(struct rcv *v, int qrc, enum reloc_answer a, const char *said)
{
	struct reloc_record	*r = v->r;

	if (qrc == 0 && !v->o->force && (a == RELOC_ANS_TAKEN ||
	    a == RELOC_ANS_PENDING)) {
		rcv_say(v, "%s says of %s: %s (%s); not recovered: %s",
		    r->peer, r->domain, reloc_answer_name(a), said,
		    a == RELOC_ANS_TAKEN ? "it runs there, destroy the copy "
		    "here instead, or use --force to run it here as well" :
		    "ask again later, or use --force");
		return RELOC_ERR_DENIED;
	}
	if (qrc == 0 && a == RELOC_ANS_NOT_TAKEN)
		return rcv_roll_back(v, "recovered: the target did not take "
		    "it over");
	return rcv_roll_back(v, qrc < 0 ? "recovered by the admin: the "
	    "target could not be asked" : "recovered by the admin");
}

static int
rcv_ask(struct rcv *v)
{
	const struct reloc_recover_opts	*o = v->o;
	struct reloc_record		*r = v->r;
	enum reloc_answer		 a = RELOC_ANS_PENDING;
	char				 said[512];
	int				 qrc, wait = o->interval_ms > 0 ?
					    o->interval_ms : 1000;

	for (;;) {
		said[0] = '\0';
		qrc = reloc_recover_query_tls(r, o->tls_ctx, o->timeout_ms, &a,
		    said, sizeof(said));
		if (o->admin)
			return rcv_admin(v, qrc, a, said);
		if (qrc == 0 && a == RELOC_ANS_TAKEN)
			return rcv_destroy_copy(v, " (after the handover "
			    "broke, the target said it runs there)");
		if (qrc == 0 && a == RELOC_ANS_NOT_TAKEN)
			return rcv_roll_back(v, "the handover broke and the "
			    "target did not take it over");
		if (qrc == 0 && a == RELOC_ANS_UNKNOWN) {
			rcv_say(v, "%s has no record of migration %s (%s): "
			    "the copy here stays suspended as %s; check 'xm "
			    "list' on %s, then destroy it here or 'xm recover "
			    "%s'", r->peer, r->id, said, v->alias, r->peer,
			    r->domain);
			return rcv_end(v, RELOC_OUT_UNKNOWN, RELOC_MS_UNKNOWN);
		}
		r->state = RELOC_MS_RESOLVING;
		r->queries++;
		rcv_say(v, "the handover to %s broke after GO: asking %s what "
		    "became of %s (query %u: %s); the copy here stays "
		    "suspended as %s until it answers, or 'xm recover %s' if "
		    "%s is gone for good", r->peer, r->peer, r->domain,
		    r->queries, qrc < 0 && said[0] == '\0' ?
		    reloc_strerror(qrc) : said,
		    v->alias, r->domain, r->peer);
		rcv_changed(v);
		if (o->max_queries != 0 && r->queries >= o->max_queries)
			return RELOC_ERR_UNKNOWN_STATE;
		usleep((useconds_t)wait * 1000);
		if ((wait *= 2) > INTERVAL_MAX_MS)
			wait = INTERVAL_MAX_MS;
	}
}

int
reloc_recover(const struct reloc_recover_opts *o, struct reloc_record *r)
{
	struct rcv			v = { o, r, "", { 0 } };
	enum reloc_recover_action	act;

	if (o == NULL || o->hv == NULL || r == NULL)
		return RELOC_ERR_INVAL;
	snprintf(v.alias, sizeof(v.alias), "%s%s", r->domain,
	    r->role == RELOC_ROLE_SOURCE ? RELOC_SUFFIX_AWAY :
	    RELOC_SUFFIX_INCOMING);
	v.copy.domid = r->domid;
	v.copy.uuid = r->domain_uuid;
	v.copy.name = r->domain;
	v.copy.alias = v.alias;
	/* The admin may recover what the target could not tell about. */
	if (o->admin && r->role == RELOC_ROLE_SOURCE &&
	    r->outcome == RELOC_OUT_UNKNOWN)
		r->outcome = -1;
	act = reloc_recover_decide(r, NULL);
	if (act != RELOC_RA_NONE)
		log_warnx(RECOVER, "migration %s (%s %s, %s): %s", r->id,
		    reloc_role_name(r->role), r->domain,
		    reloc_mstate_name(r->state),
		    reloc_recover_action_name(act));
	switch (act) {
	case RELOC_RA_NONE:
		return 0;
	case RELOC_RA_ROLL_BACK:
		return rcv_roll_back(&v, "the migration ended before GO");
	case RELOC_RA_ASK:
		return rcv_ask(&v);
	case RELOC_RA_DESTROY_COPY:
		return rcv_destroy_copy(&v, "");
	case RELOC_RA_DESTROY_INCOMING:
		return rcv_destroy_incoming(&v);
	case RELOC_RA_TAKE_OVER:
		return rcv_take_over(&v);
	}
	return RELOC_ERR_INVAL;
}
