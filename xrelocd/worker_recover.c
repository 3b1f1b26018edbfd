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
 * What the parent does with a worker's reports, and after its end: a
 * worker that died before GO has its domain resumed (source) or its
 * incoming copy destroyed (target); one that died owning the domain after
 * GO has the takeover finished for it.
 */

#include <sys/wait.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "xrelocd.h"
#include "log.h"

static enum reloc_mstate
mstate_parse(const char *s)
{
	enum reloc_mstate	st;

	for (st = RELOC_MS_IDLE; st <= RELOC_MS_UNKNOWN; st++)
		if (s != NULL && strcmp(reloc_mstate_name(st), s) == 0)
			return st;
	return RELOC_MS_IDLE;
}

static uint64_t
u64(const struct reloc_sxp *msg, const char *key)
{
	const char	*v = reloc_sxp_value(msg, key);

	return v != NULL ? strtoull(v, NULL, 10) : 0;
}

static void
apply_progress(struct job *j, const struct reloc_sxp *msg)
{
	struct reloc_progress	*p = &j->progress;
	const char		*phase = reloc_sxp_value(msg, "phase");

	p->phase = phase == NULL || strcmp(phase, "precopy") == 0 ?
	    RELOC_PP_PRECOPY : strcmp(phase, "suspended") == 0 ?
	    RELOC_PP_SUSPENDED : RELOC_PP_DONE;
	p->round = (unsigned)u64(msg, "round");
	p->sent_bytes = u64(msg, "sent-bytes");
	p->remaining_pages = u64(msg, "remaining-pages");
	p->total_pages = u64(msg, "total-pages");
	p->rate_bps = u64(msg, "rate-bps");
	p->dirty_pps = u64(msg, "dirty-pps");
}

static void
apply_state(struct xrelocd *x, struct worker *w, const struct reloc_sxp *msg)
{
	const char	*dom = reloc_sxp_value(msg, "domain");

	w->mstate = mstate_parse(reloc_sxp_value(msg, "state"));
	if (dom != NULL)
		snprintf(w->domain, sizeof(w->domain), "%s", dom);
	if (reloc_sxp_value(msg, "domid") != NULL)
		w->domid = (long)u64(msg, "domid");
	if (w->kind == WORKER_TARGET && w->mstate > RELOC_MS_HELLO)
		worker_hello_done(x, w);
	if (w->job != NULL) {
		w->job->mstate = w->mstate;
		job_changed(x, w->job);
	}
}

static void
apply_result(struct xrelocd *x, struct worker *w, const struct reloc_sxp *msg)
{
	struct job	*j = w->job;
	const char	*m = reloc_sxp_value(msg, "message");
	const char	*paused = reloc_sxp_value(msg, "was-paused");
	int		 outcome = (int)u64(msg, "outcome");

	w->got_result = true;
	w->mstate = mstate_parse(reloc_sxp_value(msg, "state"));
	if (j == NULL) {
		log_info("worker", "worker[%s] from %s: %s", w->domain,
		    w->peer, m != NULL ? m : "ended");
		return;
	}
	j->summary.total_ms = u64(msg, "total-ms");
	j->summary.downtime_ms = (double)u64(msg, "downtime-us") / 1000.0;
	j->summary.bytes = u64(msg, "bytes");
	j->summary.rounds = (unsigned)u64(msg, "rounds");
	j->summary.memory_bytes = u64(msg, "memory-bytes");
	j->has_summary = outcome == RELOC_OUT_MOVED && !j->o.check;
	j->mstate = w->mstate;
	if (paused != NULL)
		j->was_paused = strcmp(paused, "yes") == 0;
	job_ended(x, j, outcome, m != NULL ? m : "");
}

int
worker_status_apply(struct xrelocd *x, struct worker *w,
    enum reloc_msg_type type, const struct reloc_sxp *body)
{
	const char		*kind = reloc_sxp_value(body, "kind");
	struct reloc_sxp	*f;

	if (type == RELOC_MSG_RESULT) {
		apply_result(x, w, body);
		return 0;
	}
	if (type != RELOC_MSG_PROGRESS || kind == NULL)
		return -1;
	if (strcmp(kind, "state") == 0)
		apply_state(x, w, body);
	else if (w->job != NULL && strcmp(kind, "progress") == 0) {
		apply_progress(w->job, body);
		job_changed(x, w->job);
	} else if (w->job != NULL && strcmp(kind, "verdict") == 0 &&
	    (f = reloc_sxp_assoc(body, "findings")) != NULL) {
		reloc_verdict_dispose(&w->job->verdict);
		reloc_verdict_from_sxp(f, &w->job->verdict);
		job_changed(x, w->job);
	}
	return 0;
}

/* Find a domain of this host by name; its id, or -1. */
static long
domid_of(struct xrelocd *x, const char *name)
{
	struct reloc_domain	dom;
	long			id;

	memset(&dom, 0, sizeof(dom));
	if (x->hv->describe(x->hv_priv, name, &dom) < 0)
		return -1;
	id = dom.domid;
	reloc_domain_dispose(&dom);
	return id;
}

/*
 * The worker's copy here, which should be called name: by the id the
 * worker reported, else by name; -1 if it is not there.  On a migration
 * to the same host both copies share the uuid: only the id is exact.
 */
static long
copy_here(struct xrelocd *x, const struct worker *w, const char *name)
{
	struct reloc_domain	dom;
	char			id[24];
	long			found = -1;

	if (w->domid < 0)
		return domid_of(x, name);
	memset(&dom, 0, sizeof(dom));
	snprintf(id, sizeof(id), "%ld", w->domid);
	if (x->hv->describe(x->hv_priv, id, &dom) == 0 && dom.name != NULL &&
	    strcmp(dom.name, name) == 0)
		found = w->domid;
	reloc_domain_dispose(&dom);
	return found;
}

/*
 * A source worker died before GO: run the domain again, or pause it again
 * if it was paused when the job was queued.
 */
static void
recover_source(struct xrelocd *x, struct worker *w, char *msg, size_t len)
{
	long	id = copy_here(x, w, w->domain);

	if (w->mstate >= RELOC_MS_COMMITTING) {
		snprintf(msg, len, "the migration worker died after GO may "
		    "have been sent: %s may run on %s; the copy here stays "
		    "suspended as %s%s; see xrelocd(8), THE UNKNOWN STATE",
		    w->domain, w->peer, w->domain, RELOC_SUFFIX_AWAY);
		return;
	}
	if (w->mstate >= RELOC_MS_STREAMING && id >= 0) {
		log_warnx("worker", "worker[%s] to %s died before GO: resuming "
		    "%s (id %ld)", w->domain, w->peer, w->domain, id);
		x->hv->resume(x->hv_priv, (uint32_t)id);
		if (w->job->was_paused)
			x->hv->pause(x->hv_priv, (uint32_t)id);
	}
	snprintf(msg, len, "the migration worker died while %s",
	    reloc_mstate_name(w->mstate));
}

/* A target worker died: destroy the copy, or finish the takeover. */
static void
recover_target(struct xrelocd *x, struct worker *w)
{
	char	incoming[300];
	long	id;

	if (w->mstate < RELOC_MS_STREAMING || w->mstate >= RELOC_MS_DONE)
		return;
	snprintf(incoming, sizeof(incoming), "%s%s", w->domain,
	    RELOC_SUFFIX_INCOMING);
	if ((id = copy_here(x, w, incoming)) < 0)
		return;
	if (w->mstate < RELOC_MS_OWNER) {
		log_warnx("worker", "worker[%s] from %s died before GO: "
		    "destroying %s", w->domain, w->peer, incoming);
		x->hv->destroy(x->hv_priv, (uint32_t)id);
		return;
	}
	log_warnx("worker", "worker[%s] from %s died after GO: %s is ours, "
	    "finishing the takeover", w->domain, w->peer, incoming);
	if (x->hv->rename(x->hv_priv, (uint32_t)id, w->domain) == 0 &&
	    x->hv->unpause(x->hv_priv, (uint32_t)id) == 0)
		return;
	/*
	 * It never ran here: destroy it, so that the admin who finds no
	 * running copy here recovers the source's, and there is only one.
	 */
	if (x->hv->destroy(x->hv_priv, (uint32_t)id) < 0)
		log_errx("worker", "cannot run %s nor destroy it: it is "
		    "paused here (id %ld); destroy it by hand, then run 'xm "
		    "recover %s' on %s", w->domain, id, w->domain, w->peer);
	else
		log_errx("worker", "cannot run %s: its copy here is destroyed; "
		    "run 'xm recover %s' on %s", w->domain, w->domain,
		    w->peer);
}

void
worker_recover(struct xrelocd *x, struct worker *w, int status)
{
	char	msg[1024];
	bool	crashed = !WIFEXITED(status) ||
		    WEXITSTATUS(status) == WORKER_EXIT_SETUP;

	if (crashed || !w->got_result)
		log_warnx("worker", "worker[%s] pid %ld ended abnormally "
		    "(%s %d) in state %s", w->domain, (long)w->pid,
		    WIFSIGNALED(status) ? "signal" : "exit",
		    WIFSIGNALED(status) ? WTERMSIG(status) :
		    WEXITSTATUS(status), reloc_mstate_name(w->mstate));
	if (w->kind == WORKER_TARGET) {
		if (!w->got_result)
			recover_target(x, w);
		return;
	}
	if (w->got_result || w->job == NULL)
		return;
	recover_source(x, w, msg, sizeof(msg));
	job_ended(x, w->job, w->mstate >= RELOC_MS_COMMITTING ?
	    RELOC_OUT_UNKNOWN : RELOC_OUT_FAILED, msg);
}
