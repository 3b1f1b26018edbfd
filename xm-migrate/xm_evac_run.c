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
 * xm evacuate's jobs on the local xrelocd: the prechecks of each domain
 * against each target, then the planned moves, at most --max of them
 * queued at once; the daemon's own queue (xrelocd-max-migrations) and
 * the targets' caps on incoming migrations decide how many run.
 */

#include <stdlib.h>
#include <string.h>

#include "xm.h"

#define EVAC_WAIT_S	1	/* a parked wait on one job, then the rest */

/* One planned move as it goes. */
struct move {
	size_t		 d;		/* index in e->doms */
	int		 t;		/* index in e->o.to */
	int64_t		 job;		/* 0: not queued yet */
	int64_t		 seen;		/* its version last shown */
	char		 status[24];	/* its state word last shown */
	bool		 ended;
	int		 code;		/* its exit code once ended */
};

/*
 * Queue a check (or a move) of domain d to target t on the daemon: its
 * job number in *job_r, else the daemon's refusal in *why_r (malloc'ed).
 */
static int
queue_job(struct xm *xm, const struct xm_evac *e, size_t d, int t,
    bool check, int64_t *job_r, char **why_r)
{
	struct xm_migrate_opts	 mo;
	struct xm_call		 k = { "xrelocd.migrate", NULL, 60000, NULL, 0,
				    NULL };
	struct reloc_xv		*params = NULL;
	int			 rc;

	memset(&mo, 0, sizeof(mo));
	mo.domain = e->doms[d].name;
	mo.host = e->o.to[t].host;
	mo.port = e->o.to[t].port;
	mo.node = -1;
	mo.live = e->o.live;
	mo.ssl = e->o.ssl;
	mo.check = check;
	mo.priority = e->o.priority;
	if (xm_migrate_request(&mo, &params) < 0)
		return XM_EXIT_FAILED;
	k.params = params;
	rc = xm_rpc_invoke(xm, &k);
	reloc_xv_free(params);
	if (rc == 0 && reloc_xv_member_int(k.result, "job", job_r) < 0)
		rc = XM_EXIT_FAILED;
	reloc_xv_free(k.result);
	if (rc != 0)
		*why_r = k.fault_msg != NULL ? k.fault_msg :
		    strdup("xrelocd did not queue it (see above)");
	else
		free(k.fault_msg);
	return rc;
}

static bool
final(const struct reloc_xv *st)
{
	int64_t	outcome;

	return (reloc_xv_member_int(st, "outcome", &outcome) == 0 &&
	    outcome != -1) || xm_status_resolving(st);
}

/* Wait for job to end: its final struct in *st_r. */
static int
job_end(struct xm *xm, int64_t job, struct reloc_xv **st_r)
{
	int64_t		 args[3] = { job, -1, XM_WAIT_S };
	struct reloc_xv	*st;
	int		 rc;

	for (;;) {
		if ((rc = xm_rpc_call_ints(xm, "xrelocd.job.wait", args, 3,
		    &st)) != 0)
			return rc;
		if (final(st)) {
			*st_r = st;
			return 0;
		}
		if (reloc_xv_member_int(st, "version", &args[1]) < 0)
			args[1] = -1;
		reloc_xv_free(st);
	}
}

/* Why a check failed: its first error finding, else its message. */
static char *
check_why(const struct reloc_xv *st)
{
	const struct reloc_xv	*fs = reloc_xv_member(st, "findings"), *f;
	const char		*sev, *msg;
	char			*why = NULL;
	size_t			 i;

	for (i = 0; i < reloc_xv_len(fs); i++) {
		f = reloc_xv_nth(fs, i, NULL);
		sev = reloc_xv_member_string(f, "severity");
		msg = reloc_xv_member_string(f, "message");
		if (sev != NULL && strcmp(sev, "error") == 0 && msg != NULL) {
			if (asprintf(&why, "%s", msg) == -1)
				why = NULL;
			return why;
		}
	}
	msg = reloc_xv_member_string(st, "message");
	return strdup(msg != NULL && *msg != '\0' ? msg : "check failed");
}

/* The outcome of domain d's check against target t. */
static void
check_result(struct xm_evac *e, size_t d, int t, const struct reloc_xv *st)
{
	int64_t	code = 1, free_kb = 0;
	char	**why = &e->why[d * e->o.nr_to + (size_t)t];

	(void)reloc_xv_member_int(st, "outcome", &code);
	if (reloc_xv_member_int(st, "peer-free-kb", &free_kb) == 0 &&
	    free_kb > 0)
		e->free_kb[t] = (uint64_t)free_kb;
	if (code != 0 && (*why = check_why(st)) == NULL)
		*why = strdup("check failed");
}

/*
 * Check every domain against target t: queued together (--max at a
 * time), then awaited.
 */
static int
check_target(struct xm *xm, struct xm_evac *e, int t, int64_t *jobs)
{
	struct reloc_xv	*st;
	size_t		 d, from, step;
	int		 rc;

	step = e->o.max > 0 ? (size_t)e->o.max : e->nr_doms;
	for (from = 0; from < e->nr_doms; from += step) {
		for (d = from; d < e->nr_doms && d < from + step; d++)
			if (queue_job(xm, e, d, t, true, &jobs[d],
			    &e->why[d * e->o.nr_to + (size_t)t]) != 0)
				jobs[d] = 0;
		for (d = from; d < e->nr_doms && d < from + step; d++) {
			if (jobs[d] == 0)
				continue;
			if ((rc = job_end(xm, jobs[d], &st)) != 0)
				return rc;
			check_result(e, d, t, st);
			reloc_xv_free(st);
		}
	}
	return 0;
}

int
xm_evac_checks(struct xm *xm, struct xm_evac *e)
{
	int64_t	*jobs;
	size_t	 t;
	int	 rc = 0;

	if ((e->why = calloc(e->nr_doms * e->o.nr_to + 1,
	    sizeof(*e->why))) == NULL ||
	    (jobs = calloc(e->nr_doms + 1, sizeof(*jobs))) == NULL) {
		fprintf(xm->err, "xm evacuate: out of memory\n");
		return XM_EXIT_FAILED;
	}
	for (t = 0; t < e->o.nr_to && rc == 0; t++) {
		fprintf(xm->out, "evacuate: checking %zu domain%s against %s\n",
		    e->nr_doms, e->nr_doms == 1 ? "" : "s", e->o.to[t].given);
		fflush(xm->out);
		rc = check_target(xm, e, (int)t, jobs);
	}
	free(jobs);
	return rc;
}

/* The whole evacuation so far, for each progress line. */
struct tally {
	size_t	moves;		/* planned */
	size_t	moved;
	size_t	failed;
	size_t	running;	/* queued on the daemon, not ended */
};

/* "[3/12 moved, 2 running] web01 -> hostB: LINE" */
static void
say(struct xm *xm, const struct xm_evac *e, const struct tally *n,
    const struct move *m, const char *line)
{
	fprintf(xm->out, "evacuate: [%zu/%zu moved, %zu running] %s -> %s: "
	    "%s\n", n->moved, n->moves, n->running, e->doms[m->d].name,
	    e->o.to[m->t].given, line);
	fflush(xm->out);
}

/* A new status of m's job: a line when its state changed or it ended. */
static void
update(struct xm *xm, const struct xm_evac *e, struct tally *n,
    struct move *m, const struct reloc_xv *st)
{
	const char	*status = reloc_xv_member_string(st, "status");
	char		 line[2048];

	(void)reloc_xv_member_int(st, "version", &m->seen);
	if (final(st)) {
		m->ended = true;
		m->code = xm_status_exit(st);
		n->running--;
		if (m->code == XM_EXIT_OK)
			n->moved++;
		else
			n->failed++;
		xm_fmt_summary(st, line, sizeof(line));
		say(xm, e, n, m, line);
		return;
	}
	if (status == NULL || strcmp(status, m->status) == 0)
		return;
	snprintf(m->status, sizeof(m->status), "%s", status);
	xm_fmt_progress(st, line, sizeof(line));
	say(xm, e, n, m, line);
}

/* Queue move m; a refusal ends it at once, named. */
static void
start(struct xm *xm, const struct xm_evac *e, struct tally *n,
    struct move *m)
{
	char	*why = NULL, line[1200];

	n->running++;
	if (queue_job(xm, e, m->d, m->t, false, &m->job, &why) == 0) {
		snprintf(line, sizeof(line), "queued as job %lld",
		    (long long)m->job);
		say(xm, e, n, m, line);
		return;
	}
	n->running--;
	n->failed++;
	m->ended = true;
	m->code = XM_EXIT_FAILED;
	snprintf(line, sizeof(line), "not queued: %s", why != NULL ? why :
	    "out of memory");
	xm_fmt_vis(line, sizeof(line));
	say(xm, e, n, m, line);
	free(why);
}

/*
 * One round: a parked wait on the first running move (up to
 * EVAC_WAIT_S), then the status of the others.
 */
static int
follow(struct xm *xm, const struct xm_evac *e, struct tally *n,
    struct move *mv, size_t nr)
{
	struct reloc_xv	*st;
	int64_t		 args[3];
	size_t		 i;
	bool		 first = true;
	int		 rc;

	for (i = 0; i < nr; i++) {
		if (mv[i].job == 0 || mv[i].ended)
			continue;
		args[0] = mv[i].job;
		args[1] = mv[i].seen;
		args[2] = EVAC_WAIT_S;
		rc = first ? xm_rpc_call_ints(xm, "xrelocd.job.wait", args, 3,
		    &st) : xm_rpc_call_ints(xm, "xrelocd.job.status", args, 1,
		    &st);
		if (rc != 0)
			return rc;
		first = false;
		update(xm, e, n, &mv[i], st);
		reloc_xv_free(st);
	}
	return 0;
}

static int
run_moves(struct xm *xm, const struct xm_evac *e, struct move *mv,
    size_t nr, struct tally *n)
{
	size_t	next = 0;
	int	rc;

	while (next < nr || n->running > 0) {
		while (next < nr && (e->o.max == 0 ||
		    n->running < (size_t)e->o.max))
			start(xm, e, n, &mv[next++]);
		if (n->running > 0 && (rc = follow(xm, e, n, mv, nr)) != 0) {
			fprintf(xm->err, "xm evacuate: lost track of the "
			    "moves; see 'xm jobs'\n");
			return rc;
		}
	}
	return 0;
}

/* Name each domain still here, with why: the plan's or its move's. */
static int
summary(struct xm *xm, struct xm_evac *e, const struct tally *n)
{
	struct xm_evac	now;
	size_t		i, k;
	int		rc;

	memset(&now, 0, sizeof(now));
	if ((rc = xm_evac_domains(xm, &now)) != 0)
		return rc;
	fprintf(xm->out, "evacuate: %zu of %zu domain%s moved, %zu failed, "
	    "%zu left here\n", n->moved, e->nr_doms, e->nr_doms == 1 ? "" :
	    "s", n->failed, now.nr_doms);
	for (i = 0; i < now.nr_doms; i++) {
		for (k = 0; k < e->nr_doms; k++)
			if (strcmp(e->doms[k].name, now.doms[i].name) == 0)
				break;
		fprintf(xm->err, "xm evacuate: %s stays here: %s\n",
		    now.doms[i].name, k == e->nr_doms ? "it appeared during "
		    "the evacuation" : e->choice[k].target < 0 ?
		    "it fits on no target (see the plan)" : "its move failed "
		    "(see above and 'xm jobs')");
	}
	rc = now.nr_doms == 0 ? XM_EXIT_OK : XM_EXIT_FAILED;
	xm_evac_dispose(&now);
	return rc;
}

int
xm_evac_run(struct xm *xm, struct xm_evac *e)
{
	struct move	*mv;
	struct tally	 n;
	size_t		 i, nr = 0;
	int		 rc;

	memset(&n, 0, sizeof(n));
	if ((mv = calloc(e->nr_doms + 1, sizeof(*mv))) == NULL) {
		fprintf(xm->err, "xm evacuate: out of memory\n");
		return XM_EXIT_FAILED;
	}
	for (i = 0; i < e->nr_doms; i++)
		if (e->choice[i].target >= 0) {
			mv[nr].d = i;
			mv[nr].t = e->choice[i].target;
			mv[nr].seen = -1;
			nr++;
		}
	n.moves = nr;
	rc = run_moves(xm, e, mv, nr, &n);
	free(mv);
	if (rc != 0)
		return rc;
	return summary(xm, e, &n);
}
