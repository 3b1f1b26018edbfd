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
 * Check suite for converge.c: synthetic rounds (link rate, dirty rate,
 * dirty pages, time) in, decisions out: when pre-copy stops, how the
 * throttle steps, when it gives up and what it says then.  The throttle
 * as Xen's scheduler cap is in check_converge_cap.c.
 */

#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_converge.h"
#include "common.h"
#include "converge-int.h"

#define MB		1000000ull
#define MS		1000000ull	/* ns */
#define SWITCH_NS	(50 * MS)
#define PAGES		65536ull	/* a 256 MiB domain */

static struct reloc_save_params	params;
struct reloc__conv		conv;
static struct reloc_progress	pr;

void
start(unsigned budget_ms, unsigned timeout_s)
{
	memset(&params, 0, sizeof(params));
	memset(&pr, 0, sizeof(pr));
	params.live = true;
	params.max_downtime_ms = budget_ms;
	params.timeout_s = timeout_s;
	reloc__conv_init(&conv, &params, SWITCH_NS);
	pr.total_pages = PAGES;
}

/*
 * The next round: it sent at link MB/s, the guest dirtied at dirty MB/s,
 * pages are dirty now, elapsed_ms since pre-copy began.
 */
enum reloc__conv_next
round_(uint64_t link, uint64_t dirty, uint64_t pages, uint64_t elapsed_ms)
{
	pr.round++;
	pr.rate_bps = link * MB;
	pr.dirty_pps = dirty * MB / RELOC_PAGE_SIZE;
	pr.remaining_pages = pages;
	pr.sent_bytes += pr.round == 1 ? PAGES * RELOC_PAGE_SIZE :
	    pages * RELOC_PAGE_SIZE;
	return reloc__conv_round(&conv, &pr, elapsed_ms * MS);
}

/* ---------------------------------------------------------------- nobudget */

START_TEST(test_nobudget_rounds)
{
	unsigned	 i;

	start(0, 0);
	/* 200 MB/s dirtying, 100 MB/s link: today's rule, 5 rounds. */
	for (i = 1; i < RELOC_CONV_ROUNDS; i++)
		ck_assert_int_eq(round_(100, 200, 20000, i * 1000),
		    RELOC_CONV_AGAIN);
	ck_assert_int_eq(round_(100, 200, 20000, 5000), RELOC_CONV_STOP);
	ck_assert_uint_eq(conv.throttle, 0);
	ck_assert_uint_eq(pr.throttle_pct, 0);
}
END_TEST

START_TEST(test_nobudget_few_pages)
{
	start(0, 0);
	ck_assert_int_eq(round_(100, 1, RELOC_CONV_DIRTY_FEW, 1000),
	    RELOC_CONV_AGAIN);
	ck_assert_int_eq(round_(100, 1, RELOC_CONV_DIRTY_FEW - 1, 1100),
	    RELOC_CONV_STOP);
}
END_TEST

START_TEST(test_nobudget_bytes)
{
	start(0, 0);
	params.max_rounds = 100;
	reloc__conv_init(&conv, &params, SWITCH_NS);
	/* All of memory dirty again each round: the third passes 3x. */
	ck_assert_int_eq(round_(100, 200, PAGES, 1000), RELOC_CONV_AGAIN);
	ck_assert_int_eq(round_(100, 200, PAGES, 2000), RELOC_CONV_AGAIN);
	ck_assert_int_eq(round_(100, 200, PAGES, 3000), RELOC_CONV_STOP);
}
END_TEST

/* ---------------------------------------------------------------- budget */

START_TEST(test_budget_fits)
{
	start(300, 0);
	/* 1000 pages at 100 MB/s: 41 ms, twice, + 50 ms of switchover. */
	ck_assert_int_eq(round_(100, 5, 1000, 3000), RELOC_CONV_STOP);
	ck_assert_uint_eq(conv.predicted_ns, 1000 * RELOC_PAGE_SIZE * 10 *
	    RELOC_CONV_MARGIN + SWITCH_NS);
	ck_assert_uint_eq(pr.predicted_ns, conv.predicted_ns);
	ck_assert_uint_le(pr.predicted_ns, 300 * MS);
}
END_TEST

START_TEST(test_budget_not_few_pages)
{
	/* 40 pages fit today's rule, not a 60 ms budget at 1 MB/s. */
	start(60, 0);
	ck_assert_int_eq(round_(1, 0, 40, 1000), RELOC_CONV_AGAIN);
	ck_assert_uint_gt(conv.predicted_ns, 60 * MS);
}
END_TEST

START_TEST(test_budget_switch_cost)
{
	/* Nothing dirty: the switchover alone, against the budget. */
	start(49, 0);
	ck_assert_int_eq(round_(100, 0, 0, 1000), RELOC_CONV_AGAIN);
	ck_assert_uint_eq(conv.predicted_ns, SWITCH_NS);
	start(50, 0);
	ck_assert_int_eq(round_(100, 0, 0, 1000), RELOC_CONV_STOP);
}
END_TEST

START_TEST(test_budget_past_rounds)
{
	unsigned	 i;

	/* Past the rounds and bytes of today's rule, never stops above. */
	start(300, 0);
	for (i = 1; i <= 2 * RELOC_CONV_ROUNDS; i++) {
		ck_assert_int_eq(round_(100, 200, 20000, i * 1000),
		    RELOC_CONV_AGAIN);
		ck_assert_uint_gt(pr.predicted_ns, 300 * MS);
	}
}
END_TEST

START_TEST(test_no_link_yet)
{
	start(300, 0);
	/* A round that sent nothing tells nothing of the link. */
	ck_assert_int_eq(round_(0, 0, 5000, 10), RELOC_CONV_AGAIN);
	ck_assert_uint_eq(conv.predicted_ns, UINT64_MAX);
	/* Then the last rate measured is kept. */
	ck_assert_int_eq(round_(100, 1, 100, 1000), RELOC_CONV_STOP);
	ck_assert_int_eq(round_(0, 1, 100, 1010), RELOC_CONV_STOP);
	ck_assert_uint_eq(conv.rate_bps, 100 * MB);
}
END_TEST

/* ---------------------------------------------------------------- throttle */

START_TEST(test_throttle_steps)
{
	unsigned	 want[] = { 0, 20, 30, 40, 50, 60, 70, 80, 90, 99, 99 };
	unsigned	 i;

	start(300, 0);
	/* Round 1 never throttles: it sends the whole memory. */
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		ck_assert_int_eq(round_(100, 200, 20000, (i + 1) * 1000),
		    RELOC_CONV_AGAIN);
		ck_assert_uint_eq(conv.throttle, want[i]);
		ck_assert_uint_eq(pr.throttle_pct, want[i]);
	}
	ck_assert_uint_eq(conv.throttle_top, 99);
}
END_TEST

START_TEST(test_throttle_not_when_shrinking)
{
	start(300, 0);
	/* 10 MB/s dirtying on a 100 MB/s link converges by itself. */
	ck_assert_int_eq(round_(100, 10, 30000, 1000), RELOC_CONV_AGAIN);
	ck_assert_int_eq(round_(100, 10, 9000, 2000), RELOC_CONV_AGAIN);
	ck_assert_uint_eq(conv.throttle, 0);
	ck_assert_int_eq(round_(100, 10, 2000, 2100), RELOC_CONV_STOP);
	ck_assert_uint_eq(conv.throttle, 0);
}
END_TEST

START_TEST(test_throttle_then_fits)
{
	start(300, 0);
	ck_assert_int_eq(round_(100, 200, 20000, 1000), RELOC_CONV_AGAIN);
	ck_assert_int_eq(round_(100, 200, 20000, 2000), RELOC_CONV_AGAIN);
	ck_assert_uint_eq(conv.throttle, 20);
	ck_assert_int_eq(round_(100, 160, 15000, 3000), RELOC_CONV_AGAIN);
	ck_assert_uint_eq(conv.throttle, 30);
	/* The throttled guest's dirty set fits: stop, throttle as it is. */
	ck_assert_int_eq(round_(100, 20, 2500, 3500), RELOC_CONV_STOP);
	ck_assert_uint_eq(conv.throttle, 30);
	ck_assert_uint_le(pr.predicted_ns, 300 * MS);
}
END_TEST

/* ---------------------------------------------------------------- abort */

START_TEST(test_abort_timeout)
{
	char	 why[512];

	start(1, 2);
	ck_assert_int_eq(round_(100, 400, 30000, 1000), RELOC_CONV_AGAIN);
	ck_assert_int_eq(round_(100, 400, 30000, 2000), RELOC_CONV_ABORT);
	ck_assert(conv.timed_out);
	reloc__conv_note(&conv, RELOC_CONV_ABORT, why, sizeof(why));
	ck_assert_ptr_nonnull(strstr(why, "link 100.0 MB/s"));
	ck_assert_ptr_nonnull(strstr(why, "guest dirtying 400.0 MB/s"));
	ck_assert_ptr_nonnull(strstr(why, "would take 2508 ms"));
	ck_assert_ptr_nonnull(strstr(why, "--max-downtime"));
	ck_assert_ptr_nonnull(strstr(why, "--timeout"));
	ck_assert_ptr_nonnull(strstr(why, "budget of 1 ms"));
	ck_assert_ptr_nonnull(strstr(why, "(a switchover alone takes about "
	    "50 ms)"));
}
END_TEST

START_TEST(test_abort_fits_at_timeout)
{
	/* The timeout only ends a pre-copy that does not fit. */
	start(300, 1);
	ck_assert_int_eq(round_(100, 1, 100, 5000), RELOC_CONV_STOP);
}
END_TEST

START_TEST(test_abort_at_max)
{
	unsigned	 n = 0;
	int		 next;

	/* No timeout: a few rounds at 99% end it all the same. */
	start(5, 0);
	do {
		next = round_(100, 400, 30000, ++n * 1000);
		ck_assert_uint_lt(n, 100);
	} while (next == RELOC_CONV_AGAIN);
	ck_assert_int_eq(next, RELOC_CONV_ABORT);
	ck_assert(!conv.timed_out);
	ck_assert_uint_eq(conv.throttle, 99);
	ck_assert_uint_eq(conv.at_max, RELOC_CONV_ROUNDS_AT_MAX);
	/* 1 round without throttle, 9 steps to 99%, then the rounds. */
	ck_assert_uint_eq(n, 1 + 9 + RELOC_CONV_ROUNDS_AT_MAX);
}
END_TEST

START_TEST(test_end)
{
	char	 why[512] = "";

	start(1, 1);
	params.why = why;
	params.why_len = sizeof(why);
	ck_assert_int_eq(round_(100, 400, 30000, 1000), RELOC_CONV_ABORT);
	ck_assert_int_eq(reloc__conv_end(&conv, RELOC_CONV_ABORT, &params, 7),
	    RELOC_ERR_TIMEOUT);
	ck_assert_ptr_nonnull(strstr(why, "not met within the timeout"));
	why[0] = '\0';
	start(300, 0);
	params.why = why;
	params.why_len = sizeof(why);
	ck_assert_int_eq(round_(100, 1, 10, 1000), RELOC_CONV_STOP);
	ck_assert_int_eq(reloc__conv_end(&conv, RELOC_CONV_STOP, &params, 7),
	    0);
	ck_assert_str_eq(why, "");
}
END_TEST

static Suite *
converge_suite(void)
{
	Suite	*s = suite_create("converge");
	TCase	*tc;

	tc = tcase_create("nobudget");
	tcase_add_checked_fixture(tc, log_silence, NULL);
	tcase_add_test(tc, test_nobudget_rounds);
	tcase_add_test(tc, test_nobudget_few_pages);
	tcase_add_test(tc, test_nobudget_bytes);
	suite_add_tcase(s, tc);
	tc = tcase_create("budget");
	tcase_add_checked_fixture(tc, log_silence, NULL);
	tcase_add_test(tc, test_budget_fits);
	tcase_add_test(tc, test_budget_not_few_pages);
	tcase_add_test(tc, test_budget_switch_cost);
	tcase_add_test(tc, test_budget_past_rounds);
	tcase_add_test(tc, test_no_link_yet);
	suite_add_tcase(s, tc);
	tc = tcase_create("throttle");
	tcase_add_checked_fixture(tc, log_silence, NULL);
	tcase_add_test(tc, test_throttle_steps);
	tcase_add_test(tc, test_throttle_not_when_shrinking);
	tcase_add_test(tc, test_throttle_then_fits);
	suite_add_tcase(s, tc);
	tc = tcase_create("abort");
	tcase_add_checked_fixture(tc, log_silence, NULL);
	tcase_add_test(tc, test_abort_timeout);
	tcase_add_test(tc, test_abort_fits_at_timeout);
	tcase_add_test(tc, test_abort_at_max);
	tcase_add_test(tc, test_end);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, converge_cap_tcase());
	suite_add_tcase(s, converge_note_tcase());
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(converge_suite());
	int	 failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
