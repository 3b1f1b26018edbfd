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
 * Cancelling a source job before GO: a queued or waiting job is ended
 * where it stands; a running one loses its worker, and the failure path
 * the journal already follows (recover.c) leaves the domain running here
 * as before.  From GO on the domain may be the target's: too late.
 */

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "xrelocd.h"
#include "log.h"

/* Why J cannot be cancelled (any more), in WHY; NULL when it can. */
static const char *
cancel_refused(const struct job *j, char *why, size_t len)
{
	if (j->phase == JOB_ENDED)
		snprintf(why, len, "job %u (%s to %s) has ended already: %s",
		    j->rec.job, j->rec.domain, j->rec.peer, job_state_name(j));
	else if (j->rec.role != RELOC_ROLE_SOURCE)
		snprintf(why, len, "job %u receives %s from %s: cancel it on "
		    "the source host", j->rec.job, j->rec.domain, j->rec.peer);
	else if (j->rec.go || j->rec.state >= RELOC_MS_RESOLVING)
		snprintf(why, len, "too late to cancel job %u: GO was sent "
		    "for %s, which %s may run now; the migration goes on to "
		    "its end (see 'xm jobs')", j->rec.job, j->rec.domain,
		    j->rec.peer);
	else if (j->phase == JOB_RUNNING && j->worker == NULL &&
	    j->adopted != 0)
		snprintf(why, len, "job %u (%s) runs in a worker that an "
		    "earlier xrelocd started: it cannot be cancelled; see 'xm "
		    "jobs'", j->rec.job, j->rec.domain);
	else if (j->phase == JOB_RUNNING && j->worker == NULL)
		snprintf(why, len, "job %u (%s) is being recovered after its "
		    "worker ended: nothing to cancel; see 'xm jobs'",
		    j->rec.job, j->rec.domain);
	else
		return NULL;
	return why;
}

/* Never started, or waiting out a busy target: end it now. */
static void
cancel_unstarted(struct xrelocd *x, struct job *j)
{
	char	msg[sizeof(j->rec.message)];
	bool	journaled = j->phase == JOB_WAITING;

	if (j->retry_ev != NULL)
		evtimer_del(j->retry_ev);
	snprintf(msg, sizeof(msg), "cancelled while %s (xm migrate "
	    "--cancel); %.200s was not touched and runs here as before",
	    job_state_name(j), j->rec.domain);
	job_ended(x, j, RELOC_OUT_FAILED, msg);
	/* A busy answer left the worker's record waiting in the journal. */
	if (journaled && x->state_dir != NULL)
		(void)reloc_journal_put(x->state_dir, &j->rec);
}

int
jobs_cancel(struct xrelocd *x, struct job *j, char *why, size_t len)
{
	if (cancel_refused(j, why, len) != NULL) {
		log_info("jobs", "job %u: not cancelled: %s", j->rec.job, why);
		return j->phase == JOB_ENDED ? RELOC_ERR_INVAL :
		    RELOC_ERR_DENIED;
	}
	log_info("jobs", "job %u: %s to %s cancelled by the admin while %s",
	    j->rec.job, j->rec.domain, j->rec.peer, job_state_name(j));
	if (j->phase != JOB_RUNNING) {
		cancel_unstarted(x, j);
		job_schedule(x);
		return 0;
	}
	/*
	 * Before GO the journal's record decides as for any worker that
	 * dies: the target drops its copy when the connection goes, and
	 * the recovery resumes the domain here if it was suspended.
	 */
	/* Never a pid of 0 or less: kill(2) would take a whole group. */
	if (j->worker->pid <= 0) {
		snprintf(why, len, "job %u has no worker process to stop yet; "
		    "try again", j->rec.job);
		return RELOC_ERR_INVAL;
	}
	j->cancelled = true;
	if (kill(j->worker->pid, SIGKILL) == -1) {
		log_warn("jobs", "job %u: cannot stop worker pid %ld",
		    j->rec.job, (long)j->worker->pid);
		snprintf(why, len, "cannot stop the worker of job %u; see "
		    "the daemon's log", j->rec.job);
		return RELOC_ERR_IO;
	}
	return 0;
}

void
jobs_cancel_note(struct xrelocd *x, struct job *j)
{
	char	msg[sizeof(j->rec.message)];

	if (!j->cancelled || strncmp(j->rec.message, "cancelled", 9) == 0 ||
	    strncmp(j->rec.message, "too late", 8) == 0)
		return;
	snprintf(msg, sizeof(msg), "%s", j->rec.message);
	snprintf(j->rec.message, sizeof(j->rec.message), "%s: %.900s",
	    j->rec.outcome == RELOC_OUT_FAILED ? "cancelled (xm migrate "
	    "--cancel)" : "too late to cancel (GO had been sent)", msg);
	/* The journal is read again later: it says so too. */
	if (x->state_dir != NULL)
		(void)reloc_journal_put(x->state_dir, &j->rec);
}
