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
 * Sim hosts for the tests (simhost.c): fixtures, helpers and transfers
 * between two simulated hosts.
 */

#ifndef TESTS_SIMHOST_H
#define TESTS_SIMHOST_H

#include <sys/types.h>

#include <stdbool.h>
#include <stdint.h>

#include "reloc-int.h"
#include "hv_sim.h"

extern pid_t	 suite_pid;	/* set by main: names the hosts' dirs */
extern char	*dir_a, *dir_b;	/* host A (source) and B (target) */
extern void	*sim_a, *sim_b;
extern const struct reloc_hv_ops *ops;

/* How the bytes travel from save to restore. */
enum relay {
	RELAY_NONE,
	RELAY_FLIP,		/* flip one bit of byte `at` */
	RELAY_CUT,		/* forward `at` bytes, then close */
};

struct xfer {
	bool		 live;
	unsigned	 max_rounds;
	unsigned	 max_downtime_ms;	/* 0: no budget */
	unsigned	 timeout_s;
	enum relay	 relay;
	uint64_t	 at;
	/*
	 * Both ends move the stream through a struct reloc_stream_io, their
	 * fd -1; the target's reads at most 3000 bytes a call.  calls: the
	 * source's writev calls.
	 */
	bool		 io;
	uint64_t	 io_calls;
	int		 save_rc;
	int		 restore_status;	/* -rc of the restore */
	/*
	 * The last progress report of each round and phase, in order: the
	 * sim also reports every 200 ms within a round, so how many come
	 * depends on the machine's speed.  disorder counts reports whose
	 * round, phase or bytes went back from the one before.
	 */
	struct reloc_progress pr[64];
	size_t		 npr;
	size_t		 nreports;
	size_t		 disorder;
	bool		 overflow;
};

void	 setup(void);
void	 teardown(void);
/* Kill the guests and remove the hosts a failed test left behind. */
void	 sweep(void);

/* DIR/dom/ID/FILE (two static buffers, alternating). */
char	*dom_file(const char *dir, uint32_t domid, const char *file);
pid_t	 guest_pid(const char *dir, uint32_t domid);
void	 track(const char *dir, uint32_t domid);
bool	 pid_running(pid_t pid);
uint32_t mkdom(void *sim, const char *dir, const char *name, unsigned mb,
	    unsigned rate, bool paused);
uint64_t counter(void *sim, uint32_t domid);
/* Wait (up to WAIT_MS) until the counter is above past; its value then. */
uint64_t wait_counter_past(void *sim, uint32_t domid, uint64_t past);
/* The counter of domid does not move while a guest of ours counts. */
void	 assert_still(void *sim, const char *dir, uint32_t domid);
/* Create web01 (mb MiB, rate MB/s) on A, wait for its guest to count. */
uint32_t start_web(unsigned mb, unsigned rate, struct reloc_domain *d);
void	 destroy_all(void *sim);
size_t	 ndoms(void *sim);
void	 assert_empty(void *sim, const char *dir);
bool	 same_file(const char *a, const char *b);
/* Save domid on A while a child restores it on B as web01--incoming. */
void	 run_xfer(struct xfer *x, uint32_t domid,
	    const struct reloc_domain *dom);
/* The id of web01--incoming on B (tracked). */
uint32_t incoming(void);

/*
 * A sim stream written by hand (simhost.c), in a file: HEADER, one PAGES
 * record of the nruns runs (host order) or, without, of all pages, each
 * page filled with its number (low byte), that marks the record's page
 * `changed` as changed in flight (none when past the end), page `changed`
 * again in a record of its own filled with 0xee when resend, a ZERO
 * record for pages zero..zero+nzero when nzero > 0, STATE, END.  flip > 0
 * flips byte flip of the file; version, when not 0, replaces the
 * stream's; claim, when not 0, the first PAGES record's count of runs.
 * Returns the file, at offset 0.
 */
struct crafted {
	uint64_t	 pages;
	uint64_t	 changed;
	bool		 resend;
	size_t		 flip;
	uint64_t	 zero;
	uint64_t	 nzero;
	uint32_t	 version;
	const struct sim_run *runs;
	unsigned	 nruns;
	uint64_t	 claim;
};
int	 crafted_stream(const struct crafted *c);
/* Restore crafted_stream(c) on B as "crafted" (tracked when it worked). */
int	 restore_crafted(const struct crafted *c, uint32_t *id_r);
/* Data of page i in the first PAGES record of n runs in a crafted stream. */
#define CRAFTED_RUNS_PAGE(n, i)	(2 * sizeof(struct sim_rec) + \
				    sizeof(struct sim_stream_hdr) + \
				    (n) * sizeof(struct sim_run) + \
				    ((i) << SIM_PAGE_SHIFT))
#define CRAFTED_PAGE(pfn)	CRAFTED_RUNS_PAGE(1, pfn)

#endif /* TESTS_SIMHOST_H */
