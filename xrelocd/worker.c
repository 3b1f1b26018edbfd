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
 * Migration workers: one process per migration (and one per recovery), so
 * a crash in one never takes the daemon down.  The parent reads the
 * child's record from a socketpair (the worker channel) and reaps it on
 * SIGCHLD.  A source or recovery worker starts only once the parent has
 * journaled its pid, so that a daemon started after a crash finds it.
 */

#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "xrelocd.h"
#include "log.h"

struct worker *
worker_by_pid(struct xrelocd *x, pid_t pid)
{
	struct worker	*w;

	TAILQ_FOREACH(w, &x->workers, entry)
		if (w->pid == pid)
			return w;
	return NULL;
}

unsigned
worker_count(const struct xrelocd *x, enum worker_kind kind)
{
	const struct worker	*w;
	unsigned		 n = 0;

	TAILQ_FOREACH(w, &x->workers, entry)
		if (w->kind == kind)
			n++;
	return n;
}

/* Decode every whole message the child sent. */
static void
status_read_cb(struct bufferevent *bev, void *arg)
{
	struct worker		*w = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	enum reloc_wmsg_type	 type;
	struct reloc_sxp	*body;
	size_t			 len, used;
	uint8_t			*data;

	while ((len = evbuffer_get_length(in)) > 0) {
		data = evbuffer_pullup(in, -1);
		if (reloc_wchan_decode(data, len, &type, &body, &used) < 0)
			return;
		evbuffer_drain(in, used);
		if (type == RELOC_WMSG_RECORD)
			worker_record(w->x, w, body);
		else if (type == RELOC_WMSG_ADMIT && w->kind == WORKER_TARGET) {
			char c = worker_admit(w->x, w, body);

			bufferevent_write(bev, &c, 1);
		} else if (type == RELOC_WMSG_JOINED &&
		    w->kind == WORKER_TARGET)
			worker_joined(w->x, w, body);
		reloc_sxp_free(body);
	}
}

/* The child closed its end (it exited): wait for SIGCHLD. */
static void
status_event_cb(struct bufferevent *bev, short events, void *arg)
{
	struct worker	*w = arg;

	(void)bev;
	if (events & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		bufferevent_free(w->status);
		w->status = NULL;
	}
}

/* A target worker that has not finished HELLO in time is killed. */
static void
hello_timeout_cb(evutil_socket_t fd, short events, void *arg)
{
	struct worker	*w = arg;

	(void)fd;
	(void)events;
	if (w->hello_done)
		return;
	ratelog_note(&w->x->closed, w->addr, w->peer, "no HELLO within %lds "
	    "(xrelocd-hello-timeout)", reloc_conf_int(w->x->conf,
	    RELOC_CK_HELLO_TIMEOUT));
	w->hello_killed = true;
	kill(w->pid, SIGKILL);
}

static struct worker *
worker_new(struct xrelocd *x, enum worker_kind kind, const char *peer)
{
	struct worker	*w;

	if ((w = calloc(1, sizeof(*w))) == NULL) {
		log_warn("worker", "calloc");
		return NULL;
	}
	w->x = x;
	w->kind = kind;
	snprintf(w->peer, sizeof(w->peer), "%s", peer);
	return w;
}

static void
worker_free(struct worker *w)
{
	if (w->status != NULL)
		bufferevent_free(w->status);
	if (w->hello_timer != NULL)
		event_free(w->hello_timer);
	free(w);
}

/*
 * Fork with every signal blocked, so the child cannot run the parent's
 * handlers before it has reset them.  The backend's postfork hook comes
 * first in the child: libxl allows nothing, SIGCHLD included, before it.
 */
pid_t
worker_fork(struct xrelocd *x, int sv[2])
{
	sigset_t	all, old;
	pid_t		pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		log_warn("worker", "socketpair");
		return -1;
	}
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	if ((pid = fork()) == -1) {
		log_warn("worker", "fork");
		close(sv[0]);
		close(sv[1]);
	} else if (pid == 0) {
		static const int sigs[] = { SIGCHLD, SIGHUP, SIGTERM, SIGINT };
		size_t		 i;

		if (x->hv->postfork_child != NULL)
			x->hv->postfork_child(x->hv_priv);
		x->hv_priv = NULL;
		reloc_hv_sigchld_owned(false);
		for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
			signal(sigs[i], SIG_DFL);
		signal(SIGPIPE, SIG_IGN);
		close(sv[0]);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return pid;
}

/* Parent side: watch the child's status socket. */
static int
worker_attach(struct xrelocd *x, struct worker *w, pid_t pid, int fd)
{
	w->pid = pid;
	evutil_make_socket_nonblocking(fd);
	w->status = bufferevent_socket_new(x->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (w->status == NULL) {
		close(fd);
		return -1;
	}
	bufferevent_setcb(w->status, status_read_cb, NULL, status_event_cb, w);
	bufferevent_enable(w->status, EV_READ);
	TAILQ_INSERT_TAIL(&x->workers, w, entry);
	return 0;
}

/*
 * The parent's half of a source or recovery worker's start: journal the
 * job with the child's pid, then let the child go (one byte).  Without
 * the journal the child is killed before it did anything.
 */
static int
worker_release(struct xrelocd *x, struct job *j, pid_t pid, int fd)
{
	int	rc;

	j->rec.pid = pid;
	j->rec.pid_start = reloc_pid_start(pid);
	if ((rc = reloc_journal_put(x->state_dir, &j->rec)) < 0 ||
	    write(fd, "g", 1) != 1) {
		log_warnx("worker", "job %u: cannot journal migration %s in "
		    "%s (%s): its worker is stopped before it starts",
		    j->rec.job, j->rec.id, x->state_dir, reloc_strerror(rc));
		kill(pid, SIGKILL);
		/* A migration that never began ends here; a recovery waits. */
		if (j->rec.role == RELOC_ROLE_SOURCE &&
		    j->rec.state <= RELOC_MS_CONNECTING) {
			j->rec.outcome = RELOC_OUT_FAILED;
			j->rec.state = RELOC_MS_FAILED;
			snprintf(j->rec.message, sizeof(j->rec.message),
			    "cannot journal the migration in %s (%s): "
			    "xrelocd-state-dir must be writable; %s was not "
			    "touched", x->state_dir, reloc_strerror(rc),
			    j->rec.domain);
		} else
			j->recover_rc = rc < 0 ? rc : RELOC_ERR_IO;
		return -1;
	}
	return 0;
}

static int
worker_start_job(struct xrelocd *x, struct job *j, enum worker_kind kind)
{
	struct worker	*w;
	int		 sv[2];
	pid_t		 pid;

	if ((w = worker_new(x, kind, j->rec.peer)) == NULL)
		return -1;
	w->job = j;
	w->hello_done = true;
	if ((pid = worker_fork(x, sv)) == -1) {
		worker_free(w);
		return -1;
	}
	if (pid == 0) {
		if (kind == WORKER_SOURCE)
			worker_child_source(x, j, sv[1]);
		worker_child_recover(x, j, sv[1]);
	}
	close(sv[1]);
	j->worker = w;
	j->phase = JOB_RUNNING;
	if (worker_attach(x, w, pid, sv[0]) < 0)
		return -1;
	if (worker_release(x, j, pid, bufferevent_getfd(w->status)) < 0)
		return 0;	/* reaped as a worker that died at once */
	log_info("worker", "worker[%s] pid %ld: %s %s, migration %s",
	    j->rec.domain, (long)pid, kind == WORKER_SOURCE ?
	    "migrating to" : j->admin.asked ? "xm recover, asking" :
	    "recovering, with", j->rec.peer, j->rec.id);
	return 0;
}

int
worker_start_source(struct xrelocd *x, struct job *j)
{
	return worker_start_job(x, j, WORKER_SOURCE);
}

int
worker_start_recover(struct xrelocd *x, struct job *j)
{
	return worker_start_job(x, j, WORKER_RECOVER);
}

int
worker_start_target(struct xrelocd *x, int fd, const char *peer,
    const char *addr, struct reloc_tls *tls, int hello_ms)
{
	struct worker	*w;
	struct timeval	 tv;
	int		 sv[2];
	pid_t		 pid;

	if ((w = worker_new(x, WORKER_TARGET, peer)) == NULL)
		return -1;
	snprintf(w->addr, sizeof(w->addr), "%s", addr);
	if ((pid = worker_fork(x, sv)) == -1) {
		worker_free(w);
		return -1;
	}
	if (pid == 0)
		worker_child_target(x, fd, peer, sv[1], tls);
	close(sv[1]);
	log_info("worker", "target worker pid %ld for %s%s", (long)pid, peer,
	    tls != NULL ? " (tls)" : "");
	tv.tv_sec = hello_ms / 1000;
	tv.tv_usec = (hello_ms % 1000) * 1000;
	w->hello_timer = evtimer_new(x->base, hello_timeout_cb, w);
	if (w->hello_timer != NULL)
		evtimer_add(w->hello_timer, &tv);
	x->pending++;
	return worker_attach(x, w, pid, sv[0]);
}

/*
 * SIGCHLD: reap every worker that has exited.  By pid, not waitpid(-1):
 * the backend (libxl) may have children of its own to reap.
 */
void
worker_reap(struct xrelocd *x)
{
	struct worker	*w, *tmp;
	int		 status;

	TAILQ_FOREACH_SAFE(w, &x->workers, entry, tmp) {
		if (waitpid(w->pid, &status, WNOHANG) != w->pid)
			continue;
		/* Read what the child said before it went. */
		if (w->status != NULL)
			status_read_cb(w->status, w);
		TAILQ_REMOVE(&x->workers, w, entry);
		if (!w->hello_done && x->pending > 0)
			x->pending--;
		/* Killed for want of HELLO: that is logged already. */
		if (!w->hello_killed || w->job != NULL)
			worker_ended(x, w, status);
		worker_free(w);
	}
	listen_name_reap(x);
	job_schedule(x);
	xrelocd_check_stop(x);
}

void
worker_kill_all(struct xrelocd *x, int sig)
{
	struct worker	*w;

	TAILQ_FOREACH(w, &x->workers, entry)
		kill(w->pid, sig);
}

void
worker_stop_resolving(struct xrelocd *x)
{
	struct worker	*w;

	TAILQ_FOREACH(w, &x->workers, entry)
		if (w->kind == WORKER_RECOVER || (w->job != NULL &&
		    w->job->rec.state == RELOC_MS_RESOLVING))
			kill(w->pid, SIGTERM);
}

void
worker_hello_done(struct xrelocd *x, struct worker *w)
{
	if (w->hello_done)
		return;
	w->hello_done = true;
	if (x->pending > 0)
		x->pending--;
}

/*
 * A target worker's connection is an extra stream of another migration
 * (a JOIN): never counted as an incoming migration, out of the HELLO
 * caps from now on; a JOIN that matched nothing is logged as a refusal.
 */
void
worker_joined(struct xrelocd *x, struct worker *w,
    const struct reloc_sxp *body)
{
	const char	*why = reloc_sxp_value(body, "refused");

	worker_hello_done(x, w);
	if (why != NULL)
		ratelog_note(&x->refused, w->addr, w->peer, "%s", why);
}
