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
 * Check suite for the daemon's ratelog.c: the first event per source
 * and interval is logged, the others summed up when the interval ends,
 * sources past the table share one line, and disposing logs the rest.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <event2/event.h>

#include "common.h"
#include "xrelocd.h"

START_TEST(test_first_then_summary)
{
	struct event_base	*base = event_base_new();
	struct ratelog		 rl;
	int			 i;

	capture_start();
	ck_assert_int_eq(ratelog_init(&rl, base, "listen", "refused",
	    "connection", "connections", 1), 0);
	for (i = 0; i < 1000; i++)
		ratelog_note(&rl, "192.0.2.66", "192.0.2.66:4000", "full (%d)",
		    i);
	ratelog_note(&rl, "192.0.2.7", "192.0.2.7:5000", "not allowed");
	ck_assert_uint_eq(capture_count("warn: listen: "), 2);
	ck_assert(capture_has("warn: listen: refused connection from "
	    "192.0.2.66:4000: full (0)"));
	ck_assert(capture_has("warn: listen: refused connection from "
	    "192.0.2.7:5000: not allowed"));
	/* The interval ends: the timer fires whenever the machine gets to. */
	event_base_loop(base, EVLOOP_ONCE);
	ck_assert_msg(capture_has("warn: listen: refused 999 more connections "
	    "from 192.0.2.66 in the last 1 s: full (999)"), "%s",
	    capture_text());
	ck_assert_uint_eq(capture_count("warn: listen: "), 3);
	/* A new interval: the first is logged again. */
	ratelog_note(&rl, "192.0.2.66", "192.0.2.66:4001", "full");
	ck_assert_uint_eq(capture_count("192.0.2.66:4001: full"), 1);
	ratelog_dispose(&rl);
	ratelog_dispose(&rl);
	ck_assert_uint_eq(capture_count("warn: listen: "), 4);
	capture_stop();
	event_base_free(base);
}
END_TEST

START_TEST(test_many_sources)
{
	struct event_base	*base = event_base_new();
	struct ratelog		 rl;
	char			 key[32];
	int			 i;

	capture_start();
	ck_assert_int_eq(ratelog_init(&rl, base, "listen", "closed",
	    "connection", "connections", 10), 0);
	for (i = 0; i < 200; i++) {
		snprintf(key, sizeof(key), "10.0.0.%d", i);
		ratelog_note(&rl, key, key, "no HELLO");
		ratelog_note(&rl, key, key, "no HELLO");
	}
	ck_assert_uint_eq(capture_count("warn: listen: closed connection "
	    "from 10.0.0."), RATELOG_KEYS);
	ratelog_dispose(&rl);
	ck_assert_uint_eq(capture_count("warn: listen: closed 1 more "
	    "connections from 10.0.0."), RATELOG_KEYS);
	ck_assert_msg(capture_has("warn: listen: closed 368 connections from "
	    "other addresses in the last 10 s"), "%s", capture_text());
	capture_stop();
	event_base_free(base);
}
END_TEST

static Suite *
ratelog_suite(void)
{
	Suite	*s = suite_create("ratelog");
	TCase	*tc = tcase_create("ratelog");

	tcase_add_test(tc, test_first_then_summary);
	tcase_add_test(tc, test_many_sources);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(ratelog_suite());
	int	 failed;

	log_silence();
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
