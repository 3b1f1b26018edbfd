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
 * The job list: every migration this host takes part in, as its record.
 * Source jobs are queued by xm and run by priority (high before standard)
 * with at most xrelocd-max-migrations at once, and at most one job per
 * domain, known by its uuid whatever the user typed.  Target jobs come
 * from incoming migrations' records.  Ended jobs are kept for xm to read.
 * The list calls nothing else in the daemon: x->job_hooks does.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "xrelocd.h"
#include "log.h"

#define JOBS_KEPT	64	/* ended jobs kept for status */
#define BUSY_BACKOFF_MAX 30	/* seconds between tries, at most */
/*
 * A high-priority job tries at least this often (seconds): its target
 * keeps the next free slot for it ADMIT_CLAIM_HOLD_S after each try.
 */
#define BUSY_BACKOFF_HIGH 2

void
job_opts_dispose(struct job_opts *o)
{
	size_t	i;

	free(o->domain);
	free(o->host);
	free(o->port);
	for (i = 0; i < o->nr_force; i++)
		free(o->force[i]);
	free(o->force);
	memset(o, 0, sizeof(*o));
}

static void
job_free(struct job *j)
{
	if (j->retry_ev != NULL)
		event_free(j->retry_ev);
	if (j->recover_ev != NULL)
		event_free(j->recover_ev);
	if (j->pidfd_ev != NULL) {
		free(event_get_callback_arg(j->pidfd_ev));
		event_free(j->pidfd_ev);
	}
	if (j->pidfd >= 0)
		close(j->pidfd);
	reloc_record_dispose(&j->rec);
	free(j);
}

const char *
job_state_name(const struct job *j)
{
	return reloc_record_state_word(&j->rec);
}

struct job *
job_find(struct xrelocd *x, unsigned id)
{
	struct job	*j;

	TAILQ_FOREACH(j, &x->jobs, entry)
		if (j->rec.job == id)
			return j;
	return NULL;
}

struct job *
job_by_record(struct xrelocd *x, const char *id, enum reloc_role role)
{
	struct job	*j;

	if (id == NULL || *id == '\0')
		return NULL;
	TAILQ_FOREACH(j, &x->jobs, entry)
		if (j->rec.role == role && strcmp(j->rec.id, id) == 0)
			return j;
	return NULL;
}

/*
 * What the user typed (a name, a domid or a uuid) to the domain it names
 * on this host: o->uuid and o->was_paused are set, and o->domain becomes
 * the domain's name.  Blocks on the backend.  RELOC_ERR_NOENT if there
 * is no such domain; o is unchanged on failure.
 */
int
job_resolve(struct xrelocd *x, struct job_opts *o)
{
	struct reloc_domain	 dom;
	char			*name = NULL;
	int			 rc;

	memset(&dom, 0, sizeof(dom));
	if ((rc = x->hv->describe(x->hv_priv, o->domain, &dom)) < 0)
		goto out;
	if (dom.name == NULL || (name = strdup(dom.name)) == NULL) {
		rc = RELOC_ERR_NOMEM;
		goto out;
	}
	free(o->domain);
	o->domain = name;
	snprintf(o->uuid, sizeof(o->uuid), "%s", dom.uuid);
	o->was_paused = dom.state == RELOC_DS_PAUSED;
out:
	reloc_domain_dispose(&dom);
	return rc;
}

struct job *
job_holding(struct xrelocd *x, const char *uuid)
{
	struct job	*j;

	TAILQ_FOREACH(j, &x->jobs, entry)
		if (j->phase != JOB_ENDED &&
		    strcasecmp(j->rec.domain_uuid, uuid) == 0)
			return j;
	return NULL;
}

/*
 * A worker still holds j: a worker's record is final (the job ended) a
 * moment before the worker exits, and its end reads the job again.
 */
static bool
job_held(const struct xrelocd *x, const struct job *j)
{
	const struct worker	*w;

	TAILQ_FOREACH(w, &x->workers, entry)
		if (w->job == j)
			return true;
	return false;
}

/* Forget the oldest ended jobs beyond JOBS_KEPT that nothing holds. */
static void
jobs_trim(struct xrelocd *x)
{
	struct job	*j, *tmp;
	unsigned	 ended = 0;

	TAILQ_FOREACH(j, &x->jobs, entry)
		if (j->phase == JOB_ENDED)
			ended++;
	TAILQ_FOREACH_SAFE(j, &x->jobs, entry, tmp) {
		if (ended <= JOBS_KEPT)
			break;
		if (j->phase != JOB_ENDED || j->waiters > 0 ||
		    job_held(x, j))
			continue;
		TAILQ_REMOVE(&x->jobs, j, entry);
		job_free(j);
		ended--;
	}
}

static struct job *
job_new(struct xrelocd *x, enum reloc_role role)
{
	struct job	*j;

	if ((j = calloc(1, sizeof(*j))) == NULL)
		return NULL;
	reloc_record_init(&j->rec, role);
	j->pidfd = -1;
	j->phase = JOB_RUNNING;
	(void)x;
	return j;
}

static int
job_record_opts(struct reloc_record *r, const struct job_opts *o)
{
	snprintf(r->domain, sizeof(r->domain), "%s", o->domain);
	snprintf(r->domain_uuid, sizeof(r->domain_uuid), "%s", o->uuid);
	snprintf(r->peer, sizeof(r->peer), "%s", o->host);
	snprintf(r->port, sizeof(r->port), "%s", o->port);
	r->live = o->live;
	r->check = o->check;
	r->high = o->high;
	r->ssl = o->ssl;
	r->rate_mbps = o->rate_mbps;
	if (o->codec != RELOC_CODEC_NONE)
		snprintf(r->compression, sizeof(r->compression), "%s",
		    reloc_codec_name(o->codec));
	r->streams = o->streams;
	r->max_downtime_ms = o->max_downtime_ms;
	r->timeout_s = o->timeout_s;
	r->was_paused = o->was_paused;
	r->state = RELOC_MS_IDLE;
	if (reloc_record_new_id(r->id) < 0)
		return RELOC_ERR_IO;
	return reloc_record_set_force(r, (const char *const *)o->force,
	    o->nr_force);
}

int
job_submit(struct xrelocd *x, struct job_opts *o, struct job **job_r)
{
	struct job	*j;
	int		 rc;

	if (x->stopping)
		return RELOC_ERR_DENIED;
	/* One job per domain: a second would resume it under the first. */
	if (o->uuid[0] == '\0')
		return RELOC_ERR_INVAL;
	if (job_holding(x, o->uuid) != NULL)
		return RELOC_ERR_EXIST;
	if ((j = job_new(x, RELOC_ROLE_SOURCE)) == NULL)
		return RELOC_ERR_NOMEM;
	if ((rc = job_record_opts(&j->rec, o)) < 0) {
		job_free(j);
		return rc;
	}
	j->rec.job = x->next_job++;
	j->phase = JOB_QUEUED;
	TAILQ_INSERT_TAIL(&x->jobs, j, entry);
	log_info("jobs", "job %u: %s%s %s (uuid %s) to %s%s queued (%s "
	    "priority), migration %s", j->rec.job, o->check ? "check of " :
	    "", o->live ? "live" : "offline", o->domain, o->uuid, o->host,
	    o->ssl ? " over tls" : "", o->high ? "high" : "standard",
	    j->rec.id);
	/* The record has it all now: o is spent, as the caller expects. */
	job_opts_dispose(o);
	*job_r = j;
	job_schedule(x);
	return 0;
}

struct job *
job_take_record(struct xrelocd *x, const struct reloc_record *r)
{
	struct job	*j = job_by_record(x, r->id, r->role);
	unsigned	 number;
	bool		 fresh = j == NULL;

	if (fresh) {
		if ((j = job_new(x, r->role)) == NULL)
			return NULL;
		number = r->job != 0 && job_find(x, r->job) == NULL ? r->job :
		    x->next_job;
	} else
		number = j->rec.job;
	if (reloc_record_copy(&j->rec, r) < 0) {
		if (fresh)
			job_free(j);
		return NULL;
	}
	j->rec.job = number;
	if (number >= x->next_job)
		x->next_job = number + 1;
	if (fresh)
		TAILQ_INSERT_TAIL(&x->jobs, j, entry);
	return j;
}

/* Source jobs in the migration proper (not resolving) take a slot. */
static unsigned
jobs_migrating(const struct xrelocd *x)
{
	const struct job	*j;
	unsigned		 n = 0;

	TAILQ_FOREACH(j, &x->jobs, entry)
		if (j->phase == JOB_RUNNING && j->rec.role ==
		    RELOC_ROLE_SOURCE && j->worker != NULL &&
		    j->rec.state != RELOC_MS_RESOLVING)
			n++;
	return n;
}

static struct job *
next_queued(struct xrelocd *x)
{
	struct job	*j, *first = NULL;

	TAILQ_FOREACH(j, &x->jobs, entry) {
		if (j->phase != JOB_QUEUED)
			continue;
		if (j->rec.high)
			return j;
		if (first == NULL)
			first = j;
	}
	return first;
}

void
job_schedule(struct xrelocd *x)
{
	struct job	*j;
	long		 max = reloc_conf_int(x->conf, RELOC_CK_MAX_MIGRATIONS);

	while (jobs_migrating(x) < (unsigned long)max &&
	    (j = next_queued(x)) != NULL) {
		j->phase = JOB_RUNNING;
		j->rec.state = RELOC_MS_CONNECTING;
		if (x->job_hooks->start(x, j) < 0)
			job_ended(x, j, RELOC_OUT_FAILED, "cannot start a "
			    "migration worker (see the daemon's log); the "
			    "domain was not touched");
		else
			log_info("jobs", "job %u: started, %u at once "
			    "(xrelocd-max-migrations %ld)", j->rec.job,
			    jobs_migrating(x), max);
	}
}

static time_t
mono_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* The wait before try number tries (from 1): 1 s, doubling, at most max. */
long
job_backoff_s(unsigned tries, long max)
{
	long	s = tries <= 1 ? 1 : tries < 32 ? 1L << (tries - 1) : max;

	return s < max ? s : max;
}

/* The backoff ran out: the job takes its turn in the queue again. */
static void
job_retry_cb(evutil_socket_t fd, short events, void *arg)
{
	struct job	*j = arg;

	(void)fd;
	(void)events;
	if (j->phase != JOB_WAITING)
		return;
	j->phase = JOB_QUEUED;
	log_info("jobs", "job %u: %s to %s: trying again (try %u)",
	    j->rec.job, j->rec.domain, j->rec.peer, j->busy_tries + 1);
	job_schedule(j->x);
}

/* The last busy answer ends the job: it names the cap and its key. */
static void
job_busy_give_up(struct xrelocd *x, struct job *j, time_t waited)
{
	char	msg[sizeof(j->rec.message)];

	snprintf(msg, sizeof(msg), "%.64s stayed busy for %llds "
	    "(xrelocd-busy-wait %ld here): %.500s; raise that cap on %.64s or "
	    "migrate later; %.100s was not touched", j->rec.peer,
	    (long long)waited, reloc_conf_int(x->conf, RELOC_CK_BUSY_WAIT),
	    j->rec.message, j->rec.peer, j->rec.domain);
	job_ended(x, j, RELOC_OUT_FAILED, msg);
	/* The journal's record was left waiting by the worker. */
	(void)reloc_journal_put(x->state_dir, &j->rec);
}

void
job_busy(struct xrelocd *x, struct job *j)
{
	long		 wait = reloc_conf_int(x->conf, RELOC_CK_BUSY_WAIT);
	time_t		 now = mono_s(), left;
	struct timeval	 tv = { 1, 0 };
	char		 why[sizeof(j->rec.message)];

	j->x = x;
	j->worker = NULL;
	if (j->busy_tries++ == 0)
		j->busy_since = now;
	left = j->busy_since + wait - now;
	if (x->stopping || left <= 0 || (j->retry_ev == NULL &&
	    (j->retry_ev = evtimer_new(x->base, job_retry_cb, j)) == NULL)) {
		job_busy_give_up(x, j, now - j->busy_since);
		return;
	}
	/*
	 * 1 s, doubling, at most BUSY_BACKOFF_MAX (BUSY_BACKOFF_HIGH for a
	 * high-priority job), never past the bound.
	 */
	tv.tv_sec = job_backoff_s(j->busy_tries, j->rec.high ?
	    BUSY_BACKOFF_HIGH : BUSY_BACKOFF_MAX);
	if (tv.tv_sec > left)
		tv.tv_sec = left;
	evtimer_add(j->retry_ev, &tv);
	j->phase = JOB_WAITING;
	snprintf(why, sizeof(why), "%s", j->rec.message);
	snprintf(j->rec.message, sizeof(j->rec.message), "waiting: %.900s; "
	    "trying again in %lds, for up to %llds more", why,
	    (long)tv.tv_sec, (long long)left);
	log_info("jobs", "job %u: %s to %s: %s", j->rec.job, j->rec.domain,
	    j->rec.peer, j->rec.message);
	job_changed(x, j);
}

void
job_changed(struct xrelocd *x, struct job *j)
{
	j->version++;
	if (reloc_record_final(&j->rec) && j->phase != JOB_ENDED) {
		j->phase = JOB_ENDED;
		jobs_cancel_note(x, j);
		log_info("jobs", "job %u: %s %s %s: %s", j->rec.job,
		    reloc_role_name(j->rec.role), j->rec.domain,
		    job_state_name(j), j->rec.message);
	}
	x->job_hooks->changed(x, j);
	if (j->phase == JOB_ENDED)
		jobs_trim(x);
}

void
job_ended(struct xrelocd *x, struct job *j, int outcome,
    const char *message)
{
	if (j->phase == JOB_ENDED)
		return;
	j->rec.outcome = outcome;
	if (j->rec.state < RELOC_MS_DONE)
		j->rec.state = outcome == RELOC_OUT_MOVED ? RELOC_MS_DONE :
		    outcome == RELOC_OUT_UNKNOWN ? RELOC_MS_UNKNOWN :
		    RELOC_MS_FAILED;
	snprintf(j->rec.message, sizeof(j->rec.message), "%s", message);
	j->worker = NULL;
	job_changed(x, j);
}

void
job_free_all(struct xrelocd *x)
{
	struct job	*j;
	struct worker	*w;

	TAILQ_FOREACH(w, &x->workers, entry)
		w->job = NULL;
	while ((j = TAILQ_FIRST(&x->jobs)) != NULL) {
		TAILQ_REMOVE(&x->jobs, j, entry);
		job_free(j);
	}
}
