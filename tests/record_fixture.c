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


/* The full record the record and journal suites share. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "record_fixture.h"

/* A record with every field set, force, findings and a summary. */
void
make_record(struct reloc_record *r)
{
	static const char *const force[] = { "cpu", "l2 subnet" };

	reloc_record_init(r, RELOC_ROLE_SOURCE);
	memcpy(r->id, ID, sizeof(ID));
	r->job = 42;
	snprintf(r->domain, sizeof(r->domain), "web (01) \"quoted\"");
	memcpy(r->domain_uuid, DUUID, sizeof(DUUID));
	r->domid = 17;
	snprintf(r->peer, sizeof(r->peer), "hostB.example.org");
	snprintf(r->port, sizeof(r->port), "8002");
	memcpy(r->peer_uuid, PUUID, sizeof(PUUID));
	r->peer_free_kb = 8ULL << 30;	/* 8 TiB: past 32 bits */
	r->live = true;
	r->check = false;
	r->high = true;
	r->ssl = true;
	r->rate_mbps = 250;
	ck_assert_int_eq(reloc_record_set_force(r, force, 2), 0);
	r->state = RELOC_MS_COMMITTING;
	r->go = true;
	r->outcome = RELOC_OUT_UNKNOWN;
	r->was_paused = true;
	snprintf(r->message, sizeof(r->message), "target went away after GO; "
	    "run xm recover web01");
	r->pid = 4242;
	r->pid_start = 9876543210ull;
	r->started_s = 1764000000;
	r->queries = 3;
	r->progress.phase = RELOC_PP_SUSPENDED;
	r->progress.round = 5;
	r->progress.sent_bytes = 5000000000ull;
	r->progress.remaining_bytes = 4096;
	r->progress.total_bytes = 4294967296ull;
	r->progress.rate_bytes_per_s = 125000000;
	r->progress.dirty_bytes_per_s = 8192000;
	r->has_summary = true;
	r->summary.total_ms = 12345;
	r->summary.downtime_ms = 37.25;
	r->summary.bytes = 5000004096ull;
	r->summary.rounds = 5;
	r->summary.memory_bytes = 4294967296ull;
	ck_assert_int_eq(reloc_verdict_add(&r->verdict, RELOC_SEV_ERROR, "cpu",
	    "CPU_FEATURES_MISSING", "pick a host with them", "target lacks "
	    "%s", "avx2"), 0);
	r->verdict.findings[0].forced = true;
	ck_assert_int_eq(reloc_verdict_add(&r->verdict, RELOC_SEV_WARNING,
	    "media", "MEDIA_INSERTED", "eject it", "a CD is in hdc"), 0);
}

void
assert_record_eq(const struct reloc_record *a, const struct reloc_record *b)
{
	const struct reloc_finding	*x, *y;
	size_t				 i;

	ck_assert_str_eq(a->id, b->id);
	ck_assert_int_eq(a->role, b->role);
	ck_assert_uint_eq(a->job, b->job);
	ck_assert_str_eq(a->domain, b->domain);
	ck_assert_str_eq(a->domain_uuid, b->domain_uuid);
	ck_assert_uint_eq(a->domid, b->domid);
	ck_assert_str_eq(a->peer, b->peer);
	ck_assert_str_eq(a->port, b->port);
	ck_assert_str_eq(a->peer_uuid, b->peer_uuid);
	ck_assert_uint_eq(a->peer_free_kb, b->peer_free_kb);
	ck_assert(a->live == b->live && a->check == b->check &&
	    a->high == b->high && a->ssl == b->ssl && a->go == b->go &&
	    a->was_paused == b->was_paused);
	ck_assert_uint_eq(a->rate_mbps, b->rate_mbps);
	ck_assert_uint_eq(a->nr_force, b->nr_force);
	for (i = 0; i < a->nr_force; i++)
		ck_assert_str_eq(a->force[i], b->force[i]);
	ck_assert_int_eq(a->state, b->state);
	ck_assert_int_eq(a->outcome, b->outcome);
	ck_assert_str_eq(a->message, b->message);
	ck_assert_int_eq(a->pid, b->pid);
	ck_assert_uint_eq(a->pid_start, b->pid_start);
	ck_assert_int_eq(a->started_s, b->started_s);
	ck_assert_uint_eq(a->queries, b->queries);
	ck_assert(memcmp(&a->progress, &b->progress, sizeof(a->progress)) == 0);
	ck_assert(a->has_summary == b->has_summary);
	ck_assert_uint_eq(a->summary.total_ms, b->summary.total_ms);
	ck_assert(a->summary.downtime_ms == b->summary.downtime_ms);
	ck_assert_uint_eq(a->summary.bytes, b->summary.bytes);
	ck_assert_uint_eq(a->summary.rounds, b->summary.rounds);
	ck_assert_uint_eq(a->summary.memory_bytes, b->summary.memory_bytes);
	ck_assert_uint_eq(a->verdict.nr_findings, b->verdict.nr_findings);
	for (i = 0; i < a->verdict.nr_findings; i++) {
		x = &a->verdict.findings[i];
		y = &b->verdict.findings[i];
		ck_assert_int_eq(x->severity, y->severity);
		ck_assert_str_eq(x->check, y->check);
		ck_assert_str_eq(x->code, y->code);
		ck_assert_str_eq(x->message, y->message);
		ck_assert_str_eq(x->fix, y->fix);
		ck_assert(x->forced == y->forced);
	}
}

/* to_sxp, write, read, from_sxp: what the worker channel carries. */
