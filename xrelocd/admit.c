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
 * The target's caps on incoming migrations, and priority across hosts.
 *
 * A target admits a migration after HELLO while it receives fewer than
 * xrelocd-max-incoming at once, and fewer than
 * xrelocd-max-incoming-per-peer from the source's address.  Over a cap
 * the source is told busy and its job tries again later.  Priority
 * (HELLO's (priority high)) decides who gets a slot that frees: a
 * high-priority migration told busy leaves a claim, kept for
 * ADMIT_CLAIM_HOLD_S after its last try, and while claims are live a
 * standard migration is admitted only if the host's free slots outnumber
 * the claims refused by the host's cap, and its peer's free slots the
 * claims from that peer.  Its source
 * tries again every few seconds (jobs.c), well within the hold; a claim
 * ends when its migration is admitted or when its source stops trying.
 * Claims live in the daemon's memory only: priority orders, it never
 * decides whether a domain is safe, so a restart may forget them.
 */

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "xrelocd.h"
#include "log.h"

/* "addr:port" or "[addr]:port": the same address, whatever the port. */
static bool
same_peer_host(const char *a, const char *b)
{
	const char	*ca = strrchr(a, ':'), *cb = strrchr(b, ':');
	size_t		 la = ca != NULL ? (size_t)(ca - a) : strlen(a);
	size_t		 lb = cb != NULL ? (size_t)(cb - b) : strlen(b);

	return la == lb && strncmp(a, b, la) == 0;
}

/* Drop the claims whose hold ended by now_s. */
static void
claims_expire(struct admit_claims *c, int64_t now_s)
{
	unsigned	i = 0;

	while (i < c->n)
		if (c->c[i].until_s <= now_s)
			c->c[i] = c->c[--c->n];
		else
			i++;
}

static struct admit_claim *
claim_find(struct admit_claims *c, const char *id)
{
	unsigned	i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->c[i].id, id) == 0)
			return &c->c[i];
	return NULL;
}

static void
claim_drop(struct admit_claims *c, const char *id)
{
	struct admit_claim	*cl = claim_find(c, id);

	if (cl != NULL)
		*cl = c->c[--c->n];
}

/*
 * Make or renew id's claim; a full table gives up its oldest.  host:
 * refused by the host's cap; a claim refused only by its peer's cap
 * keeps that peer's slots, not the host's (it could not use them).
 */
static void
claim_hold(struct admit_claims *c, const struct admit_ask *a, bool host,
    int64_t now_s)
{
	struct admit_claim	*cl = claim_find(c, a->id);
	unsigned		 i;

	if (cl == NULL && c->n < ADMIT_CLAIMS_MAX)
		cl = &c->c[c->n++];
	else if (cl == NULL) {
		cl = &c->c[0];
		for (i = 1; i < c->n; i++)
			if (c->c[i].until_s < cl->until_s)
				cl = &c->c[i];
	}
	snprintf(cl->id, sizeof(cl->id), "%s", a->id);
	snprintf(cl->peer, sizeof(cl->peer), "%s", a->peer);
	cl->host = host;
	cl->until_s = now_s + ADMIT_CLAIM_HOLD_S;
}

char
admit_decide(struct admit_claims *c, const struct admit_ask *a,
    int64_t now_s, unsigned *held_r)
{
	unsigned	i, held = 0, held_peer = 0;
	char		ans = WORKER_ADMIT_YES;

	claims_expire(c, now_s);
	for (i = 0; i < c->n; i++) {
		if (a->id[0] != '\0' && strcmp(c->c[i].id, a->id) == 0)
			continue;
		if (c->c[i].host)
			held++;
		if (same_peer_host(c->c[i].peer, a->peer))
			held_peer++;
	}
	*held_r = held;
	if (a->all >= a->cap)
		ans = WORKER_ADMIT_HOST;
	else if (a->from_peer >= a->peer_cap)
		ans = WORKER_ADMIT_PEER;
	else if (!a->high && (a->cap - a->all <= held ||
	    a->peer_cap - a->from_peer <= held_peer))
		ans = WORKER_ADMIT_KEPT;
	/* Without an id (a source without a record) a claim could not end. */
	if (a->high && a->id[0] != '\0') {
		if (ans == WORKER_ADMIT_YES)
			claim_drop(c, a->id);
		else
			claim_hold(c, a, ans == WORKER_ADMIT_HOST, now_s);
	}
	return ans;
}

static int64_t
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

/*
 * Past HELLO, before anything of the domain moves: the caps on incoming
 * migrations.  A QUERY never asks, so recovery is never told busy.
 */
char
worker_admit(struct xrelocd *x, struct worker *w, const struct reloc_sxp *body)
{
	const struct worker	*o;
	struct admit_ask	 a;
	const char		*id = NULL, *prio = NULL;
	unsigned		 held;
	char			 ans;

	worker_hello_done(x, w);
	if (w->admitted)
		return WORKER_ADMIT_YES;
	if (body != NULL) {
		id = reloc_sxp_value(body, "migration");
		prio = reloc_sxp_value(body, "priority");
	}
	memset(&a, 0, sizeof(a));
	a.id = id != NULL ? id : "";
	a.peer = w->peer;
	a.high = prio != NULL && strcmp(prio, "high") == 0;
	a.cap = (unsigned)reloc_conf_int(x->conf, RELOC_CK_MAX_INCOMING);
	a.peer_cap = (unsigned)reloc_conf_int(x->conf,
	    RELOC_CK_MAX_INCOMING_PER_PEER);
	TAILQ_FOREACH(o, &x->workers, entry) {
		if (o->kind != WORKER_TARGET || !o->admitted)
			continue;
		a.all++;
		if (same_peer_host(o->peer, w->peer))
			a.from_peer++;
	}
	ans = admit_decide(&x->claims, &a, now_s(), &held);
	if (ans == WORKER_ADMIT_YES) {
		w->admitted = true;
		/* Tests read the caps' high-water mark from these lines. */
		log_info("worker", "incoming migration %s from %s admitted: "
		    "%u at once (xrelocd-max-incoming %u), %u from that host, "
		    "priority %s", a.id, w->peer, a.all + 1, a.cap,
		    a.from_peer + 1, a.high ? "high" : "standard");
	} else if (a.high && a.id[0] != '\0')
		log_info("worker", "incoming migration %s from %s told busy: "
		    "priority high, the next free slot is kept for it for %d s",
		    a.id, w->peer, ADMIT_CLAIM_HOLD_S);
	else if (ans == WORKER_ADMIT_KEPT)
		log_info("worker", "incoming migration %s from %s told busy: "
		    "priority standard, the free slots are kept for "
		    "high-priority migrations told busy before (%u for this "
		    "host's cap)", a.id, w->peer, held);
	return ans;
}
