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
 * Check suite for converge.c, continued (part of check_converge): the
 * throttle as Xen's scheduler cap (hv_libxl_cap.c), its scheduler calls
 * recorded, and the note that lets a recovery put the cap back.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "check_converge.h"
#include "common.h"

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

TCase *
converge_cap_tcase(void)
{
	TCase	*tc = tcase_create("cap");

	tcase_add_checked_fixture(tc, cap_setup, NULL);
	tcase_add_test(tc, test_cap_steps_restore);
	tcase_add_test(tc, test_cap_of_capped);
	tcase_add_test(tc, test_cap_untouched);
	tcase_add_test(tc, test_cap_get_fails);
	tcase_add_test(tc, test_cap_set_fails);
	tcase_add_test(tc, test_cap_save_abort);
	return tc;
}

TCase *
converge_note_tcase(void)
{
	TCase	*tc = tcase_create("cap_note");

	tcase_add_checked_fixture(tc, note_setup, note_teardown);
	tcase_add_test(tc, test_note_while_throttled);
	tcase_add_test(tc, test_note_saver_killed);
	tcase_add_test(tc, test_note_other_domain);
	tcase_add_test(tc, test_note_cannot_write);
	return tc;
}
