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
 * The daemon's side of the records: those workers send, those the journal
 * keeps.  A worker that ended leaves its record final, or its job goes to
 * a recovery worker (recover.c decides what the record means).  The
 * journal is read at start-up and then every few seconds: the workers of
 * a former daemon that still run are adopted (watched through a pidfd),
 * unfinished records nobody works on are recovered.  The daemon itself
 * decides nothing about a domain.
 */

#include <sys/syscall.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xrelocd.h"
#include "log.h"

#define RECOVERIES_MAX	5	/* recovery workers that died, in a row */
#define JOURNAL_KEPT	256	/* ended records kept in the journal */
#define JOURNAL_SLACK	32	/* more, and the sweep trims */
#define RECOVER_DELAY_MAX 60	/* s between tries the journal refused */

void
worker_record(struct xrelocd *x, struct worker *w,
    const struct reloc_sxp *body)
{
	struct reloc_record	 r;
	struct job		*j = w->job;
	unsigned		 number;

	if (reloc_record_from_sxp("worker", body, &r) < 0)
		return;
	if (w->kind == WORKER_TARGET && r.state > RELOC_MS_HELLO)
		worker_hello_done(x, w);
	/* A target before HELLO has no migration yet. */
	if (r.id[0] == '\0')
		goto out;
	if (j == NULL) {
		if ((j = job_take_record(x, &r)) == NULL)
			goto out;
		j->worker = w;
		j->phase = JOB_RUNNING;
		w->job = j;
	} else {
		number = j->rec.job;
		if (reloc_record_copy(&j->rec, &r) < 0)
			goto out;
		j->rec.job = number;
	}
	job_changed(x, j);
out:
	reloc_record_dispose(&r);
}

/* The journal's copy of j's record replaces ours: it is the truth. */
static void
job_reread(struct xrelocd *x, struct job *j)
{
	struct reloc_record	r;
	unsigned		number = j->rec.job;

	if (j->rec.id[0] == '\0' || reloc_journal_get(x->state_dir,
	    j->rec.id, j->rec.role, &r) < 0)
		return;
	if (reloc_record_copy(&j->rec, &r) == 0)
		j->rec.job = number;
	reloc_record_dispose(&r);
}

static void job_recover(struct xrelocd *, struct job *, const char *);

/* The backoff ended: try the recovery again, unless one runs already. */
static void
recover_retry_cb(evutil_socket_t fd, short events, void *arg)
{
	struct job	*j = arg;

	(void)fd;
	(void)events;
	if (j->worker != NULL || j->adopted != 0 ||
	    reloc_record_final(&j->rec))
		return;
	j->recover_rc = 0;
	job_recover(j->x, j, "its journal refused it before");
}

/*
 * j's recovery could not be journaled (a full, read-only or failing
 * state directory): that lasts, so the next try waits 1 s, then twice as
 * long each time up to RECOVER_DELAY_MAX.  xm recover may go sooner.
 */
static void
recover_later(struct xrelocd *x, struct job *j)
{
	struct timeval	tv = { 0, 0 };

	tv.tv_sec = job_backoff_s(++j->recover_tries, RECOVER_DELAY_MAX);
	j->x = x;
	if (j->recover_ev == NULL &&
	    (j->recover_ev = evtimer_new(x->base, recover_retry_cb, j)) ==
	    NULL)
		return;
	evtimer_add(j->recover_ev, &tv);
	log_warnx("worker", "job %u (%s %s, migration %s): cannot journal "
	    "its recovery in %s (%s): next try in %d s; free space on %s "
	    "(or make it writable), then 'xm recover %s'", j->rec.job,
	    reloc_role_name(j->rec.role), j->rec.domain, j->rec.id,
	    x->state_dir, reloc_strerror(j->recover_rc), (int)tv.tv_sec,
	    x->state_dir, j->rec.domain);
	snprintf(j->rec.message, sizeof(j->rec.message), "recovery of "
	    "migration %s waits: cannot journal in %s (%s); free space "
	    "there, then 'xm recover %s'", j->rec.id, x->state_dir,
	    reloc_strerror(j->recover_rc), j->rec.domain);
}

/* Nobody works on j's unfinished record: a recovery worker will. */
static void
job_recover(struct xrelocd *x, struct job *j, const char *why)
{
	if (x->stopping)
		return;
	if (j->recover_rc < 0) {
		recover_later(x, j);
		return;
	}
	/* A try is due later already. */
	if (j->recover_ev != NULL && evtimer_pending(j->recover_ev, NULL))
		return;
	if (j->recoveries >= RECOVERIES_MAX) {
		snprintf(j->rec.message, sizeof(j->rec.message), "recovery "
		    "of migration %s failed %u times (see the log): %s is "
		    "left as it is; 'xm recover %s' when the cause is fixed",
		    j->rec.id, j->recoveries, j->rec.domain, j->rec.domain);
		return;
	}
	log_warnx("worker", "job %u (%s %s, migration %s): %s in state %s: "
	    "recovering", j->rec.job, reloc_role_name(j->rec.role),
	    j->rec.domain, j->rec.id, why, reloc_mstate_name(j->rec.state));
	if (worker_start_recover(x, j) < 0)
		log_warnx("worker", "job %u: cannot start recovery now; the "
		    "journal keeps it for the next try", j->rec.job);
}

static void
admin_ended(struct xrelocd *x, struct job *j, int status)
{
	j->admin.denied = WIFEXITED(status) &&
	    WEXITSTATUS(status) == WORKER_EXIT_DENIED;
	j->admin.asked = j->admin.running = false;
	j->admin.ended = true;
	job_changed(x, j);
	j->admin.ended = false;
}

void
worker_ended(struct xrelocd *x, struct worker *w, int status)
{
	struct job	*j = w->job;
	bool		 crashed = !WIFEXITED(status) ||
			    WEXITSTATUS(status) == WORKER_EXIT_SETUP;

	if (crashed)
		log_warnx("worker", "worker[%s] pid %ld ended abnormally (%s "
		    "%d)", j != NULL ? j->rec.domain : w->peer, (long)w->pid,
		    WIFSIGNALED(status) ? "signal" : "exit",
		    WIFSIGNALED(status) ? WTERMSIG(status) :
		    WEXITSTATUS(status));
	if (j == NULL)
		return;
	j->worker = NULL;
	job_reread(x, j);
	if (w->kind == WORKER_SOURCE && WIFEXITED(status) &&
	    WEXITSTATUS(status) == WORKER_EXIT_BUSY &&
	    j->rec.state == RELOC_MS_WAITING) {
		job_busy(x, j);
		return;
	}
	/* Refused by the journal is not a recovery that died. */
	if (w->kind == WORKER_RECOVER && j->recover_rc == 0) {
		j->recoveries = crashed ? j->recoveries + 1 : 0;
		j->recover_tries = 0;
	}
	if (j->admin.running) {
		admin_ended(x, j, status);
		if (!reloc_record_final(&j->rec))
			job_recover(x, j, "xm recover was refused");
		return;
	}
	if (j->admin.asked) {
		/* The resolver stopped for xm recover: its turn now. */
		j->admin.running = true;
		if (worker_start_recover(x, j) < 0)
			admin_ended(x, j, W_EXITCODE(WORKER_EXIT_SETUP, 0));
		return;
	}
	if (!reloc_record_final(&j->rec))
		job_recover(x, j, crashed ? "the worker died" :
		    "the worker left it unfinished");
	job_changed(x, j);
}

/* ---------------------------------------------------------------- adoption */

struct adopted {
	struct xrelocd	*x;
	struct job	*j;
};

static void
adopted_cb(evutil_socket_t fd, short events, void *arg)
{
	struct adopted	*a = arg;
	struct xrelocd	*x = a->x;
	struct job	*j = a->j;

	(void)events;
	free(a);
	event_free(j->pidfd_ev);
	j->pidfd_ev = NULL;
	close(fd);
	j->pidfd = -1;
	log_info("worker", "job %u: the adopted worker pid %ld ended",
	    j->rec.job, (long)j->adopted);
	j->adopted = 0;
	job_reread(x, j);
	if (!reloc_record_final(&j->rec) || j->admin.asked) {
		if (j->admin.asked) {
			j->admin.running = true;
			if (worker_start_recover(x, j) < 0)
				admin_ended(x, j, W_EXITCODE(WORKER_EXIT_SETUP,
				    0));
			return;
		}
		job_recover(x, j, "the adopted worker ended");
	}
	job_changed(x, j);
}

/*
 * A worker of a former daemon still holds j: watch it end (pidfd, Linux
 * 5.3) and take its record from the journal then.  -1 if it is gone.
 */
static int
adopt(struct xrelocd *x, struct job *j)
{
	struct adopted	*a;
	int		 fd;

	fd = (int)syscall(SYS_pidfd_open, (pid_t)j->rec.pid, 0);
	if (fd == -1)
		return -1;
	/* The pid may have been reused before the pidfd was opened. */
	if (!reloc_pid_alive((pid_t)j->rec.pid, j->rec.pid_start) ||
	    (a = calloc(1, sizeof(*a))) == NULL) {
		close(fd);
		return -1;
	}
	a->x = x;
	a->j = j;
	j->pidfd_ev = event_new(x->base, fd, EV_READ, adopted_cb, a);
	if (j->pidfd_ev == NULL || event_add(j->pidfd_ev, NULL) < 0) {
		free(a);
		close(fd);
		return -1;
	}
	j->pidfd = fd;
	j->adopted = (pid_t)j->rec.pid;
	j->phase = JOB_RUNNING;
	log_warnx("worker", "job %u (%s %s, migration %s): adopted the "
	    "worker pid %ld of a former xrelocd, in state %s", j->rec.job,
	    reloc_role_name(j->rec.role), j->rec.domain, j->rec.id,
	    (long)j->adopted, reloc_mstate_name(j->rec.state));
	return 0;
}

/* ---------------------------------------------------------------- sweep */

/* An unfinished record from the journal: adopt, recover, or leave. */
static void
sweep_one(struct xrelocd *x, const struct reloc_record *r)
{
	struct job	*j = job_by_record(x, r->id, r->role);
	bool		 fresh = j == NULL;

	if (j != NULL && (j->worker != NULL || j->phase == JOB_WAITING ||
	    j->phase == JOB_QUEUED))
		return;
	/* Our own worker, whose first record is still on its way. */
	if (r->pid != 0 && worker_by_pid(x, (pid_t)r->pid) != NULL)
		return;
	if (j != NULL && j->pidfd >= 0) {
		/* Adopted: show what its worker journaled. */
		if (r->state != j->rec.state || r->queries != j->rec.queries) {
			job_take_record(x, r);
			job_changed(x, j);
		}
		return;
	}
	if (j != NULL && j->admin.asked)
		return;
	if ((j = job_take_record(x, r)) == NULL)
		return;
	if (r->pid != 0 && reloc_pid_alive((pid_t)r->pid, r->pid_start) &&
	    adopt(x, j) == 0) {
		job_changed(x, j);
		return;
	}
	if (!fresh && j->recoveries >= RECOVERIES_MAX)
		return;
	j->phase = JOB_RUNNING;
	job_recover(x, j, fresh ? "found unfinished in the journal" :
	    "nobody works on it");
	job_changed(x, j);
}

void
journal_sweep(struct xrelocd *x, bool startup)
{
	struct reloc_record	*recs = NULL;
	struct job		*j;
	size_t			 n = 0, i;

	if (startup)
		(void)reloc_journal_trim(x->state_dir, JOURNAL_KEPT);
	if (reloc_journal_list(x->state_dir, &recs, &n) < 0)
		return;
	/* A long-lived daemon's ended records: keep the newest. */
	if (n > JOURNAL_KEPT + JOURNAL_SLACK)
		(void)reloc_journal_trim(x->state_dir, JOURNAL_KEPT);
	for (i = 0; i < n; i++) {
		if (!reloc_record_final(&recs[i]))
			sweep_one(x, &recs[i]);
		else if (startup && job_by_record(x, recs[i].id,
		    recs[i].role) == NULL &&
		    (j = job_take_record(x, &recs[i])) != NULL)
			job_changed(x, j);
		reloc_record_dispose(&recs[i]);
	}
	free(recs);
}
