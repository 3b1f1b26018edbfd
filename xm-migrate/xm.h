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
 * The xm command's internals, shared by its files and by tests/check_xm.c:
 * the control-socket client, the migrate options, and the pure formatting
 * of sizes, rates, progress lines, summaries and JSON.
 */

#ifndef XM_H
#define XM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "reloc.h"

/* Exit codes, as documented in xm(1). */
#define XM_EXIT_OK	0	/* moved, or the check passed */
#define XM_EXIT_FAILED	1	/* failed; the domain runs on the source */
#define XM_EXIT_USAGE	2
#define XM_EXIT_UNKNOWN	3	/* the final handshake broke */

#define XM_DEFAULT_SOCKET	RELOC_CONTROL_SOCKET
#define XM_POLL_MS		150	/* status polls of an old xrelocd */
#define XM_WAIT_S		60	/* xrelocd.job.wait's timeout */

/* Global state of one run (options before the subcommand). */
struct xm {
	const char	*socket;	/* -S, $XRELOCD_SOCKET or default */
	FILE		*out;		/* stdout, or a file in tests */
	FILE		*err;
	bool		 tty;		/* out is a terminal: progress lines */
};

/* xm.c */
int	xm_main(int argc, char **argv);
void	xm_usage(FILE *f);

/* xm_rpc.c */
/*
 * Call method with params (an array, may be NULL) on the daemon's control
 * socket.  0 and the result in *result_r; a fault is printed and returns
 * its exit code (1 failed, 2 bad request, 3 unknown owner, 1 for the
 * rest); not reaching the daemon prints the socket path and returns 1.
 */
int	xm_rpc_call(struct xm *xm, const char *method,
	    const struct reloc_xv *params, struct reloc_xv **result_r);

/* xm_rpc_call with the N ints of V as its params. */
int	xm_rpc_call_ints(struct xm *xm, const char *method, const int64_t *v,
	    size_t n, struct reloc_xv **result_r);

/* One call whose fault the caller handles: see xm_rpc_invoke. */
struct xm_call {
	const char		*method;
	const struct reloc_xv	*params;	/* an array, may be NULL */
	int			 timeout_ms;	/* for the answer; -1: none */
	struct reloc_xv		*result;	/* on 0; the caller frees it */
	int			 fault;		/* the fault's code, or 0 */
	char			*fault_msg;	/* the caller frees it */
};

/*
 * Make the call k describes.  0 and k->result; a fault is not printed:
 * its code and message go in k->fault and k->fault_msg and its exit code
 * is returned, as xm_rpc_call would; not reaching the daemon or no answer
 * in time prints why and returns 1 with k->fault 0.
 */
int	xm_rpc_invoke(struct xm *xm, struct xm_call *k);

/* xm_migrate.c */
#define XM_MAX_DOWNTIME_MS	3600000	/* the daemon's bounds too */
#define XM_TIMEOUT_S		86400
struct xm_migrate_opts {
	const char	*domain;
	const char	*host;
	bool		 live;
	long		 port;		/* 0: the target's default */
	long		 node;		/* -1: any */
	bool		 ssl;
	bool		 chs;		/* -c: xend compatibility only */
	long		 rate;		/* MB/s, 0: unlimited */
	const char	*compress;	/* -z: a codec; NULL: the key's */
	long		 streams;	/* 0: the daemon's key */
	long		 max_downtime;	/* ms, 0: no bound; -1: the key's */
	long		 timeout;	/* s, 0: no limit; -1: the key's */
	bool		 check;
	const char	*force[32];
	size_t		 nr_force;
	bool		 json;
	const char	*priority;	/* "high" or "standard" */
};

/*
 * Parse "migrate" arguments (argv[0] is "migrate").  On a usage error
 * the message, naming the option, is written to err and XM_EXIT_USAGE
 * returned; -1 means --help was asked for.
 */
int	xm_migrate_parse(int argc, char **argv, struct xm_migrate_opts *o,
	    FILE *err);
/* The opts struct of xrelocd.migrate. */
int	xm_migrate_request(const struct xm_migrate_opts *o,
	    struct reloc_xv **params_r);
int	xm_migrate(struct xm *xm, int argc, char **argv);
/* Options migrate and evacuate share; each returns 0, or -1 said on err. */
int	xm_opt_num(const char *cmd, const char *arg, long min, long max,
	    const char *opt, long *v_r, FILE *err);
int	xm_opt_priority(const char *cmd, const char *arg,
	    const char **priority_r, FILE *err);
/* getopt's ':' (a value missing) or anything else (unknown): -1. */
int	xm_opt_refused(const char *cmd, int c, char **argv, FILE *err);

/* xm_cancel.c: xm migrate --cancel JOB */
/* Whether ARGV (argv[0] "migrate") asks for --cancel. */
bool	xm_cancel_asked(int argc, char **argv);
/*
 * Parse "migrate --cancel JOB" (or --cancel=JOB) into *job_r; on a usage
 * error the message goes to err and XM_EXIT_USAGE is returned.
 */
int	xm_cancel_parse(int argc, char **argv, long *job_r, FILE *err);
/*
 * Cancel the job and follow it to its end: 0 when the domain stays here,
 * 1 when it was too late (GO sent, moved) or the daemon refused.
 */
int	xm_cancel(struct xm *xm, int argc, char **argv);

/* xm_evac_plan.c: xm evacuate's plan (pure, tested in check_xm_evac) */
struct xm_evac_dom {
	const char	*name;
	uint64_t	 memory_kb;	/* its maximum memory */
	unsigned	 vcpus;
};

struct xm_evac_target {
	const char	*host;		/* as given: "hostB" or "hostB:8002" */
	uint64_t	 free_kb;	/* its free memory, KiB, now */
};

struct xm_evac_plan_in {
	const struct xm_evac_dom	*doms;
	size_t				 nr_doms;
	const struct xm_evac_target	*targets;
	size_t				 nr_targets;
	/*
	 * nr_doms * nr_targets entries, why[d * nr_targets + t]: NULL when
	 * domain d's prechecks pass on target t, else the failing one's
	 * message (borrowed).
	 */
	const char *const		*why;
};

struct xm_evac_choice {
	int	target;		/* an index of targets, or -1: none fits */
	char	why[1024];	/* when -1: each target's reason, in order */
};

/* Free memory a target needs for d, KiB (memory + Xen's overhead). */
uint64_t xm_evac_need_kb(const struct xm_evac_dom *d);
/*
 * Fill OUT (nr_doms entries, in the order of doms).  Domains are placed
 * largest first, each on the target with the most free memory left after
 * the moves already planned, among those whose prechecks passed and that
 * still have room; ties go to the target with fewer domains planned, then
 * to the first given.  A domain that fits nowhere gets -1 and why.  The
 * caps on concurrent migrations do not change the plan, only when each
 * move runs.  -1 when out of memory (OUT is then undefined), else 0.
 */
int	xm_evac_plan(const struct xm_evac_plan_in *in,
	    struct xm_evac_choice *out);

/* xm_evacuate.c, xm_evac_run.c: xm evacuate */
#define XM_EVAC_TARGETS_MAX	16

struct xm_evac_to {
	char		 host[256];	/* without the port */
	long		 port;		/* 0: the target's default */
	const char	*given;		/* as typed, for messages (argv's) */
};

struct xm_evac_opts {
	struct xm_evac_to to[XM_EVAC_TARGETS_MAX];
	size_t		 nr_to;
	long		 port;		/* -p: for targets without :PORT */
	long		 max;		/* --max: moves queued at once; 0 any */
	bool		 live;
	bool		 ssl;
	bool		 check;
	const char	*priority;	/* "high" or "standard" */
};

/* One evacuation: its domains, what the checks said, the plan. */
struct xm_evac {
	struct xm_evac_opts	 o;
	struct reloc_xv		*list;	/* xrelocd.domain.list's answer: the
					   names in doms are borrowed from it */
	struct xm_evac_dom	*doms;
	size_t			 nr_doms;
	char			**why;	/* nr_doms * nr_to: NULL when the
					   check passed, else why (owned) */
	uint64_t		 free_kb[XM_EVAC_TARGETS_MAX];
	struct xm_evac_choice	*choice;	/* nr_doms */
};

/*
 * Parse "evacuate" arguments (argv[0] is "evacuate").  On a usage error
 * the message, naming the option, goes to err and XM_EXIT_USAGE is
 * returned; -1 means --help was asked for.
 */
int	xm_evacuate_parse(int argc, char **argv, struct xm_evac_opts *o,
	    FILE *err);
/* The domains to move (all but dom0 and copies mid-migration). */
int	xm_evac_domains(struct xm *xm, struct xm_evac *e);
void	xm_evac_dispose(struct xm_evac *e);
int	xm_evacuate(struct xm *xm, int argc, char **argv);
/*
 * Precheck every domain against every target, through the daemon's
 * queue (one check per domain at a time); fills e->why and e->free_kb.
 */
int	xm_evac_checks(struct xm *xm, struct xm_evac *e);
/*
 * Queue the planned moves (at most --max at once), follow them with
 * progress lines, print the summary: 0 only if no domain is left here.
 */
int	xm_evac_run(struct xm *xm, struct xm_evac *e);

/* xm_list.c */
int	xm_list(struct xm *xm, int argc, char **argv);
int	xm_jobs(struct xm *xm, int argc, char **argv);
int	xm_recover(struct xm *xm, int argc, char **argv);
/* One-letter xm state flags "r-----" from a state name. */
const char *xm_state_flags(const char *state);

/* xm_format.c: pure functions, tested in tests/check_xm.c */
/* "512 B", "1.5 KiB", "1.07 GiB" */
/*
 * Escape BUF (SIZE bytes) in place: names and messages from the daemon
 * or a peer print as one line (reloc_log_vis: "\n", "\x1b").
 */
void	xm_fmt_vis(char *buf, size_t size);
/* "Error: MSG" on F, MSG escaped (a fault from the daemon). */
void	xm_fault_print(FILE *f, const char *msg);
void	xm_fmt_bytes(uint64_t bytes, char *buf, size_t size);
/* Bytes per second as "118.2 MB/s" (decimal, like -r). */
void	xm_fmt_rate(uint64_t bps, char *buf, size_t size);
/* "4.2 s" for ms >= 1000, else "180 ms". */
void	xm_fmt_ms(double ms, char *buf, size_t size);
/* The progress line for a job status (no \r or newline). */
void	xm_fmt_progress(const struct reloc_xv *status, char *buf,
	    size_t size);
/* "web01 moved to hostB: total 4.2 s, downtime 18 ms, ..." */
void	xm_fmt_summary(const struct reloc_xv *status, char *buf, size_t size);
/* One finding as printed for people: "error: cpu: ... (fix: ...)". */
void	xm_fmt_finding(const struct reloc_xv *f, char *buf, size_t size);
/* Write v as JSON (i8 and int as numbers, strings escaped), newline. */
void	xm_json_write(FILE *f, const struct reloc_xv *v);
/*
 * The exit code of a final status: its "outcome" member (1 if odd), or 3
 * for a job still resolving after RELOC_RECORD_QUERIES_TOLD unanswered
 * QUERY rounds (the daemon goes on asking; xm stops waiting, as it
 * answers a blocking xend.domain.migrate call).
 */
int	xm_status_exit(const struct reloc_xv *status);
/* True for such a resolving job. */
bool	xm_status_resolving(const struct reloc_xv *status);

#endif /* XM_H */
