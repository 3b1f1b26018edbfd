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
 * Prechecks and their verdicts, and the migration state machines.
 * Included by reloc.h; include that.
 */

#ifndef RELOC_MIGRATE_PUBLIC_H
#define RELOC_MIGRATE_PUBLIC_H

#ifndef RELOC_H
#error "include reloc.h, not reloc_migrate.h"
#endif

/* ---------------------------------------------------------------- precheck.c */

/*
 * Prechecks run on the target before a byte of memory moves.  A finding is
 * data: a severity, the check's name ("cpu", "l2", ...), a stable code for
 * scripts ("CPU_FEATURES_MISSING"), one line of message and one of fix.
 */
enum reloc_severity {
	RELOC_SEV_ERROR,	/* blocks the migration unless forced */
	RELOC_SEV_WARNING,	/* informs */
};

struct reloc_finding {
	enum reloc_severity severity;
	char		*check;
	char		*code;
	char		*message;
	char		*fix;
	bool		 forced;	/* an error overridden by --force */
};

struct reloc_verdict {
	struct reloc_finding *findings;
	size_t		 nr_findings;
};

void reloc_verdict_dispose(struct reloc_verdict *v);
/*
 * Add a finding (copied).  A verdict stays small whatever the domain:
 * past RELOC_VERDICT_PER_KIND findings of one severity, check and code,
 * the rest are counted in one more finding of that kind whose message
 * reads "and N more like the above, not listed".
 * RELOC_ERR_NOMEM on failure.
 */
#define RELOC_VERDICT_PER_KIND	5
int reloc_verdict_add(struct reloc_verdict *v, enum reloc_severity sev,
    const char *check, const char *code, const char *fix,
    const char *fmt, ...) RELOC_PRINTF(6, 7);
/* True when an error that was not forced remains. */
bool reloc_verdict_blocks(const struct reloc_verdict *v);
const char *reloc_severity_name(enum reloc_severity sev);
/* (findings (finding (severity error) (check cpu) (code ..) ...) ...) */
int reloc_verdict_to_sxp(const struct reloc_verdict *v,
    struct reloc_sxp **sxp_r);
int reloc_verdict_from_sxp(const struct reloc_sxp *sxp,
    struct reloc_verdict *v_r);

/* What the checks look at. */
struct reloc_precheck_ctx {
	const struct reloc_domain *dom;		/* from the source */
	bool		 live;
	const struct reloc_hostinfo *src;	/* the source's HELLO */
	const struct reloc_hostinfo *dst;	/* this host */
	/*
	 * The source is this host (same host uuid): dom, with its uuid and
	 * domid, is one of dst_doms and the name checks ignore it.
	 */
	bool		 same_host;
	const struct reloc_domain *dst_doms;	/* domains on this host */
	size_t		 nr_dst_doms;
	int		 src_family;	/* AF_INET/AF_INET6 of the source's */
	int		 dst_family;	/* relocation addresses */
	const char *const *force;	/* check names the admin overrode */
	size_t		 nr_force;
	/*
	 * Rechecking: the restored copy (NAME--incoming) as listed among
	 * dst_doms.  The checks then ignore it as a name clash and count
	 * its memory as free.  NULL for the first run.
	 */
	const struct reloc_domain *incoming;
};

/* Run every check; findings are appended to v.  Never blocks. */
int reloc_precheck_run(const struct reloc_precheck_ctx *ctx,
    struct reloc_verdict *v);
/*
 * The free memory, in KiB, a target needs to take a domain of MEMORY_KB
 * KiB with VCPUS virtual CPUs: its memory plus Xen's overhead, as the
 * memory precheck counts it.  Pure; never fails.
 */
uint64_t reloc_precheck_memory_need_kb(uint64_t memory_kb, unsigned vcpus);
/*
 * Run again, after the restore and just before READY, the checks whose
 * answer can change while memory streams (name, memory, l2, storage: see
 * reloc_precheck_rechecked), as if ctx->incoming were not there.  Forced
 * checks stay forced.  Findings are appended to v.  RELOC_ERR_INVAL when
 * ctx->incoming is NULL; < 0 when a check could not run.  Never blocks.
 */
int reloc_precheck_recheck(const struct reloc_precheck_ctx *ctx,
    struct reloc_verdict *v);
/* True if the check of that name is run again before READY. */
bool reloc_precheck_rechecked(const char *name);
/* The names of the checks, NULL-terminated, for --force validation. */
const char *const *reloc_precheck_names(void);
/* True if a check of that name may be forced (all but "name"). */
bool reloc_precheck_forcible(const char *name);

/* ---------------------------------------------------------------- migrate.c */

/*
 * The migration state machines.  The source drives:
 *   HELLO -> PRECHECK -> VERDICT -> STREAM -> READY -> GO -> DONE
 * and renames its copy NAME--migratedaway before GO; the target restores
 * under NAME--incoming, rechecks, and takes the name at GO.  Before GO
 * any failure leaves the domain running on the source as before.  After
 * GO a target that could not take it over destroys its copy and answers
 * DECLINED instead of DONE: the source resumes.  After GO without DONE or
 * DECLINED the owner is unknown and the source copy stays suspended.
 */
enum reloc_mstate {
	RELOC_MS_IDLE,
	RELOC_MS_WAITING,	/* source: the target was busy (at its cap)
				   before HELLO; nothing moved, queued to
				   try again */
	RELOC_MS_CONNECTING,
	RELOC_MS_HELLO,
	RELOC_MS_PRECHECK,
	RELOC_MS_STREAMING,
	RELOC_MS_WAIT_READY,	/* source: stream sent; target: restored */
	RELOC_MS_COMMITTING,	/* source renamed; GO may be in flight */
	RELOC_MS_OWNER,		/* target: GO received, the domain is ours */
	RELOC_MS_RESOLVING,	/* source: after a broken handover, asking
				   the target what became of it */
	RELOC_MS_DONE,
	RELOC_MS_FAILED,	/* ended before GO, or declined after:
				   runs on the source */
	RELOC_MS_UNKNOWN,	/* ended after GO without DONE */
};

const char *reloc_mstate_name(enum reloc_mstate st);

/* Outcome classes, the exit codes of xm migrate. */
enum reloc_outcome {
	RELOC_OUT_MOVED = 0,	/* or the check passed */
	RELOC_OUT_FAILED = 1,	/* the domain runs on the source as before */
	RELOC_OUT_UNKNOWN = 3,	/* handshake broke after GO */
};

struct reloc_summary {
	uint64_t	 total_ms;
	double		 downtime_ms;	/* source pause to target unpause */
	uint64_t	 bytes;		/* stream bytes */
	uint64_t	 wire_bytes;	/* bytes on the connection(s) */
	char		 codec[8];	/* compression: "none", "lz4"... */
	char		 note[160];	/* why not compressed, or "" */
	unsigned	 rounds;
	uint64_t	 memory_bytes;
	unsigned	 streams;	/* connections the stream took */
	unsigned	 streams_asked;	/* source: what it asked for */
};

struct reloc_record;

/* A domain id that names no domain: not known yet. */
#define RELOC_DOMID_NONE	UINT32_MAX

/*
 * Events a migration reports as it goes (worker -> daemon -> xm).  state
 * gives the domain's name and its id on this host: the source's copy on
 * the source, the restored copy on the target, else RELOC_DOMID_NONE.  On
 * a migration to the same host only the ids tell the two copies apart.
 */
struct reloc_migrate_events {
	void	(*state)(enum reloc_mstate st, const char *domain,
		    uint32_t domid, void *arg);
	void	(*progress)(const struct reloc_progress *p, void *arg);
	void	(*verdict)(const struct reloc_verdict *v, void *arg);
	/* The migration record changed (any field); borrowed. */
	void	(*record)(const struct reloc_record *r, void *arg);
	void	*arg;
};

struct reloc_migrate_opts {
	const char	*domain;	/* name or id on this host */
	const char	*host;		/* target host */
	const char	*port;		/* target port, "8002" */
	bool		 live;
	bool		 check_only;	/* prechecks, no transfer */
	const char *const *force;	/* check names to override */
	size_t		 nr_force;
	unsigned	 rate_mbps;	/* 0: no cap */
	/*
	 * Compress the stream with this codec (AUTO: lz4, zstd or none per
	 * chunk) when the target accepts it; NONE sends it as it is.
	 */
	enum reloc_codec codec;
	unsigned	 max_rounds;	/* 0: backend default */
	/*
	 * The downtime budget (ms, 0: none) and how long pre-copy may try
	 * to meet it (s, 0: no limit): see struct reloc_save_params.  An
	 * abort fails the migration before the domain is suspended; the
	 * outcome's message says what was measured and what to change.
	 */
	unsigned	 max_downtime_ms;
	unsigned	 budget_timeout_s;
	int		 timeout_ms;	/* per I/O step */
	int		 local_family;	/* family of our relocation address */
	const struct reloc_migrate_events *ev;
	/*
	 * The record (the caller's, initialised with its id, job and
	 * options) kept up to date as the migration goes; NULL: none.  With
	 * journal_dir it is journaled there before each step that cannot be
	 * undone (suspend, rename away, GO, destroy), and the step is not
	 * taken when the journal cannot be written.
	 */
	struct reloc_record *rec;
	const char	*journal_dir;
	/*
	 * ssl: the connection runs TLS (xm migrate -s) from right after the
	 * connect, as the client of tls_ctx (borrowed, required then),
	 * checking that the target's certificate names host; a refusal is
	 * the outcome's message, before HELLO.
	 */
	bool		 ssl;
	struct reloc_tls_ctx *tls_ctx;
	/*
	 * Connections the stream is spread over, 1..RELOC_STREAMS_MAX (0
	 * is 1); the target may offer fewer.  The extra ones go to host
	 * and port as the first, after the verdict, with the same TLS.
	 */
	unsigned	 streams;
};

struct reloc_migrate_result {
	enum reloc_outcome outcome;
	enum reloc_mstate last_state;	/* where it ended */
	char		 message[1024];	/* one line for the admin */
	bool		 was_paused;	/* source: paused before, and so
					   after a failure */
	/*
	 * Source: the target answered busy (RELOC_ERR_BUSY) in place of
	 * HELLO; outcome failed, nothing moved, the record is left
	 * unfinished in state waiting.
	 */
	bool		 busy;
	struct reloc_summary summary;
	struct reloc_verdict verdict;
};

void reloc_migrate_result_dispose(struct reloc_migrate_result *res);

/*
 * Move a domain of this host to o->host.  hv/priv is an open backend.
 * Blocks until the end.  Returns 0 when the migration ran to an outcome
 * (see res->outcome; res is always filled), < 0 for bad arguments.
 */
int reloc_migrate_source(const struct reloc_hv_ops *hv, void *priv,
    const struct reloc_migrate_opts *o, struct reloc_migrate_result *res);

struct reloc_target_opts {
	const char	*tunnel_script;	/* xrelocd-auto-tunnel: or NULL */
	int		 hello_timeout_ms;
	int		 timeout_ms;
	int		 local_family;	/* family of our relocation address */
	const struct reloc_migrate_events *ev;
	/*
	 * As for the source; the id comes from the source's HELLO.  The
	 * record is journaled before the restore, after it (with the id of
	 * the copy), on GO before the takeover, and at the end.  A QUERY in
	 * place of HELLO is answered from journal_dir and ends the call.
	 */
	struct reloc_record *rec;
	const char	*journal_dir;
	/*
	 * After the source's HELLO, before ours: may this migration run
	 * now?  0 admits it; RELOC_ERR_BUSY (with a one-line reason in why,
	 * naming the cap and its key) answers the source with an ERROR of
	 * code RELOC_ERR_BUSY in place of HELLO, before anything of the
	 * domain moved, and the call ends.  NULL admits every migration.
	 * A QUERY is answered without asking.  id is the migration's id
	 * from HELLO ("" without rec; borrowed for the call), high its
	 * priority there: (priority high); a source that sends none is
	 * standard.
	 */
	int		(*admit)(void *arg, const char *id, bool high,
			    char *why, size_t len);
	void		*admit_arg;
	/*
	 * Parallel streams: the most this target takes (0 is 1), and the
	 * directory (root's alone) where a migration that took more than
	 * one waits for its extra connections on a UNIX socket named by
	 * its id.  A JOIN in place of HELLO is such a connection: it is
	 * handed to that migration when its id and token match, else
	 * refused with an ERROR; joined (or NULL) is called once, with
	 * NULL when it matched, else the reason of the refusal (one line
	 * for the log); the call ends when the lane does.  A JOIN never
	 * asks admit and never touches rec.
	 */
	unsigned	 streams_max;
	const char	*lane_dir;
	void		(*joined)(void *arg, const char *refused);
	void		*joined_arg;
};

/*
 * Receive a domain on an accepted connection (chan is owned by the
 * caller).  Blocks until the end; res says what happened.
 */
int reloc_migrate_target(const struct reloc_hv_ops *hv, void *priv,
    struct reloc_chan *chan, const struct reloc_target_opts *o,
    struct reloc_migrate_result *res);

/* The names the renames use: NAME--incoming, NAME--migratedaway. */
#define RELOC_SUFFIX_INCOMING	"--incoming"
#define RELOC_SUFFIX_AWAY	"--migratedaway"

#endif /* RELOC_MIGRATE_PUBLIC_H */
