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
 * xm evacuate's plan, a pure function: which target each domain of this
 * host goes to, given what the prechecks said of each pair and each
 * target's free memory, so that the load spreads and no target is
 * promised more memory than it has.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xm.h"

uint64_t
xm_evac_need_kb(const struct xm_evac_dom *d)
{
	return reloc_precheck_memory_need_kb(d->memory_kb, d->vcpus);
}

/* The order to place domains in: largest first, then as listed. */
static size_t *
by_size(const struct xm_evac_plan_in *in)
{
	size_t	*order, i, k, tmp;

	if ((order = calloc(in->nr_doms + 1, sizeof(*order))) == NULL)
		return NULL;
	for (i = 0; i < in->nr_doms; i++)
		order[i] = i;
	/* Insertion sort: stable, and a host has tens of domains. */
	for (i = 1; i < in->nr_doms; i++)
		for (k = i; k > 0 && xm_evac_need_kb(&in->doms[order[k]]) >
		    xm_evac_need_kb(&in->doms[order[k - 1]]); k--) {
			tmp = order[k];
			order[k] = order[k - 1];
			order[k - 1] = tmp;
		}
	return order;
}

/* Append "; HOST: what" to WHY (SIZE bytes), cut if it must be. */
static void
why_add(char *why, size_t size, const char *host, const char *what)
{
	size_t	len = strlen(why);

	if (len + 1 >= size)
		return;
	snprintf(why + len, size - len, "%s%s: %s", len > 0 ? "; " : "",
	    host, what);
}

/* Why domain d fits on no target: each target's reason, in order. */
static void
explain(const struct xm_evac_plan_in *in, size_t d, const uint64_t *left,
    char *why, size_t size)
{
	const char	*pc;
	char		 room[160];
	size_t		 t;

	why[0] = '\0';
	if (in->nr_targets == 0) {
		snprintf(why, size, "no target given");
		return;
	}
	for (t = 0; t < in->nr_targets; t++) {
		if ((pc = in->why[d * in->nr_targets + t]) != NULL) {
			why_add(why, size, in->targets[t].host, pc);
			continue;
		}
		snprintf(room, sizeof(room), "no room left: %s needs %llu MiB, "
		    "%llu MiB free after the moves planned",
		    in->doms[d].name,
		    (unsigned long long)xm_evac_need_kb(&in->doms[d]) / 1024,
		    (unsigned long long)left[t] / 1024);
		why_add(why, size, in->targets[t].host, room);
	}
}

/*
 * The target for domain d: of those whose prechecks passed and that
 * still have room, the one with the most memory left after it; ties go
 * to the one with fewer domains planned, then to the first given.
 */
static int
pick(const struct xm_evac_plan_in *in, size_t d, const uint64_t *left,
    const size_t *count)
{
	uint64_t	need = xm_evac_need_kb(&in->doms[d]);
	size_t		t;
	int		best = -1;

	for (t = 0; t < in->nr_targets; t++) {
		if (in->why[d * in->nr_targets + t] != NULL || left[t] < need)
			continue;
		if (best < 0 || left[t] > left[best] || (left[t] ==
		    left[best] && count[t] < count[best]))
			best = (int)t;
	}
	return best;
}

int
xm_evac_plan(const struct xm_evac_plan_in *in, struct xm_evac_choice *out)
{
	uint64_t	*left = NULL;
	size_t		*count = NULL, *order = NULL, i, d;
	int		 t, rc = -1;

	if ((left = calloc(in->nr_targets + 1, sizeof(*left))) == NULL ||
	    (count = calloc(in->nr_targets + 1, sizeof(*count))) == NULL ||
	    (order = by_size(in)) == NULL)
		goto out;
	for (i = 0; i < in->nr_targets; i++)
		left[i] = in->targets[i].free_kb;
	for (i = 0; i < in->nr_doms; i++) {
		d = order[i];
		out[d].target = t = pick(in, d, left, count);
		out[d].why[0] = '\0';
		if (t < 0) {
			explain(in, d, left, out[d].why, sizeof(out[d].why));
			continue;
		}
		left[t] -= xm_evac_need_kb(&in->doms[d]);
		count[t]++;
	}
	rc = 0;
out:
	free(order);
	free(count);
	free(left);
	return rc;
}
