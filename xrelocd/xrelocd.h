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
 * socket (control.c, control_methods.c, control_args.c), SIGHUP
 * (reload.c), jobs (jobs.c) and migration workers (worker.c,
 * worker_child.c).
 */

#ifndef XRELOCD_H
#define XRELOCD_H

#include <sys/queue.h>
#include <sys/socket.h>
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
struct xrelocd;

/*
 * How the job list reaches the rest of the daemon without calling it:
 * start a worker for a job, and tell whoever follows jobs (the control
 * socket) that one changed.  Set once at start-up; tests set their own.
 */
struct job_hooks {
	int	(*start)(struct xrelocd *x, struct job *j);
	void	(*changed)(struct xrelocd *x, struct job *j);
};

/* The relocation listeners of one configuration (none when it is off). */
struct listen_set {
	struct evconnlistener	*lis[8];
	size_t			 nr;
	size_t			 tls_from;	/* lis[tls_from..]: the TLS
						   port's */
	int			 family;	/* 0: any */
};

/*
 * A warning that floods (refused connections) logged at most once per
 * source and interval, then summed up (ratelog.c).
 */
#define RATELOG_KEYS	16
struct ratelog_key {
	char			key[64];	/* the source: an address */
	struct reloc_log_rate	rate;		/* 1 line, then counted */
	char			why[200];	/* the last one's reason */
};

struct ratelog {
	const char		*mod;
	const char		*verb;		/* "refused" */
	const char		*noun;		/* "connection" */
	const char		*nouns;		/* "connections" */
	int			 interval;	/* seconds */
	struct event		*ev;		/* the interval's end */
	struct ratelog_key	 keys[RATELOG_KEYS];
	size_t			 nkeys;
	unsigned		 others;	/* from sources not kept */
};

struct lookup;
struct gate;

/* Why opening something failed: its errno and one line for the log. */
struct xrelocd_why {
	int	err;
	char	msg[512];
};

/*
 * High-priority migrations this target told busy: the next free slots
 * are theirs for ADMIT_CLAIM_HOLD_S seconds after each try (admit.c).
 */
#define ADMIT_CLAIMS_MAX	64
#define ADMIT_CLAIM_HOLD_S	20
struct admit_claim {
	char		 id[40];	/* migration id */
	char		 peer[256];	/* "addr:port" of its last try */
	bool		 host;		/* refused by the host's cap, not
					   only by its peer's */
	int64_t		 until_s;	/* CLOCK_MONOTONIC */
};
struct admit_claims {
	struct admit_claim c[ADMIT_CLAIMS_MAX];
	unsigned	 n;
};

struct xrelocd {
	struct event_base		*base;
	struct reloc_conf		*conf;
	const char			*conf_path;
	struct reloc_tls_ctx		*tls_ctx;	/* or NULL: no TLS */
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
	const struct job_hooks		*job_hooks;
	unsigned			 next_job;
	char				*state_dir;	/* journal, as started */
	char				*lane_dir;	/* the control socket's
							   directory, as started:
							   where streams join */
	struct event			*sweep_ev;
	struct event			*watch_ev;	/* stuck workers */
	unsigned			 pending;	/* before HELLO */
	LIST_HEAD(, lookup)		 lookups;	/* peers' names */
	LIST_HEAD(, gate)		 gates;		/* TLS handshakes */
	unsigned			 nr_lookups;	/* still holding one */
	struct ratelog			 refused;	/* connections */
	struct ratelog			 closed;	/* no HELLO in time */
	struct admit_claims		 claims;	/* admit.c */
	bool				 stopping;
};

/* Worker exit statuses, listed in xrelocd(8). */
#define WORKER_EXIT_MOVED	0	/* moved, received, or checked */
#define WORKER_EXIT_FAILED	1	/* failed; the domain is where it was */
#define WORKER_EXIT_SETUP	2	/* could not start (backend, fds) */
#define WORKER_EXIT_UNKNOWN	3	/* handshake broke after GO */
#define WORKER_EXIT_DENIED	4	/* xm recover refused */
#define WORKER_EXIT_BUSY	5	/* the target was busy before HELLO:
					   nothing moved, try again */

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

/* ratelog.c */
/* Log as MOD: "VERB NOUN from PEER: why", "VERB n more NOUNS from KEY...". */
int	ratelog_init(struct ratelog *rl, struct event_base *base,
	    const char *mod, const char *verb, const char *noun,
	    const char *nouns, int interval);
/* One event from KEY (an address; PEER names it for the first line). */
void	ratelog_note(struct ratelog *rl, const char *key, const char *peer,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Log what is counted, and stop: safe to call twice. */
void	ratelog_dispose(struct ratelog *rl);

/* limits.c */
/*
 * A listener's accept failed (its error callback): log it, rate-limited,
 * and when out of descriptors or memory pause every listener for a
 * second instead of spinning.
 */
void	xrelocd_accept_error(struct xrelocd *x, struct evconnlistener *lis,
	    const char *module);
/* Every idle xm and peer costs a descriptor: take all we may. */
void	xrelocd_fd_limit_raise(void);

/* reload.c */
/* SIGHUP: apply the file whole, or change nothing and log why. */
void	reload(struct xrelocd *x);

/* The configured xrelocd-relocation-ssl-mode. */
enum reloc_tls_mode tlsctx_mode(const struct reloc_conf *conf);
/* Whether conf asks for a TLS context (a mode other than disabled and
   a TLS server, a TLS default for xm, a certificate file, or the
   required mode). */
bool	tlsctx_wanted(const struct reloc_conf *conf);
/* Build it into *ctx_r (NULL when not wanted); -1 with why on failure,
   each bad file already logged by name.  path names the config. */
int	tlsctx_build(const struct reloc_conf *conf, const char *path,
	    struct reloc_tls_ctx **ctx_r, struct xrelocd_why *why);

/* listen.c */
/* Open the listeners CONF asks for into SET; on failure SET is empty. */
int	listen_open(struct xrelocd *x, const struct reloc_conf *conf,
	    struct listen_set *set, struct xrelocd_why *why);
void	listen_close(struct listen_set *set);
/* Both ask for the same listeners: a reload keeps the running ones. */
bool	listen_same(const struct reloc_conf *a, const struct reloc_conf *b);
void	listen_announce(struct xrelocd *x);
/* Serve on SET from now on (a reload); the old listeners are closed. */
void	listen_replace(struct xrelocd *x, const struct listen_set *set);
void	listen_stop(struct xrelocd *x);
/*
 * Hand the connection FD from PEER (address ADDR) to a target worker if
 * the caps on connections before HELLO allow it, else refuse it; on the
 * TLS port, to its handshake first (listen_tls.c).  The caller keeps FD
 * and closes it.
 */
/* tls: it came in on the TLS port; name: its confirmed name, or NULL. */
void	listen_admit(struct xrelocd *x, int fd, const char *peer,
	    const char *addr, bool tls, const char *name);
/* Connections from ADDR that have not finished HELLO, lookups included. */
unsigned listen_unfinished(const struct xrelocd *x, const char *addr);

/* listen_name.c: the peers that only a name pattern may admit */
/* Look the peer's name up in a child; FD is duplicated, the caller's kept. */
int	listen_name_start(struct xrelocd *x, int fd, const struct sockaddr *sa,
	    socklen_t salen, const char *peer, const char *addr, bool tls);
/* Lookups from ADDR that still hold their connection. */
unsigned listen_name_count(const struct xrelocd *x, const char *addr);
/* SIGCHLD: reap the lookup children that ended. */
void	listen_name_reap(struct xrelocd *x);
/* Stopping: end every lookup and close its connection. */
void	listen_name_stop(struct xrelocd *x);

/* listen_tls.c: the TLS port's handshakes, in the event loop */
/*
 * Run the TLS handshake and the peer check of the connection FD (the
 * caller's, duplicated) from PEER, address ADDR, confirmed name NAME or
 * NULL; it takes a slot of xrelocd-max-pending until it ends.  A peer
 * that passes gets a target worker; a refused one the alert and a
 * close.  -1 (logged) when it cannot start.
 */
int	listen_tls_start(struct xrelocd *x, int fd, const char *peer,
	    const char *addr, const char *name);
/*
 * The plain connection FD from PEER (the caller's, duplicated), held as
 * a pending slot.  In the required mode: logged, held until it sends
 * (its HELLO) or xrelocd-hello-timeout, answered with an ERROR that says
 * to use xm migrate -s, and closed after a short drain.  Otherwise held
 * until its first byte, which must be the first of RELOC_PROTO_MAGIC;
 * then a target worker takes it with what is left of
 * xrelocd-hello-timeout.  A TLS client (a handshake record) or any other
 * first byte is logged (rate-limited per address) and closed.  A refused
 * peer gets no worker.  -1 (logged) when it cannot start.
 */
int	listen_plain_start(struct xrelocd *x, int fd, const char *peer,
	    const char *addr);
/* Handshakes from ADDR under way (and plain refusals). */
unsigned listen_tls_count(const struct xrelocd *x, const char *addr);
/*
 * Stopping: close every connection the gates hold.  A reload closes
 * none: a handshake under way keeps the context it began with.
 */
void	listen_tls_stop(struct xrelocd *x);

/* control.c */
/* Bind the control socket PATH; the caller owns the listener. */
int	control_open(struct xrelocd *x, const char *path,
	    struct evconnlistener **lis_r, struct xrelocd_why *why);
/* Serve on LIS from now on; close the old socket, keep its clients. */
void	control_swap(struct xrelocd *x, struct evconnlistener *lis);
void	control_stop(struct xrelocd *x);
/* What a parked call waits for. */
enum ctl_wait {
	CTL_WAIT_CHANGE,	/* xrelocd.job.wait: any change, or a timer */
	CTL_WAIT_END,		/* xend.domain.migrate: the outcome, or that
				   it resolves after a broken handover */
	CTL_WAIT_RECOVER,	/* xm recover: its worker's end */
};
/* Something of J changed (job_changed): answer the calls parked on it. */
void	control_job_changed(struct xrelocd *x, struct job *j);
/*
 * Park the call of C on J until it is ready (control_parked_ready); a
 * CTL_WAIT_CHANGE call also after TIMEOUT_S seconds.  -1 if the timer
 * cannot be made.
 */
int	control_conn_park(struct ctl_conn *c, struct job *j,
	    enum ctl_wait wait, int timeout_s);

/* control_methods.c */
struct reloc_xv;
int	control_dispatch(struct xrelocd *x, struct ctl_conn *c,
	    const char *method, const struct reloc_xv *params,
	    struct reloc_xv **result_r, int *fault_r, char **fault_msg_r);
/* Whether a call parked on J that waits for WAIT has its answer. */
bool	control_parked_ready(const struct job *j, enum ctl_wait wait);
/*
 * The answer to such a call: J's struct (CTL_WAIT_CHANGE), else 0 or a
 * fault with J's message.  The caller frees both.
 */
void	control_parked_answer(const struct job *j, enum ctl_wait wait,
	    struct reloc_xv **result_r, int *fault_r, char **fault_msg_r);

/* control_args.c */
/* The kinds of argument a control method takes, and their C fields. */
enum ctl_arg_kind {
	CTL_ARG_STRING,		/* const char *, borrowed from the call */
	CTL_ARG_BOOL,		/* bool: a boolean, or the int 0 or 1 */
	CTL_ARG_INT,		/* int64_t from min to max */
	CTL_ARG_PORT,		/* int64_t: 1 to 65535, or 0 (the default) */
	CTL_ARG_NAMES,		/* const struct reloc_xv *: strings, borrowed */
};

/* One positional argument or struct member: its field is at off. */
struct ctl_arg {
	const char		*name;
	enum ctl_arg_kind	 kind;
	bool			 required;
	int64_t			 min;
	int64_t			 max;
	size_t			 off;
};

/*
 * Decode the positional PARAMS (an array) of METHOD, or the members of
 * its struct ST, into the fields of OUT that SPEC (N entries, at most 32)
 * describes.  An absent or nil value leaves its field as it was (the
 * default); each one given sets bit i of *given_r (may be NULL).  A value
 * of another kind or out of range, a required one missing, more params
 * than SPEC or a member it does not name: -1, and the fault's one line
 * naming METHOD, the argument and what it must be in *why_r (malloc'ed;
 * NULL when out of memory).  Never blocks.
 */
int	control_args_params(const char *method, const struct reloc_xv *params,
	    const struct ctl_arg *spec, size_t n, void *out, uint32_t *given_r,
	    char **why_r);
int	control_args_struct(const char *method, const struct reloc_xv *st,
	    const struct ctl_arg *spec, size_t n, void *out, uint32_t *given_r,
	    char **why_r);
struct job_opts;
/*
 * The options of METHOD (xend.domain.migrate's params, or xrelocd.migrate's
 * one struct) checked whole into *o (the caller disposes it on success).
 * RELOC_ERR_INVAL with the fault's text in *why_r (malloc'ed) when they
 * are refused, _NOMEM; *o is then empty.
 */
int	control_args_migrate(struct xrelocd *x, const char *method,
	    const struct reloc_xv *params, struct job_opts *o, char **why_r);

/* jobs.c */
enum job_phase {
	JOB_QUEUED,
	JOB_RUNNING,	/* a worker, an adopted worker, or recovery */
	JOB_WAITING,	/* the target was busy: queued again on a timer */
	JOB_ENDED,
};

/* What xm asked for, before it is a job. */
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
	enum reloc_codec codec;		/* -z or the key's default */
	unsigned	 streams;	/* 0: xrelocd-relocation-streams */
	unsigned	 max_downtime_ms; /* 0: no bound */
	unsigned	 timeout_s;	/* pre-copy's, 0: no limit */
	char		**force;
	size_t		 nr_force;
	bool		 ssl;		/* over TLS (xm migrate -s) */
};

/* xm recover on a job: asked, its worker runs, it ended (denied?). */
struct job_admin {
	bool		 asked;
	bool		 force;
	bool		 running;
	bool		 ended;		/* while its waiters are answered */
	bool		 denied;
};

/* A migration this host takes part in: its record and who works on it. */
struct job {
	TAILQ_ENTRY(job)	 entry;
	struct reloc_record	 rec;		/* rec.job is the job number */
	enum job_phase		 phase;
	struct worker		*worker;	/* ours, or NULL */
	pid_t			 adopted;	/* a former daemon's worker */
	int			 pidfd;		/* watching it, or -1 */
	struct event		*pidfd_ev;
	struct job_admin	 admin;		/* xm recover is waiting */
	unsigned		 version;	/* bumped on every change */
	unsigned		 recoveries;	/* recovery workers that died */
	int			 recover_rc;	/* its journal refused, or 0 */
	unsigned		 recover_tries;	/* refused by the journal */
	struct event		*recover_ev;	/* that try */
	unsigned		 waiters;	/* blocked control calls */
	struct xrelocd		*x;		/* for retry_ev */
	struct event		*retry_ev;	/* JOB_WAITING: requeue */
	unsigned		 busy_tries;	/* busy answers so far */
	time_t			 busy_since;	/* the first, monotonic s */
	bool			 cancelled;	/* xm migrate --cancel killed
						   its worker before GO */
};

int	job_resolve(struct xrelocd *x, struct job_opts *o);
/* The unfinished job (either role) that holds the domain with this uuid. */
struct job *job_holding(struct xrelocd *x, const char *uuid);
/*
 * Queue a source job for o (resolved: uuid set).  On success o's contents
 * are in the job's record and o is disposed; on failure o is unchanged.
 * RELOC_ERR_EXIST when a job holds the domain, _DENIED when stopping.
 */
int	job_submit(struct xrelocd *x, struct job_opts *o, struct job **job_r);
struct job *job_find(struct xrelocd *x, unsigned id);
/* The job of migration id in role, or NULL. */
struct job *job_by_record(struct xrelocd *x, const char *id,
	    enum reloc_role role);
/*
 * The job for r (found by id and role, else made; a job number is
 * given when r has none), its record replaced by a copy of r.  NULL when
 * out of memory.
 */
struct job *job_take_record(struct xrelocd *x, const struct reloc_record *r);
void	job_schedule(struct xrelocd *x);
/*
 * What xm sees of J changed: bump its version, end it if its record is
 * final, and tell the hooks (the control socket wakes its parked calls).
 */
void	job_changed(struct xrelocd *x, struct job *j);
/* End a job that never reached a worker (or lost it) with this outcome. */
void	job_ended(struct xrelocd *x, struct job *j, int outcome,
	    const char *message);
/*
 * J's worker found the target busy before HELLO (record state waiting,
 * nothing moved): queue it again after a backoff, or end it once
 * xrelocd-busy-wait has passed since the first busy answer.
 */
long	job_backoff_s(unsigned tries, long max);
void	job_busy(struct xrelocd *x, struct job *j);
void	job_opts_dispose(struct job_opts *o);
const char *job_state_name(const struct job *j);
void	job_free_all(struct xrelocd *x);

/* jobs_cancel.c */
/*
 * Cancel source job J before GO: a queued or waiting job ends now (the
 * domain untouched); a running one's worker is killed and the journal's
 * failure path resumes the domain here.  0 when done or under way;
 * RELOC_ERR_INVAL when J has ended, _DENIED when it cannot be (a
 * target's job, GO sent, being recovered), _IO; WHY (LEN bytes) then
 * says why, in one line for the admin.
 */
int	jobs_cancel(struct xrelocd *x, struct job *j, char *why, size_t len);
/*
 * J's record is final: say in its message (and the journal's) that it
 * was cancelled, or that the cancel came too late.
 */
void	jobs_cancel_note(struct xrelocd *x, struct job *j);

/* worker.c */
enum worker_kind {
	WORKER_SOURCE,
	WORKER_TARGET,
	WORKER_RECOVER,	/* carries a record to its end (recover.c) */
};

struct worker {
	TAILQ_ENTRY(worker)	 entry;
	struct xrelocd		*x;
	enum worker_kind	 kind;
	pid_t			 pid;
	struct bufferevent	*status;	/* records from the child */
	struct event		*hello_timer;
	bool			 hello_done;
	bool			 hello_killed;	/* by hello_timer: logged */
	bool			 admitted;	/* target: in a slot */
	char			 peer[256];
	char			 addr[64];	/* the peer's, without port */
	struct job		*job;		/* once its record is known */
	uint64_t		 progress;	/* worker_watch.c: I/O, CPU */
	int64_t			 progress_s;	/* when it last moved */
};

int	worker_start_source(struct xrelocd *x, struct job *j);
/*
 * Fork a target worker for the connection FD (the caller keeps it): TLS
 * over the session tls, whose handshake is done (the worker goes on
 * with its inherited copy; the caller frees its own), or plain when
 * NULL.  It must finish HELLO within hello_ms or is killed.
 */
int	worker_start_target(struct xrelocd *x, int fd, const char *peer,
	    const char *addr, struct reloc_tls *tls, int hello_ms);
/* Fork with every signal blocked; sv[0] is the parent's end, sv[1] ours. */
pid_t	worker_fork(struct xrelocd *x, int sv[2]);
/* Recover j's record in a worker; admin: xm recover (j->admin). */
int	worker_start_recover(struct xrelocd *x, struct job *j);
struct worker *worker_by_pid(struct xrelocd *x, pid_t pid);
void	worker_reap(struct xrelocd *x);
void	worker_kill_all(struct xrelocd *x, int sig);
/* Stopping: end the workers that only wait for a target to answer. */
void	worker_stop_resolving(struct xrelocd *x);
/* Source workers that take a slot of xrelocd-max-migrations. */
unsigned worker_count(const struct xrelocd *x, enum worker_kind kind);
/* A target worker finished HELLO: it no longer counts as pending. */
void	worker_hello_done(struct xrelocd *x, struct worker *w);
/* RELOC_WMSG_JOINED: the worker's connection is another's extra stream. */
void	worker_joined(struct xrelocd *x, struct worker *w,
	    const struct reloc_sxp *body);
/*
 * The answers to a target worker's RELOC_WMSG_ADMIT, one byte: admitted,
 * or busy for the host's cap (xrelocd-max-incoming) or the peer's
 * (xrelocd-max-incoming-per-peer), or because the free slots are kept
 * for high-priority migrations told busy before.
 */
#define WORKER_ADMIT_YES	'y'
#define WORKER_ADMIT_HOST	'h'
#define WORKER_ADMIT_PEER	'p'
#define WORKER_ADMIT_KEPT	'k'

/* admit.c: the incoming caps, and priority across hosts */
/*
 * Take an incoming slot for w if the caps allow: a WORKER_ADMIT_ byte.
 * body is the worker's (admit (migration ID) (priority high|standard)),
 * or NULL (standard, no id).
 */
char	worker_admit(struct xrelocd *x, struct worker *w,
	    const struct reloc_sxp *body);
/* What admit_decide weighs: counts of migrations admitted, before w. */
struct admit_ask {
	const char	*id;		/* migration id, or "" */
	const char	*peer;		/* "addr:port" */
	bool		 high;		/* HELLO's priority */
	unsigned	 all;		/* admitted now, from every peer */
	unsigned	 from_peer;	/* of those, from this address */
	unsigned	 cap;		/* xrelocd-max-incoming */
	unsigned	 peer_cap;	/* xrelocd-max-incoming-per-peer */
};
/*
 * The rule, apart from the daemon: a WORKER_ADMIT_ byte for a at now_s
 * (seconds, CLOCK_MONOTONIC); a high one told busy holds a claim in c,
 * one admitted drops its own; *held_r is the live claims of others.
 */
char	admit_decide(struct admit_claims *c, const struct admit_ask *a,
	    int64_t now_s, unsigned *held_r);

/* worker_watch.c: a worker that makes no progress for the I/O timeout */
void	worker_watch_start(struct xrelocd *x);
void	worker_watch_stop(struct xrelocd *x);

/* worker_child.c */
void	worker_child_source(struct xrelocd *x, struct job *j, int statusfd)
	    __attribute__((noreturn));
void	worker_child_target(struct xrelocd *x, int fd, const char *peer,
	    int statusfd, struct reloc_tls *tls)
	    __attribute__((noreturn));
void	worker_child_recover(struct xrelocd *x, struct job *j, int statusfd)
	    __attribute__((noreturn));

/* worker_recover.c: records from workers, ended workers, the journal */
/* A record arrived from w. */
void	worker_record(struct xrelocd *x, struct worker *w,
	    const struct reloc_sxp *body);
/* w exited with status: end its job from the journal, or recover it. */
void	worker_ended(struct xrelocd *x, struct worker *w, int status);
/*
 * Read the journal: adopt the workers of unfinished records that still
 * run, recover the others; at start-up, list recent ended ones too.
 * Runs at start and then every few seconds.
 */
void	journal_sweep(struct xrelocd *x, bool startup);

#endif /* XRELOCD_H */
