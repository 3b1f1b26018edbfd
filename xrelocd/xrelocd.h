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
 * The daemon's shared state and the prototypes of its files: startup and
 * signals (xrelocd.c), the relocation listener (listen.c), the control
 * socket (control.c, control_methods.c), SIGHUP (reload.c), jobs (jobs.c)
 * and migration workers (worker.c, worker_child.c).
 */

#ifndef XRELOCD_H
#define XRELOCD_H

#include <sys/queue.h>
#include <sys/types.h>

#include <stdbool.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "reloc.h"

#ifndef TAILQ_FOREACH_SAFE
#define TAILQ_FOREACH_SAFE(var, head, field, tvar)			\
	for ((var) = TAILQ_FIRST(head);					\
	    (var) != NULL && ((tvar) = TAILQ_NEXT(var, field), 1);	\
	    (var) = (tvar))
#endif

struct worker;
struct job;
struct ctl_conn;

/* The relocation listeners of one configuration (none when it is off). */
struct listen_set {
	struct evconnlistener	*lis[8];
	size_t			 nr;
	int			 family;	/* 0: any */
};

/* Why opening something failed: its errno and one line for the log. */
struct xrelocd_why {
	int	err;
	char	msg[512];
};

struct xrelocd {
	struct event_base		*base;
	struct reloc_conf		*conf;
	const char			*conf_path;
	bool				 foreground;
	bool				 verbose;	/* -v */
	const struct reloc_hv_ops	*hv;
	void				*hv_priv;
	struct listen_set		 reloc;
	struct evconnlistener		*ctl_lis;
	struct event			*sig_ev[4];
	struct event			*pause_ev;	/* EMFILE backoff */
	TAILQ_HEAD(, worker)		 workers;
	TAILQ_HEAD(, job)		 jobs;
	unsigned			 next_job;
	unsigned			 pending;	/* before HELLO */
	bool				 stopping;
};

/* Worker exit statuses, listed in xrelocd(8). */
#define WORKER_EXIT_MOVED	0	/* moved, received, or checked */
#define WORKER_EXIT_FAILED	1	/* failed; the domain is where it was */
#define WORKER_EXIT_SETUP	2	/* could not start (backend, fds) */
#define WORKER_EXIT_UNKNOWN	3	/* handshake broke after GO */

/* xrelocd.c */
int	xrelocd_main(int argc, char *argv[]);
void	xrelocd_log_init(bool foreground);
/* Tag every later log line, e.g. "worker[web01]" in a worker. */
void	xrelocd_log_tag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	xrelocd_check_stop(struct xrelocd *x);
void	xrelocd_why_set(struct xrelocd_why *why, int err, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	xrelocd_log_level(const struct xrelocd *x,
	    const struct reloc_conf *conf);
int	xrelocd_pidfile_write(const char *path, struct xrelocd_why *why);

/* reload.c */
/* SIGHUP: apply the file whole, or change nothing and log why. */
void	reload(struct xrelocd *x);

/* listen.c */
/* Open the listeners CONF asks for into SET; on failure SET is empty. */
int	listen_open(struct xrelocd *x, const struct reloc_conf *conf,
	    struct listen_set *set, struct xrelocd_why *why);
void	listen_close(struct listen_set *set);
/* Both ask for the same listeners: a reload keeps the running ones. */
bool	listen_same(const struct reloc_conf *a, const struct reloc_conf *b);
void	listen_announce(struct xrelocd *x);
void	listen_stop(struct xrelocd *x);

/* control.c */
/* Bind the control socket PATH; the caller owns the listener. */
int	control_open(struct xrelocd *x, const char *path,
	    struct evconnlistener **lis_r, struct xrelocd_why *why);
/* Serve on LIS from now on; close the old socket, keep its clients. */
void	control_swap(struct xrelocd *x, struct evconnlistener *lis);
void	control_stop(struct xrelocd *x);
/* Something of J changed (job_changed): answer the calls parked on it. */
void	control_job_changed(struct xrelocd *x, struct job *j);
/*
 * Park the call of C on J until J ends (UNTIL_END: xend.domain.migrate),
 * or until J's next change or TIMEOUT_S seconds, whichever comes first
 * (xrelocd.job.wait).  -1 if the timer cannot be made.
 */
int	control_conn_park(struct ctl_conn *c, struct job *j, bool until_end,
	    int timeout_s);

/* control_methods.c */
struct reloc_xv;
int	control_dispatch(struct xrelocd *x, struct ctl_conn *c,
	    const char *method, const struct reloc_xv *params,
	    struct reloc_xv **result_r, int *fault_r, char **fault_msg_r);
/*
 * The answer to a call parked on J: 0 or J's fault for xend.domain.migrate
 * (UNTIL_END), J's struct for xrelocd.job.wait.  The caller frees both.
 */
void	control_parked_answer(const struct job *j, bool until_end,
	    struct reloc_xv **result_r, int *fault_r, char **fault_msg_r);

/* jobs.c */
enum job_phase {
	JOB_QUEUED,
	JOB_RUNNING,
	JOB_ENDED,
};

struct job_opts {
	char		*domain;	/* typed; its name once resolved */
	char		 uuid[37];	/* set by job_resolve */
	bool		 was_paused;	/* when resolved */
	char		*host;
	char		*port;
	bool		 live;
	bool		 check;
	bool		 high;
	unsigned	 rate_mbps;
	char		**force;
	size_t		 nr_force;
};

struct job {
	TAILQ_ENTRY(job)	 entry;
	unsigned		 id;
	struct job_opts		 o;
	enum job_phase		 phase;
	enum reloc_mstate	 mstate;
	int			 exit;		/* -1 while running */
	char			 message[1024];
	struct reloc_verdict	 verdict;
	struct reloc_progress	 progress;
	struct reloc_summary	 summary;
	bool			 has_summary;
	bool			 was_paused;	/* and so after a failure */
	struct worker		*worker;
	unsigned		 waiters;	/* blocked control calls */
	unsigned		 version;	/* bumped by job_changed */
};

int	job_resolve(struct xrelocd *x, struct job_opts *o);
struct job *job_holding(struct xrelocd *x, const char *uuid);
int	job_submit(struct xrelocd *x, struct job_opts *o, struct job **job_r);
struct job *job_find(struct xrelocd *x, unsigned id);
void	job_schedule(struct xrelocd *x);
void	job_ended(struct xrelocd *x, struct job *j, int exit_code,
	    const char *message);
/* What xm sees of J changed: bump its version, wake its parked calls. */
void	job_changed(struct xrelocd *x, struct job *j);
void	job_opts_dispose(struct job_opts *o);
const char *job_state_name(const struct job *j);
void	job_free_all(struct xrelocd *x);

/* worker.c */
enum worker_kind {
	WORKER_SOURCE,
	WORKER_TARGET,
};

struct worker {
	TAILQ_ENTRY(worker)	 entry;
	struct xrelocd		*x;
	enum worker_kind	 kind;
	pid_t			 pid;
	struct bufferevent	*status;	/* messages from the child */
	struct event		*hello_timer;
	bool			 hello_done;
	enum reloc_mstate	 mstate;
	char			 domain[256];
	long			 domid;		/* its copy here, or -1 */
	char			 peer[128];
	struct job		*job;		/* source workers */
	bool			 got_result;
};

int	worker_start_source(struct xrelocd *x, struct job *j);
int	worker_start_target(struct xrelocd *x, int fd, const char *peer,
	    bool check_name);
void	worker_reap(struct xrelocd *x);
void	worker_kill_all(struct xrelocd *x, int sig);
unsigned worker_count(const struct xrelocd *x, enum worker_kind kind);
/* A target worker finished HELLO: it no longer counts as pending. */
void	worker_hello_done(struct xrelocd *x, struct worker *w);

/* worker_child.c */
void	worker_child_source(struct xrelocd *x, struct job *j, int statusfd)
	    __attribute__((noreturn));
void	worker_child_target(struct xrelocd *x, int fd, const char *peer,
	    bool check_name, int statusfd) __attribute__((noreturn));
/* worker_recover.c */
void	worker_recover(struct xrelocd *x, struct worker *w, int status);
int	worker_status_apply(struct xrelocd *x, struct worker *w,
	    enum reloc_msg_type type, const struct reloc_sxp *body);

#endif /* XRELOCD_H */
