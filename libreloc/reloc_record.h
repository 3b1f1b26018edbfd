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
 * The migration record, its journal, and the recovery of unfinished
 * migrations.  Included by reloc.h; include that.
 */

#ifndef RELOC_RECORD_H
#define RELOC_RECORD_H

#ifndef RELOC_H
#error "include reloc.h, not reloc_record.h"
#endif

/* ---------------------------------------------------------------- record.c */

/*
 * One migration as one host knows it.  The source makes the id (a random
 * uuid) and sends it in HELLO, so both hosts name the migration alike.
 * The domain is known by its uuid, and on a host by its domid; the name is
 * for people.  The record is described once (a table in record.c): its
 * S-expression form goes on the worker channel and into the journal, its
 * XML-RPC form to xm and scripts, with the same keys, each in one
 * spelling, its unit in its name (bytes, ms, s).
 */
enum reloc_role {
	RELOC_ROLE_SOURCE,
	RELOC_ROLE_TARGET,
};

/* "source", "target". */
const char *reloc_role_name(enum reloc_role role);

/* Progress in bytes (pages times RELOC_PAGE_SIZE). */
struct reloc_record_progress {
	enum reloc_progress_phase phase;
	unsigned	 round;			/* 1-based; 0: none yet */
	uint64_t	 sent_bytes;		/* stream bytes so far */
	uint64_t	 remaining_bytes;	/* dirty memory still to send */
	uint64_t	 total_bytes;		/* the domain's memory */
	uint64_t	 rate_bytes_per_s;	/* during the last round */
	uint64_t	 dirty_bytes_per_s;	/* dirtied, last round */
	uint64_t	 predicted_downtime_us;	/* if it stopped now; 0:
						   unknown */
	unsigned	 throttle_percent;	/* guest held back */
};

/* Xen's page on x86 (XC_PAGE_SIZE), in bytes. */
#define RELOC_PAGE_SIZE		4096u

#define RELOC_RECORD_ID_LEN	37	/* a uuid and its NUL */

struct reloc_record {
	char		 id[RELOC_RECORD_ID_LEN];	/* both hosts */
	enum reloc_role	 role;
	unsigned	 job;		/* this host's job number, for xm */
	char		 domain[256];	/* its name */
	char		 domain_uuid[37];
	uint32_t	 domid;		/* its copy here, RELOC_DOMID_NONE */
	char		 peer[256];	/* source: target host as typed;
					   target: the source's address */
	char		 port[16];	/* source: the target's port */
	char		 peer_uuid[37];	/* the other host's, from HELLO */
	uint64_t	 peer_free_kb;	/* source: the target's free memory,
					   KiB, from HELLO; 0: not known */
	bool		 live;
	bool		 check;		/* prechecks only */
	bool		 high;		/* priority high */
	bool		 ssl;		/* over TLS (xm migrate -s): the
					   recovery's QUERY is too */
	unsigned	 rate_mbps;	/* stream cap, MB/s; 0: none */
	char		 compression[8];	/* asked: "zstd"; "" none */
	unsigned	 streams;	/* connections asked (source); 0: the
					   key's xrelocd-relocation-streams */
	unsigned	 max_downtime_ms; /* downtime budget, 0: none */
	unsigned	 timeout_s;	/* pre-copy's to meet it, 0: none */
	char		**force;	/* owned: check names overridden */
	size_t		 nr_force;
	enum reloc_mstate state;	/* where it is, or where it ended */
	/*
	 * Source: GO may have reached the target (journaled before its first
	 * byte).  Target: GO was received (journaled before the takeover).
	 */
	bool		 go;
	int		 outcome;	/* -1 unfinished, else reloc_outcome */
	bool		 was_paused;	/* source: paused when the job began */
	char		 message[1024];	/* one line for the admin */
	int64_t		 pid;		/* the worker holding it, 0: none */
	uint64_t	 pid_start;	/* its start time (proc(5) stat
					   field 22, clock ticks) */
	int64_t		 started_s;	/* wall clock, Unix seconds */
	unsigned	 queries;	/* QUERY rounds sent, resolving */
	struct reloc_record_progress progress;
	bool		 has_summary;
	struct reloc_summary summary;
	struct reloc_verdict verdict;	/* owned */
};

/*
 * A record resolving after a broken handover (state resolving) has had
 * this many QUERY rounds unanswered: whoever waits for its outcome (xm
 * migrate, a blocking xend.domain.migrate) is told exit 3 then, while the
 * daemon goes on asking.
 */
#define RELOC_RECORD_QUERIES_TOLD	3

/* Zeroed, outcome -1, domid RELOC_DOMID_NONE, started_s now. */
void reloc_record_init(struct reloc_record *r, enum reloc_role role);
/* Free force and verdict; r is then as after reloc_record_init. */
void reloc_record_dispose(struct reloc_record *r);
/*
 * Deep copy into dst, an initialised record (disposed first).
 * RELOC_ERR_NOMEM (dst is then disposed).
 */
int reloc_record_copy(struct reloc_record *dst, const struct reloc_record *src);
/* A fresh random id (uuid v4, getrandom(2)).  RELOC_ERR_IO. */
int reloc_record_new_id(char id[RELOC_RECORD_ID_LEN]);
/* True when the record has its outcome. */
bool reloc_record_final(const struct reloc_record *r);
/* Set progress from a backend's report (pages to bytes). */
void reloc_record_set_progress(struct reloc_record *r,
    const struct reloc_progress *p);
/* Add force names (copied).  RELOC_ERR_NOMEM. */
int reloc_record_set_force(struct reloc_record *r, const char *const *force,
    size_t n);
/*
 * The word xm shows for it: queued, connecting, precheck, streaming,
 * committing, resolving (asking the target after a broken handover),
 * receiving, taking-over (target), done, failed, unknown.
 */
const char *reloc_record_state_word(const struct reloc_record *r);

/* (migration (id ..) (role ..) ...): malloc'ed tree, the caller's. */
int reloc_record_to_sxp(const struct reloc_record *r,
    struct reloc_sxp **sxp_r);
/*
 * Read a (migration ...) form into r (initialised here).  Unknown keys are
 * ignored (a newer writer); a missing id or role, an id or uuid that is not
 * a uuid, a bad number (not decimal, out of range) or word, a string too
 * long for its array, a key given twice is RELOC_ERR_PROTO, logged (module
 * "record") as "WHERE:LINE:COL: KEY: what is wrong" ("WHERE: KEY: ..." for
 * a tree that was built, not read); WHERE names the source (a file,
 * "worker").  r is disposed on failure.
 */
int reloc_record_from_sxp(const char *where, const struct reloc_sxp *sxp,
    struct reloc_record *r);
/*
 * The XML-RPC struct, the same keys in the same order, plus "status"
 * (reloc_record_state_word).  Byte counts and times are i8, small counts
 * int, booleans boolean, downtime-ms a double, force an array of strings,
 * findings as reloc_verdict_to_xv.  Absent as in the S-expression: domid
 * when RELOC_DOMID_NONE, summary without has_summary.  The caller owns
 * *xv_r.  RELOC_ERR_NOMEM.
 */
int reloc_record_to_xv(const struct reloc_record *r, struct reloc_xv **xv_r);

/* ---------------------------------------------------------------- verdict.c */

/*
 * The findings as XML-RPC: an array of structs (severity, check, code,
 * message, fix: strings; forced: boolean), in order.  The caller owns
 * *xv_r.  RELOC_ERR_NOMEM.
 */
int reloc_verdict_to_xv(const struct reloc_verdict *v,
    struct reloc_xv **xv_r);

/* ---------------------------------------------------------------- journal.c */

/*
 * The journal: one file per record, DIR/ID.ROLE (both roles can be on one
 * host), its S-expression form.  reloc_journal_put writes ID.ROLE.tmp,
 * fsyncs it, renames it over ID.ROLE and fsyncs DIR, so a crash leaves the
 * old record or the new one, never a mix (rename(2), POSIX).  Errors are
 * logged (module "journal") with the path and errno text.
 */

/*
 * Make DIR (mode 0700, parents too) if it is missing and check that a
 * record can be written there.  RELOC_ERR_IO (or _NOSPC) with a line
 * naming the path and the cause in why.
 */
int reloc_journal_check(const char *dir, char *why, size_t len);
/*
 * Write r durably.  RELOC_ERR_INVAL when r's id is not a uuid,
 * RELOC_ERR_IO, RELOC_ERR_NOSPC (disk full: the old record stays).
 * Blocks on the disk (two fsyncs).
 */
int reloc_journal_put(const char *dir, const struct reloc_record *r);
/*
 * Read the record ID.ROLE into r (initialised here; disposed on failure).
 * RELOC_ERR_NOENT, _INVAL (id not a uuid), _PROTO (logged, also when the
 * file holds another record).
 */
int reloc_journal_get(const char *dir, const char *id, enum reloc_role role,
    struct reloc_record *r);
/*
 * Every record in DIR, oldest first (started_s, then job, then id), into
 * a malloc'ed array the caller disposes record by record then frees (NULL
 * and 0 when there are none or DIR does not exist).  A file that cannot be
 * read is logged as "PATH:LINE:COL: what" and skipped; ID.ROLE.tmp files
 * older than a minute (writes a crash cut short) are removed, younger
 * ones may be a worker's write under way and are left; other names are
 * ignored.
 */
int reloc_journal_list(const char *dir, struct reloc_record **recs_r,
    size_t *n_r);
/* Remove the final records beyond the newest keep.  Unfinished stay. */
int reloc_journal_trim(const char *dir, size_t keep);

/*
 * A process's start time (proc(5) stat field 22, clock ticks since boot),
 * or 0 when it does not exist.  With the pid it names one process, even
 * after the pid is reused.
 */
uint64_t reloc_pid_start(pid_t pid);
/* True when pid runs and started at start. */
bool reloc_pid_alive(pid_t pid, uint64_t start);

/* ---------------------------------------------------------------- recover.c */

/*
 * Recovery: the one code that decides what an unfinished migration means
 * and carries it out.  A worker calls it when its migration fails or the
 * handover breaks, the daemon when a worker dies and when it starts and
 * finds unfinished records, and xm recover through the daemon.  The rules
 * (xrelocd(8), FAILURE RULES):
 *   source, GO never sent: the copy here runs (or is paused) as before,
 *     under its own name;
 *   source, GO may be out: ask the target (QUERY); taken -> destroy the
 *     copy here; not taken -> as before GO; no answer -> keep the copy
 *     suspended and ask again, with backoff;
 *   source, DONE received: destroy the copy here;
 *   target, GO not received: destroy the incoming copy;
 *   target, GO received: finish the takeover (take the name, unpause);
 *     if that fails, destroy the copy, which never ran: not taken.
 */

/* What a target says of a migration (ANSWER to QUERY). */
enum reloc_answer {
	RELOC_ANS_TAKEN,	/* it ran here after GO */
	RELOC_ANS_NOT_TAKEN,	/* it never ran here and never will */
	RELOC_ANS_PENDING,	/* not decided yet here: ask again */
	RELOC_ANS_UNKNOWN,	/* no record of it here */
};

/* "taken", "not-taken", "pending", "unknown". */
const char *reloc_answer_name(enum reloc_answer a);

/*
 * The target's answer about migration id of domain uuid from the journal
 * in dir, with one line for the source's admin in msg.  A record whose
 * domain uuid differs is RELOC_ANS_UNKNOWN.
 */
enum reloc_answer reloc_recover_answer(const char *dir, const char *id,
    const char *domain_uuid, char *msg, size_t len);

enum reloc_recover_action {
	RELOC_RA_NONE,		/* the record is final */
	RELOC_RA_ROLL_BACK,	/* source: as before the migration */
	RELOC_RA_ASK,		/* source: GO may be out, ask the target */
	RELOC_RA_DESTROY_COPY,	/* source: the target has it */
	RELOC_RA_DESTROY_INCOMING, /* target: GO never came */
	RELOC_RA_TAKE_OVER,	/* target: GO came, finish the takeover */
};

/*
 * What to do with r, given the target's answer (NULL: not asked).  Pure.
 * RELOC_RA_ASK with an answer of pending or unknown stays RELOC_RA_ASK.
 */
enum reloc_recover_action reloc_recover_decide(const struct reloc_record *r,
    const enum reloc_answer *answer);
const char *reloc_recover_action_name(enum reloc_recover_action a);

struct reloc_recover_opts {
	const struct reloc_hv_ops *hv;	/* an open backend */
	void		*priv;
	const char	*journal_dir;	/* NULL: nothing journaled */
	int		 timeout_ms;	/* per QUERY round trip */
	/*
	 * QUERY rounds before giving up with RELOC_ERR_UNKNOWN_STATE (the
	 * record then says resolving); 0: until the target answers.  The
	 * wait between rounds starts at interval_ms (0: 1000) and doubles
	 * up to 10 s.
	 */
	unsigned	 max_queries;
	int		 interval_ms;
	/*
	 * xm recover: the admin says the target is gone.  Roll back unless
	 * the target answers taken or pending (then RELOC_ERR_DENIED, r
	 * unchanged but its message), or force is set.
	 */
	bool		 admin;
	bool		 force;
	/* Called after every change of r (may be NULL). */
	void		(*changed)(const struct reloc_record *r, void *arg);
	void		*arg;
	/*
	 * The migration ran over TLS: each QUERY does too, as the client
	 * of this context (borrowed), checking that the target's
	 * certificate names r->peer.  NULL: plain.
	 */
	struct reloc_tls_ctx *tls_ctx;
};

/*
 * Bring r to its end by the rules above, journaling it before each step.
 * Blocks (backend calls, QUERY rounds).  0: r is final (see r->outcome and
 * r->message); RELOC_ERR_UNKNOWN_STATE: still unresolved after
 * max_queries; RELOC_ERR_DENIED: admin refused (see above); other errors
 * when the backend failed (r->message says what to do by hand).
 */
int reloc_recover(const struct reloc_recover_opts *o, struct reloc_record *r);

/*
 * One QUERY to the target r names (r->peer, r->port): the answer, and the
 * target's line in msg.  RELOC_ERR_REFUSED, _TIMEOUT, ... when it cannot
 * be asked.  Blocks up to about timeout_ms.
 */
/*
 * As reloc_recover_query(), over TLS as the client of ctx (borrowed) when
 * ctx is not NULL; a refused certificate is RELOC_ERR_DENIED, logged with
 * why (module "chan").  A failed handshake also leaves in msg what failed
 * with which host and port, for the record's message.
 */
int reloc_recover_query_tls(const struct reloc_record *r,
    struct reloc_tls_ctx *ctx, int timeout_ms, enum reloc_answer *answer_r,
    char *msg, size_t len);
int reloc_recover_query(const struct reloc_record *r, int timeout_ms,
    enum reloc_answer *answer_r, char *msg, size_t len);

#endif /* RELOC_RECORD_H */
