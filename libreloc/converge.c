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
 * When pre-copy stops.  Each round the link rate (bytes/s sent) and what
 * is still dirty predict the stop-and-copy time; with a budget, pre-copy
 * stops only when that fits, throttles the guest step by step (as QEMU's
 * cpu-throttle) when it dirties faster than the link can follow, and
 * gives up at the timeout or after a few rounds at the highest throttle.
 */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "converge-int.h"

#define NS	1000000000ull

void
reloc__conv_init(struct reloc__conv *c, const struct reloc_save_params *p,
    uint64_t switch_ns)
{
	memset(c, 0, sizeof(*c));
	c->budget_ns = (uint64_t)p->max_downtime_ms * 1000000ull;
	c->timeout_ns = (uint64_t)p->timeout_s * NS;
	c->switch_ns = switch_ns;
	c->max_rounds = p->max_rounds != 0 ? p->max_rounds :
	    RELOC_CONV_ROUNDS;
}

/* Time to send bytes at rate (ns); UINT64_MAX when it cannot tell. */
static uint64_t
send_ns(uint64_t bytes, uint64_t rate_bps)
{
	double	 t;

	if (bytes == 0)
		return 0;
	if (rate_bps == 0)
		return UINT64_MAX;
	t = (double)bytes * (double)NS / (double)rate_bps;
	return t >= (double)UINT64_MAX / 2 ? UINT64_MAX : (uint64_t)t;
}

/* Today's rule without a budget: few pages, the rounds or the bytes. */
static bool
out_of_rounds(const struct reloc__conv *c, const struct reloc_progress *pr)
{
	uint64_t	 mem = pr->total_pages * RELOC_PAGE_SIZE;

	return pr->round >= c->max_rounds ||
	    pr->sent_bytes + c->dirty_bytes > RELOC_CONV_BYTES_FACTOR * mem;
}

/*
 * The guest outruns the budget: the rounds or bytes ran out, or from the
 * second round on it dirtied at least half as fast as the link sent
 * (QEMU's trigger), so the dirty set will not shrink to fit.
 */
static bool
outrun(const struct reloc__conv *c, const struct reloc_progress *pr)
{
	return out_of_rounds(c, pr) ||
	    (pr->round >= 2 && c->dirty_bps * 2 >= c->rate_bps);
}

/* Throttle one step harder; false when it is already at the top. */
static bool
throttle_up(struct reloc__conv *c)
{
	if (c->throttle >= RELOC_CONV_THROTTLE_MAX)
		return false;
	c->throttle = c->throttle == 0 ? RELOC_CONV_THROTTLE_FIRST :
	    c->throttle + RELOC_CONV_THROTTLE_STEP;
	if (c->throttle > RELOC_CONV_THROTTLE_MAX)
		c->throttle = RELOC_CONV_THROTTLE_MAX;
	if (c->throttle > c->throttle_top)
		c->throttle_top = c->throttle;
	return true;
}

/* The verdict on a round; c's figures updated. */
static enum reloc__conv_next
decide(struct reloc__conv *c, const struct reloc_progress *pr,
    uint64_t elapsed_ns)
{
	uint64_t	 t;

	c->elapsed_ns = elapsed_ns;
	c->dirty_bytes = pr->remaining_pages * RELOC_PAGE_SIZE;
	c->dirty_bps = pr->dirty_pps * RELOC_PAGE_SIZE;
	/* A round that sent nothing measured no link: keep the last. */
	if (pr->rate_bps != 0)
		c->rate_bps = pr->rate_bps;
	t = send_ns(c->dirty_bytes, c->rate_bps);
	t = t > UINT64_MAX / RELOC_CONV_MARGIN ? UINT64_MAX :
	    t * RELOC_CONV_MARGIN;
	c->predicted_ns = t > UINT64_MAX - c->switch_ns ? UINT64_MAX :
	    t + c->switch_ns;
	if (c->budget_ns == 0)
		return pr->remaining_pages < RELOC_CONV_DIRTY_FEW ||
		    out_of_rounds(c, pr) ? RELOC_CONV_STOP : RELOC_CONV_AGAIN;
	if (c->predicted_ns <= c->budget_ns)
		return RELOC_CONV_STOP;
	if (c->timeout_ns != 0 && elapsed_ns >= c->timeout_ns) {
		c->timed_out = true;
		return RELOC_CONV_ABORT;
	}
	if (!outrun(c, pr) || throttle_up(c))
		return RELOC_CONV_AGAIN;
	return ++c->at_max >= RELOC_CONV_ROUNDS_AT_MAX ? RELOC_CONV_ABORT :
	    RELOC_CONV_AGAIN;
}

enum reloc__conv_next
reloc__conv_round(struct reloc__conv *c, struct reloc_progress *pr,
    uint64_t elapsed_ns)
{
	enum reloc__conv_next next = decide(c, pr, elapsed_ns);

	pr->predicted_ns = c->predicted_ns;
	pr->throttle_pct = c->throttle;
	return next;
}

/* "12.3 MB/s" style, for the message. */
static void
mbps(char *buf, size_t len, uint64_t bps)
{
	snprintf(buf, len, "%.1f MB/s", (double)bps / 1e6);
}

void
reloc__conv_note(const struct reloc__conv *c, enum reloc__conv_next next,
    char *buf, size_t len)
{
	char	 link[32], dirty[32], need[96];
	size_t	 n;

	mbps(link, sizeof(link), c->rate_bps);
	mbps(dirty, sizeof(dirty), c->dirty_bps);
	if (c->predicted_ns == UINT64_MAX)
		snprintf(need, sizeof(need), "an unknown time");
	else
		snprintf(need, sizeof(need), "%" PRIu64 " ms",
		    (c->predicted_ns + 999999) / 1000000);
	/* A budget no throttle can meet: say why. */
	n = strlen(need);
	if (c->budget_ns < c->switch_ns)
		snprintf(need + n, sizeof(need) - n, " (a switchover alone "
		    "takes about %" PRIu64 " ms)", c->switch_ns / 1000000);
	if (next != RELOC_CONV_ABORT)
		snprintf(buf, len, "pre-copy stops: stop-and-copy predicted "
		    "%s, budget %" PRIu64 " ms, link %s, guest dirtying %s, "
		    "throttle %u%% (at most %u%%)", need,
		    c->budget_ns / 1000000, link, dirty, c->throttle,
		    c->throttle_top);
	else if (c->timed_out)
		snprintf(buf, len, "downtime budget of %" PRIu64 " ms not met "
		    "within the timeout (%" PRIu64 " s): link %s, guest "
		    "dirtying %s (throttled %u%%), stop-and-copy would take "
		    "%s; raise --max-downtime or --timeout, or lower the "
		    "guest's load", c->budget_ns / 1000000,
		    (uint64_t)(c->timeout_ns / NS), link, dirty, c->throttle,
		    need);
	else
		snprintf(buf, len, "downtime budget of %" PRIu64 " ms not met "
		    "at the highest throttle (%u%%, %u rounds): link %s, "
		    "guest dirtying %s, stop-and-copy would take %s; raise "
		    "--max-downtime, or lower the guest's load",
		    c->budget_ns / 1000000, c->throttle, c->at_max, link,
		    dirty, need);
}

int
reloc__conv_end(const struct reloc__conv *c, enum reloc__conv_next next,
    const struct reloc_save_params *p, uint32_t domid)
{
	char	 note[512];

	reloc__conv_note(c, next, note, sizeof(note));
	if (next != RELOC_CONV_ABORT) {
		log_info("hv", "domain %" PRIu32 ": %s", domid, note);
		return 0;
	}
	log_warnx("hv", "domain %" PRIu32 ": %s", domid, note);
	if (p->why != NULL && p->why_len > 0)
		snprintf(p->why, p->why_len, "%s", note);
	return RELOC_ERR_TIMEOUT;
}
