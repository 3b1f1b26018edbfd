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
 * The downtime budget (converge.c): from each pre-copy round's figures,
 * whether to copy again, stop and copy, or give up, and how hard to
 * throttle the guest meanwhile.  Backend-independent: a backend feeds it
 * its rounds and applies the throttle its own way.
 */

#ifndef CONVERGE_INT_H
#define CONVERGE_INT_H

#include "reloc-int.h"

#define RELOC_CONV_DIRTY_FEW	50	/* pages: few enough to stop */
#define RELOC_CONV_ROUNDS	5	/* rounds without a budget */
#define RELOC_CONV_BYTES_FACTOR	3	/* x memory without a budget */
#define RELOC_CONV_THROTTLE_FIRST 20	/* percent, the first step */
#define RELOC_CONV_THROTTLE_STEP 10	/* percent added per round */
#define RELOC_CONV_THROTTLE_MAX	99	/* percent */
#define RELOC_CONV_ROUNDS_AT_MAX 5	/* rounds at the highest throttle
					   before giving up */
/*
 * The stop-and-copy's dirty pages are sparser than a round's (short runs,
 * a record each) and go slower than the last round's rate: on the sim,
 * 0.56 of it (5425 pages of 32768 after a round of 10623).  The page
 * time predicted is the measured one times this.
 */
#define RELOC_CONV_MARGIN	2

enum reloc__conv_next {
	RELOC_CONV_AGAIN,	/* another live round */
	RELOC_CONV_STOP,	/* suspend and copy the rest */
	RELOC_CONV_ABORT,	/* give up: the domain keeps running here */
};

struct reloc__conv {
	/* Set by reloc__conv_init. */
	uint64_t	 budget_ns;	/* 0: no bound */
	uint64_t	 timeout_ns;	/* 0: none */
	uint64_t	 switch_ns;	/* fixed cost of a switchover */
	unsigned	 max_rounds;	/* without a budget */
	/* Kept round to round. */
	uint64_t	 rate_bps;	/* link: last round that sent */
	uint64_t	 dirty_bps;	/* guest: last round */
	uint64_t	 dirty_bytes;	/* still to send */
	uint64_t	 predicted_ns;	/* stop-and-copy if stopped now */
	uint64_t	 elapsed_ns;	/* pre-copy so far */
	unsigned	 throttle;	/* percent now */
	unsigned	 throttle_top;	/* highest used */
	unsigned	 at_max;	/* rounds at RELOC_CONV_THROTTLE_MAX */
	bool		 timed_out;	/* why it aborted */
};

/*
 * Start a save's policy: p's budget and timeout, switch_ns the backend's
 * estimate (ns) of the time a switchover costs besides the dirty pages.
 */
void	reloc__conv_init(struct reloc__conv *c,
	    const struct reloc_save_params *p, uint64_t switch_ns);
/*
 * After a live round: pr holds its figures (round, sent_bytes,
 * remaining_pages, rate_bps, dirty_pps), elapsed_ns the time since
 * pre-copy began.  Updates c->throttle (the backend applies it before
 * the next round) and c->predicted_ns, and copies both into pr
 * (predicted_ns, throttle_pct) for the progress callback.  Pure.
 */
enum reloc__conv_next reloc__conv_round(struct reloc__conv *c,
	    struct reloc_progress *pr, uint64_t elapsed_ns);
/*
 * One line on how pre-copy ended (next: STOP or ABORT): the prediction
 * that was used and the budget, or why it gave up, with the measured
 * rates and the fix.
 */
void	reloc__conv_note(const struct reloc__conv *c,
	    enum reloc__conv_next next, char *buf, size_t len);
/*
 * End of pre-copy for domid: log the note (module "hv"); on ABORT copy
 * it into p->why too.  Returns 0 for STOP, RELOC_ERR_TIMEOUT for ABORT.
 */
int	reloc__conv_end(const struct reloc__conv *c,
	    enum reloc__conv_next next, const struct reloc_save_params *p,
	    uint32_t domid);

/*
 * hv_libxl_cap.c: the throttle on Xen, as the credit scheduler's cap (a
 * percentage of one physical CPU, 0 for none), through get and set
 * (libxl_domain_sched_params_get/_set in the libxl backend, a recorder
 * in the tests).  Both return 0 or a negative reloc_err.
 */
struct reloc__cap_ops {
	int	(*get)(void *arg, uint32_t domid, int *weight_r, int *cap_r);
	int	(*set)(void *arg, uint32_t domid, int weight, int cap);
};

struct reloc__cap {
	const struct reloc__cap_ops *ops;
	void		*arg;
	uint32_t	 domid;
	unsigned	 vcpus;		/* the domain's online vcpus */
	bool		 held;		/* weight and cap saved, changed */
	int		 weight, cap;	/* as they were before */
	unsigned	 pct;		/* the throttle applied */
	/*
	 * Where the undo is noted before the first cap (see
	 * reloc__cap_note_take), with the domain's uuid; NULL: nowhere.
	 */
	const char	*note_dir;
	char		 uuid[37];
};

void	reloc__cap_init(struct reloc__cap *c, const struct reloc__cap_ops *ops,
	    void *arg, uint32_t domid, unsigned vcpus);
/*
 * Throttle the domain by pct percent of what it may use now (its cap, or
 * all its vcpus when uncapped); the first call saves weight and cap as
 * they are.  0 restores them.
 */
int	reloc__cap_set(struct reloc__cap *c, unsigned pct);
/* Put weight and cap back exactly as they were; nothing if untouched. */
int	reloc__cap_restore(struct reloc__cap *c);
/*
 * A saver killed while it throttles leaves the cap set, and its note:
 * DIR/throttle.DOMID, "UUID WEIGHT CAP", written (and synced) before the
 * first cap, removed once it is restored.  Take the weight and cap of a
 * note left for domid and uuid, and remove it; RELOC_ERR_NOENT when there
 * is none (one for another uuid, a domid reused, is removed).
 */
int	reloc__cap_note_take(const char *dir, uint32_t domid,
	    const char *uuid, int *weight_r, int *cap_r);

#endif /* CONVERGE_INT_H */
