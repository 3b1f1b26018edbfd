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
 * throttle steps, when it gives up and what it says then; the throttle as
 * Xen's scheduler cap (hv_libxl_cap.c), its calls recorded.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "common.h"
#include "converge-int.h"

#define MB		1000000ull
#define MS		1000000ull	/* ns */
#define SWITCH_NS	(50 * MS)
#define PAGES		65536ull	/* a 256 MiB domain */

static struct reloc_save_params	params;
static struct reloc__conv	conv;
static struct reloc_progress	pr;

static void
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
static enum reloc__conv_next
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

/* ---------------------------------------------------------------- cap */

/* The scheduler's calls, recorded: "get 7", "set 7 256 160". */
static char	 calls[16][48];
static size_t	 ncalls;
static int	 sched_weight = 256, sched_cap, get_rc, set_rc;

static void
record(const char *what, uint32_t domid, int weight, int cap)
{
	ck_assert_uint_lt(ncalls, 16);
	if (weight < 0)
		snprintf(calls[ncalls++], sizeof(calls[0]), "%s %u", what,
		    (unsigned)domid);
	else
		snprintf(calls[ncalls++], sizeof(calls[0]), "%s %u %d %d",
		    what, (unsigned)domid, weight, cap);
}

static int
fake_get(void *arg, uint32_t domid, int *weight_r, int *cap_r)
{
	ck_assert_ptr_eq(arg, &ncalls);
	record("get", domid, -1, 0);
	if (get_rc < 0)
		return get_rc;
	*weight_r = sched_weight;
	*cap_r = sched_cap;
	return 0;
}

static int
fake_set(void *arg, uint32_t domid, int weight, int cap)
{
	ck_assert_ptr_eq(arg, &ncalls);
	record("set", domid, weight, cap);
	if (set_rc < 0)
		return set_rc;
	sched_weight = weight;
	sched_cap = cap;
	return 0;
}

static const struct reloc__cap_ops fake_ops = { fake_get, fake_set };
static struct reloc__cap cap;

static void
cap_setup(void)
{
	log_silence();
	ncalls = 0;
	sched_weight = 256;
	sched_cap = 0;
	get_rc = set_rc = 0;
}

static void
assert_calls(const char *const *want, size_t n)
{
	size_t	 i;

	ck_assert_uint_eq(ncalls, n);
	for (i = 0; i < n; i++)
		ck_assert_str_eq(calls[i], want[i]);
}

START_TEST(test_cap_steps_restore)
{
	static const char *const want[] = { "get 7", "set 7 256 160",
	    "set 7 256 140", "set 7 256 2", "set 7 256 0" };

	/* Two vcpus, uncapped: 200% of a CPU is what it may use. */
	reloc__cap_init(&cap, &fake_ops, &ncalls, 7, 2);
	ck_assert_int_eq(reloc__cap_set(&cap, 20), 0);
	ck_assert_int_eq(reloc__cap_set(&cap, 30), 0);
	ck_assert_int_eq(reloc__cap_set(&cap, 30), 0);
	ck_assert_int_eq(reloc__cap_set(&cap, 99), 0);
	ck_assert_int_eq(reloc__cap_restore(&cap), 0);
	/* Exactly once: a second restore (the failure path) does nothing. */
	ck_assert_int_eq(reloc__cap_restore(&cap), 0);
	assert_calls(want, sizeof(want) / sizeof(want[0]));
	ck_assert_int_eq(sched_weight, 256);
	ck_assert_int_eq(sched_cap, 0);
}
END_TEST

START_TEST(test_cap_of_capped)
{
	static const char *const want[] = { "get 3", "set 3 512 40",
	    "set 3 512 1", "set 3 512 50" };

	/* Capped at 50% of a CPU with weight 512: a share of that. */
	sched_weight = 512;
	sched_cap = 50;
	reloc__cap_init(&cap, &fake_ops, &ncalls, 3, 4);
	ck_assert_int_eq(reloc__cap_set(&cap, 20), 0);
	ck_assert_int_eq(reloc__cap_set(&cap, 99), 0);
	ck_assert_int_eq(reloc__cap_set(&cap, 0), 0);
	assert_calls(want, sizeof(want) / sizeof(want[0]));
	ck_assert_int_eq(sched_weight, 512);
	ck_assert_int_eq(sched_cap, 50);
}
END_TEST

START_TEST(test_cap_untouched)
{
	/* Never throttled: restoring calls nothing. */
	reloc__cap_init(&cap, &fake_ops, &ncalls, 7, 1);
	ck_assert_int_eq(reloc__cap_restore(&cap), 0);
	ck_assert_uint_eq(ncalls, 0);
}
END_TEST

START_TEST(test_cap_get_fails)
{
	static const char *const want[] = { "get 7", "get 7" };

	/* No cap read, none set, none to restore. */
	get_rc = RELOC_ERR_HV;
	reloc__cap_init(&cap, &fake_ops, &ncalls, 7, 1);
	ck_assert_int_eq(reloc__cap_set(&cap, 20), RELOC_ERR_HV);
	ck_assert_int_eq(reloc__cap_set(&cap, 30), RELOC_ERR_HV);
	ck_assert_int_eq(reloc__cap_restore(&cap), 0);
	assert_calls(want, sizeof(want) / sizeof(want[0]));
}
END_TEST

START_TEST(test_cap_set_fails)
{
	static const char *const want[] = { "get 7", "set 7 256 80",
	    "set 7 256 0", "set 7 256 0" };

	/* A restore that failed is tried again by the next one. */
	reloc__cap_init(&cap, &fake_ops, &ncalls, 7, 1);
	ck_assert_int_eq(reloc__cap_set(&cap, 20), 0);
	set_rc = RELOC_ERR_HV;
	ck_assert_int_eq(reloc__cap_restore(&cap), RELOC_ERR_HV);
	set_rc = 0;
	ck_assert_int_eq(reloc__cap_restore(&cap), 0);
	assert_calls(want, sizeof(want) / sizeof(want[0]));
	ck_assert_int_eq(sched_cap, 0);
}
END_TEST

/*
 * A save's life on Xen as hv_libxl_mig.c drives it: each round's
 * throttle becomes the cap, and whatever the end (moved, failed,
 * aborted) the cap is put back once.
 */
START_TEST(test_cap_save_abort)
{
	static const char *const want[] = { "get 9", "set 9 256 80",
	    "set 9 256 70", "set 9 256 0" };
	int	 next = RELOC_CONV_AGAIN;
	unsigned n = 0;

	start(1, 4);
	reloc__cap_init(&cap, &fake_ops, &ncalls, 9, 1);
	while (next == RELOC_CONV_AGAIN) {
		next = round_(100, 400, 30000, ++n * 1000);
		if (next == RELOC_CONV_AGAIN)
			ck_assert_int_eq(reloc__cap_set(&cap, conv.throttle),
			    0);
	}
	ck_assert_int_eq(next, RELOC_CONV_ABORT);
	ck_assert_int_eq(reloc__cap_restore(&cap), 0);
	assert_calls(want, sizeof(want) / sizeof(want[0]));
}
END_TEST

#define UUID	"8c3b2a3e-1f7e-4e8e-9d6a-0e0b5d3c2a11"

static char	 note_dir[64];

static bool
note_exists(uint32_t domid)
{
	char	 path[128];

	snprintf(path, sizeof(path), "%s/throttle.%u", note_dir,
	    (unsigned)domid);
	return access(path, F_OK) == 0;
}

static void
note_setup(void)
{
	cap_setup();
	snprintf(note_dir, sizeof(note_dir), "/tmp/check_converge.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(note_dir));
}

static void
note_teardown(void)
{
	char	 path[128];

	snprintf(path, sizeof(path), "%s/throttle.7", note_dir);
	(void)unlink(path);
	(void)rmdir(note_dir);
}

static void
cap_with_note(uint32_t domid)
{
	reloc__cap_init(&cap, &fake_ops, &ncalls, domid, 2);
	cap.note_dir = note_dir;
	snprintf(cap.uuid, sizeof(cap.uuid), "%s", UUID);
}

START_TEST(test_note_while_throttled)
{
	cap_with_note(7);
	ck_assert(!note_exists(7));
	ck_assert_int_eq(reloc__cap_set(&cap, 20), 0);
	ck_assert(note_exists(7));
	ck_assert_int_eq(reloc__cap_restore(&cap), 0);
	ck_assert(!note_exists(7));
}
END_TEST

/* The saver killed: the recovery's resume finds what to put back. */
START_TEST(test_note_saver_killed)
{
	int	 w = 0, c = -1;

	sched_weight = 512;
	sched_cap = 0;
	cap_with_note(7);
	ck_assert_int_eq(reloc__cap_set(&cap, 50), 0);
	ck_assert_int_eq(sched_cap, 100);
	ck_assert_int_eq(reloc__cap_note_take(note_dir, 7, UUID, &w, &c), 0);
	ck_assert_int_eq(w, 512);
	ck_assert_int_eq(c, 0);
	ck_assert(!note_exists(7));
	ck_assert_int_eq(reloc__cap_note_take(note_dir, 7, UUID, &w, &c),
	    RELOC_ERR_NOENT);
}
END_TEST

START_TEST(test_note_other_domain)
{
	int	 w = 0, c = 0;

	/* A domid reused by another domain: the note is stale. */
	cap_with_note(7);
	ck_assert_int_eq(reloc__cap_set(&cap, 20), 0);
	ck_assert_int_eq(reloc__cap_note_take(note_dir, 7,
	    "00000000-0000-4000-8000-000000000000", &w, &c), RELOC_ERR_NOENT);
	ck_assert(!note_exists(7));
	ck_assert_int_eq(reloc__cap_note_take(note_dir, 8, UUID, &w, &c),
	    RELOC_ERR_NOENT);
}
END_TEST

START_TEST(test_note_cannot_write)
{
	static const char *const want[] = { "get 7" };

	/* No note, no cap: nothing is changed that could not be undone. */
	cap_with_note(7);
	cap.note_dir = "/nonexistent/dir";
	ck_assert_int_lt(reloc__cap_set(&cap, 20), 0);
	ck_assert_int_eq(reloc__cap_restore(&cap), 0);
	assert_calls(want, sizeof(want) / sizeof(want[0]));
	ck_assert_int_eq(sched_cap, 0);
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
	tc = tcase_create("cap");
	tcase_add_checked_fixture(tc, cap_setup, NULL);
	tcase_add_test(tc, test_cap_steps_restore);
	tcase_add_test(tc, test_cap_of_capped);
	tcase_add_test(tc, test_cap_untouched);
	tcase_add_test(tc, test_cap_get_fails);
	tcase_add_test(tc, test_cap_set_fails);
	tcase_add_test(tc, test_cap_save_abort);
	suite_add_tcase(s, tc);
	tc = tcase_create("cap_note");
	tcase_add_checked_fixture(tc, note_setup, note_teardown);
	tcase_add_test(tc, test_note_while_throttled);
	tcase_add_test(tc, test_note_saver_killed);
	tcase_add_test(tc, test_note_other_domain);
	tcase_add_test(tc, test_note_cannot_write);
	suite_add_tcase(s, tc);
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
