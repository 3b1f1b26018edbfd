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
 * Check suite for hv_libxl_facts.c, continued: libxc's progress lines of
 * a recorded live and offline save turned into reloc_progress (part of
 * check_hv_libxl).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_hv_libxl.h"
#include "common.h"
#include "reloc-int.h"

START_TEST(test_progress_live)
{
	struct reloc__xen_progress	 st;
	char				*text, *line, *save = NULL;
	char				 what[64], *of;
	unsigned long			 ms, done, total;
	uint64_t			 last_sent = 0;
	unsigned			 emits = 0, last_round = 0;

	text = libxl_slurp_data("libxl/progress-live.txt");
	reloc__xenfacts_progress_init(&st);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		ck_assert_int_eq(sscanf(line, "%lu|%63[^|]|%lu|%lu", &ms, what,
		    &done, &total), 4);
		/* The second run: Xen 4.11+ drops " of MAX" from the label. */
		if (_i == 1 && strncmp(what, "Frames iteration", 16) == 0 &&
		    (of = strstr(what, " of ")) != NULL)
			*of = '\0';
		if (!reloc__xenfacts_progress_step(&st, what, done, total,
		    ms * 1000000ull))
			continue;
		emits++;
		ck_assert_uint_ge(st.p.sent_bytes, last_sent);
		ck_assert_uint_ge(st.p.round, last_round);
		last_sent = st.p.sent_bytes;
		last_round = st.p.round;
		if (strncmp(what, "Frames iteration 1", 18) == 0 && done == 0) {
			/* 1 GiB in 400 ms; 20480 pages dirtied meanwhile. */
			ck_assert_uint_eq(st.p.rate_bps,
			    262144ull * 4096 * 1000 / 401);
			ck_assert_uint_eq(st.p.dirty_pps,
			    20480ull * 1000 / 401);
			ck_assert_uint_eq(st.p.remaining_pages, 20480);
			ck_assert_int_eq(st.p.phase, RELOC_PP_PRECOPY);
		}
	}
	free(text);
	ck_assert_int_eq(st.p.phase, RELOC_PP_DONE);
	ck_assert_uint_eq(st.p.round, 6);
	ck_assert_uint_eq(st.p.total_pages, 262144);
	ck_assert_uint_eq(st.p.suspended_ns, 458ull * 1000000);
	ck_assert_uint_eq(st.p.sent_bytes,
	    (262144ull + 20480 + 3072 + 512 + 64 + 96) * 4096);
	ck_assert_uint_eq(st.p.remaining_pages, 0);
	/* "Start of stream" and "Complete" say nothing. */
	ck_assert_uint_eq(emits, 15);
}
END_TEST

START_TEST(test_progress_nonlive)
{
	struct reloc__xen_progress	 st;

	reloc__xenfacts_progress_init(&st);
	ck_assert(reloc__xenfacts_progress_step(&st, "Domain now suspended",
	    0, 0, 1000));
	ck_assert_int_eq(st.p.phase, RELOC_PP_SUSPENDED);
	ck_assert(reloc__xenfacts_progress_step(&st, "Frames", 0, 4096,
	    2000));
	ck_assert_uint_eq(st.p.round, 1);
	/* Inside a round, no more than one report per 200 ms. */
	ck_assert(!reloc__xenfacts_progress_step(&st, "Frames", 1024, 4096,
	    3000));
	ck_assert(reloc__xenfacts_progress_step(&st, "Frames", 4096, 4096,
	    4000));
	ck_assert_uint_eq(st.p.sent_bytes, 4096ull * 4096);
	ck_assert_uint_eq(st.p.round, 1);
	ck_assert(!reloc__xenfacts_progress_step(&st, "Restoring", 1, 2,
	    5000));
	ck_assert(!reloc__xenfacts_progress_step(&st, NULL, 1, 2, 5000));
}
END_TEST

TCase *
libxl_progress_tcase(void)
{
	TCase	*tc = tcase_create("progress");

	tcase_add_checked_fixture(tc, log_silence, NULL);
	tcase_add_loop_test(tc, test_progress_live, 0, 2);
	tcase_add_test(tc, test_progress_nonlive);
	return tc;
}
