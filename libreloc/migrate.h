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
 * The state shared by the source and target state machines.
 */

#ifndef RELOC_MIGRATE_H
#define RELOC_MIGRATE_H

#include <time.h>

#include "reloc.h"

/*
 * Parallel streams (migrate_lanes.c): lane 0 is the channel, lanes
 * 1..n-1 extra connections of the same migration, joined after the
 * verdict with the token the target gave in its HELLO.
 */
#define RELOC__TOKEN_HEX	32		/* 16 random bytes */
struct reloc__lanes {
	unsigned		 n;		/* agreed; 0 before HELLO */
	unsigned		 asked;		/* the source's */
	unsigned		 most;		/* target: its key */
	const char		*dir;		/* target: lanes join */
	char			 token[RELOC__TOKEN_HEX + 1];
	struct reloc_chan	*chan[RELOC_STREAMS_MAX]; /* [0]: none */
	bool			 listening;	/* target: lfd, path */
	int			 lfd;
	char			 path[108];
};

/* What a JOIN's worker asks the migration's on its UNIX socket. */
struct reloc__join_req {
	char		 magic[4];	/* "XRLJ" */
	uint32_t	 lane;
	char		 token[RELOC__TOKEN_HEX];
};

struct reloc__mig {
	const char			*role;		/* "source", "target" */
	char				 label[256];	/* "web01 to hostB" */
	char				 peer[128];
	const struct reloc_hv_ops	*hv;
	void				*priv;
	struct reloc_chan		*chan;
	const struct reloc_migrate_events *ev;
	struct reloc_migrate_result	*res;
	struct reloc_domain		 dom;
	struct reloc_hostinfo		 self;
	struct reloc_hostinfo		 peer_host;
	int				 local_family;
	int				 peer_family;
	bool				 peer_self;	/* same host */
	uint32_t			 local_domid;	/* our copy's id */
	int				 timeout_ms;
	struct reloc_progress		 last;
	uint64_t			 start_ns;	/* CLOCK_MONOTONIC */
	uint64_t			 suspended_ns;	/* CLOCK_MONOTONIC */
	uint64_t			 stream_bytes;
	uint64_t			 wire_bytes;
	char				 save_why[512];	/* abort: why */
	/*
	 * Compression: what this side asks (source) or accepts (target),
	 * then, after HELLO, the codecs both take as 1 << codec (0: the
	 * stream goes raw), whether the peer's HELLO had the field, and
	 * whether both said zstd-stream (a zstd stream per lane).
	 */
	enum reloc_codec		 codec;
	unsigned			 codecs;
	bool				 peer_codecs;
	bool				 zstd_stream;
	bool				 peer_high;	/* target: HELLO's
							   (priority high) */
	struct reloc_record		*rec;		/* or NULL */
	const char			*journal_dir;	/* or NULL */
	struct reloc__lanes		 lanes;
};

/* The options both sides take, for reloc__mig_init. */
struct reloc__mig_setup {
	const struct reloc_migrate_events *ev;
	struct reloc_migrate_result	*res;
	int				 local_family;
	int				 timeout_ms;
	struct reloc_record		*rec;
	const char			*journal_dir;
};

/* migrate.c */
uint64_t	reloc__now_ns(clockid_t clk);
void	reloc__mig_state(struct reloc__mig *m, enum reloc_mstate st);
/*
 * Target, after the source's HELLO: admit (reloc_target_opts) or, over
 * a cap, an ERROR of code RELOC_ERR_BUSY in place of our HELLO.
 */
int	reloc__hello_admit(struct reloc__mig *m, int (*admit)(void *,
	    const char *, bool, char *, size_t), void *arg);
/* A failure no step explained still says where it stopped and why. */
void	reloc__mig_fail_reason(struct reloc__mig *m, int rc);
void	reloc__mig_message(struct reloc__mig *m, const char *fmt, ...)
	    RELOC_PRINTF(2, 3);
void	reloc__mig_progress(const struct reloc_progress *p, void *arg);
const char *reloc__family_word(int af);
int	reloc__family_parse(const char *w);
int	reloc__msg_new(enum reloc_msg_type type, struct reloc_sxp **msg_r);
int	reloc__send_simple(struct reloc_chan *chan, enum reloc_msg_type type,
	    const char *key, uint64_t value);
int	reloc__hello_send(struct reloc__mig *m);
int	reloc__hello_recv(struct reloc__mig *m);
int	reloc__hello_parse(struct reloc__mig *m, struct reloc_sxp *msg);
int	reloc__mig_self(struct reloc__mig *m);
void	reloc__mig_init(struct reloc__mig *m, const char *role,
	    const struct reloc_hv_ops *hv, void *priv,
	    const struct reloc__mig_setup *su);
void	reloc__mig_dispose(struct reloc__mig *m);
void	reloc__mig_summary(struct reloc__mig *m);

/*
 * The downtime, each interval read on one host's clock (CLOCK_MONOTONIC):
 * the source's from its pause to the end of GO and from there to DONE,
 * the target's from GO to its unpause and to DONE.  The two hosts' clocks
 * are never subtracted from each other, so skew between them does not
 * enter; the one-way time of GO is taken as half the round trip that
 * remains when the target's own time is removed.  All in ns.
 */
struct reloc__downtime {
	uint64_t	 suspended_ns;	/* source: paused */
	uint64_t	 go_sent_ns;	/* source: GO written */
	uint64_t	 done_ns;	/* source: DONE read */
	uint64_t	 go_unpause_ns;	/* target: GO read to unpause */
	uint64_t	 go_done_ns;	/* target: GO read to DONE sent */
};
/* The estimate in ns, or 0 when an interval is missing or inconsistent. */
uint64_t reloc__downtime_ns(const struct reloc__downtime *t);
/* The target does not own its channel: forget it before dispose. */
#define reloc__mig_reset_chan(m)	((m)->chan = NULL)

/* migrate_rec.c: the record as the state machines go */
/* Bring the record up to date and tell the caller (ev->record). */
void	reloc__mig_record(struct reloc__mig *m);
/*
 * The same, then journal it: before a step that cannot be undone.  On
 * failure the step must not be taken; the message says why.
 */
int	reloc__mig_journal(struct reloc__mig *m);
/* A target's journal failed (rc): tell the source, a full disk by name. */
void	reloc__mig_journal_refused(struct reloc__mig *m, int rc);
/* The end: outcome, message, summary, verdict into the record, journaled. */
void	reloc__mig_record_end(struct reloc__mig *m, bool final);
/* HELLO's migration id: the source's, the target's from it. */
int	reloc__mig_hello_id(struct reloc__mig *m, struct reloc_sxp *hello,
	    bool send);

/* migrate_lanes.c */
/* HELLO's (streams N), and the target's (stream-token T). */
int	reloc__lanes_hello_add(struct reloc__mig *m,
	    struct reloc_sxp *hello);
/* The peer's HELLO: what was agreed; the target listens for its lanes. */
int	reloc__lanes_hello_read(struct reloc__mig *m,
	    const struct reloc_sxp *hello);
/* Target, after the verdict: every lane joined, or an error (message). */
int	reloc__lanes_accept(struct reloc__mig *m, int hello_timeout_ms);
/* Close the lanes and the socket they join on. */
void	reloc__lanes_close(struct reloc__mig *m);
/* Source, after the verdict: open and join lanes 1..n-1 (message). */
int	reloc__lanes_open(struct reloc__mig *m, const char *host,
	    const char *port, struct reloc_tls_ctx *ctx);

/* lane_join.c: a JOIN in place of HELLO (target_opts: lane_dir...). */
int	reloc__lane_join(struct reloc_chan *chan,
	    const struct reloc_target_opts *o, const struct reloc_sxp *join);

/* migrate_stream.c */
int	reloc__src_save(struct reloc__mig *m,
	    const struct reloc_migrate_opts *o);
/*
 * The target's restore as name, its domid in *domid_r.  On failure the
 * source hears why in an ERROR (a bad frame: its chunk, the peer and the
 * reason; else the error), and the message says it too.
 */
int	reloc__dst_restore(struct reloc__mig *m, const char *name,
	    uint32_t *domid_r);

/* The source side (migrate_src.c, migrate_src_conn.c). */
struct src {
	struct reloc__mig		 m;
	const struct reloc_migrate_opts	*o;
	bool				 was_paused;
	bool				 saving;	/* save began */
	char				 away[256];
	uint64_t			 go_sent_ns;	/* CLOCK_MONOTONIC */
};

/* The domain described from the backend; 0 or an RELOC_ERR_*, the
 * message set. */
int	reloc__src_describe(struct src *s);
/* Connected to the target (TLS when o->ssl), HELLO exchanged; 0 or an
 * RELOC_ERR_*, the message set. */
int	reloc__src_connect(struct src *s);

#endif /* RELOC_MIGRATE_H */
