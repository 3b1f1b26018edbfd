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
 * The job queue: migrations asked for by xm, run by priority (high
 * before standard) with at most xrelocd-max-migrations at once, and at
 * most one job per domain, known by its uuid whatever the user typed.
 * Ended jobs are kept for xm to read.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xrelocd.h"
#include "log.h"

#define JOBS_KEPT	64	/* ended jobs kept for status */

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
	job_opts_dispose(&j->o);
	reloc_verdict_dispose(&j->verdict);
	free(j);
}

const char *
job_state_name(const struct job *j)
{
	if (j->phase == JOB_QUEUED)
		return "queued";
	if (j->phase == JOB_ENDED)
		return j->exit == 0 ? "done" : j->exit == 3 ? "unknown" :
		    "failed";
	switch (j->mstate) {
	case RELOC_MS_IDLE:
	case RELOC_MS_CONNECTING:
	case RELOC_MS_HELLO:
		return "connecting";
	case RELOC_MS_PRECHECK:
		return "precheck";
	case RELOC_MS_STREAMING:
	case RELOC_MS_WAIT_READY:
		return "streaming";
	default:
		return "committing";
	}
}

struct job *
job_find(struct xrelocd *x, unsigned id)
{
	struct job	*j;

	TAILQ_FOREACH(j, &x->jobs, entry)
		if (j->id == id)
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

/* The queued or running job that holds the domain with this uuid. */
struct job *
job_holding(struct xrelocd *x, const char *uuid)
{
	struct job	*j;

	TAILQ_FOREACH(j, &x->jobs, entry)
		if (j->phase != JOB_ENDED && strcasecmp(j->o.uuid, uuid) == 0)
			return j;
	return NULL;
}

/* Forget the oldest ended jobs beyond JOBS_KEPT. */
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
		if (j->phase != JOB_ENDED || j->waiters > 0)
			continue;
		TAILQ_REMOVE(&x->jobs, j, entry);
		job_free(j);
		ended--;
	}
}

int
job_submit(struct xrelocd *x, struct job_opts *o, struct job **job_r)
{
	struct job	*j;

	if (x->stopping)
		return RELOC_ERR_DENIED;
	/* One job per domain: a second would resume it under the first. */
	if (o->uuid[0] == '\0')
		return RELOC_ERR_INVAL;
	if (job_holding(x, o->uuid) != NULL)
		return RELOC_ERR_EXIST;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return RELOC_ERR_NOMEM;
	j->id = x->next_job++;
	j->o = *o;
	memset(o, 0, sizeof(*o));
	j->phase = JOB_QUEUED;
	j->exit = -1;
	j->was_paused = j->o.was_paused;
	TAILQ_INSERT_TAIL(&x->jobs, j, entry);
	log_info("jobs", "job %u: %s%s %s (uuid %s) to %s queued (%s "
	    "priority)", j->id, j->o.check ? "check of " : "",
	    j->o.live ? "live" : "offline", j->o.domain, j->o.uuid, j->o.host,
	    j->o.high ? "high" : "standard");
	*job_r = j;
	job_schedule(x);
	return 0;
}

static struct job *
next_queued(struct xrelocd *x)
{
	struct job	*j, *first = NULL;

	TAILQ_FOREACH(j, &x->jobs, entry) {
		if (j->phase != JOB_QUEUED)
			continue;
		if (j->o.high)
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

	while (worker_count(x, WORKER_SOURCE) < (unsigned long)max &&
	    (j = next_queued(x)) != NULL) {
		j->phase = JOB_RUNNING;
		j->mstate = RELOC_MS_CONNECTING;
		job_changed(x, j);
		if (worker_start_source(x, j) < 0)
			job_ended(x, j, RELOC_OUT_FAILED, "cannot start a "
			    "migration worker (see the daemon's log); the "
			    "domain was not touched");
	}
}

void
job_ended(struct xrelocd *x, struct job *j, int exit_code,
    const char *message)
{
	if (j->phase == JOB_ENDED)
		return;
	j->phase = JOB_ENDED;
	j->exit = exit_code;
	j->worker = NULL;
	snprintf(j->message, sizeof(j->message), "%s", message);
	log_info("jobs", "job %u: %s %s: %s", j->id, j->o.domain,
	    job_state_name(j), j->message);
	job_changed(x, j);
	jobs_trim(x);
}

void
job_changed(struct xrelocd *x, struct job *j)
{
	j->version++;
	control_job_changed(x, j);
}

void
job_free_all(struct xrelocd *x)
{
	struct job	*j;

	while ((j = TAILQ_FIRST(&x->jobs)) != NULL) {
		TAILQ_REMOVE(&x->jobs, j, entry);
		job_free(j);
	}
}
