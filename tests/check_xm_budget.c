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
 * Check suite for xm, continued (part of check_xm): the downtime budget's
 * options (--max-downtime, --timeout), what xrelocd.migrate gets of them,
 * and the progress line's prediction.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "common.h"
#include "xm.h"
#include "xm_fake.h"

static int
parse_words(struct xm_migrate_opts *o, char *err, size_t size,
    const char *a1, const char *a2)
{
	char	*argv[] = { (char *)"migrate", (char *)a1, (char *)a2,
		    (char *)"web01", (char *)"hostB", NULL };
	FILE	*f = fmemopen(err, size - 1, "w");
	int	 rc;

	rc = xm_migrate_parse(5, argv, o, f);
	fclose(f);
	return rc;
}

static const struct {
	const char	*opt, *value, *want;
} bad[] = {
	{ "--max-downtime", "-1", "--max-downtime (ms, 0: no bound): '-1' "
	    "is not a number from 0 to 3600000" },
	{ "--max-downtime", "abc", "--max-downtime (ms, 0: no bound): 'abc'" },
	{ "--max-downtime", "3600001", "'3600001' is not a number from 0" },
	{ "--timeout", "-5", "--timeout (s, 0: no limit): '-5' is not a "
	    "number from 0 to 86400" },
	{ "--timeout", "1.5", "--timeout (s, 0: no limit): '1.5'" },
};

START_TEST(test_budget_bad)
{
	struct xm_migrate_opts	o;
	char			err[256];

	memset(err, 0, sizeof(err));
	ck_assert_int_eq(parse_words(&o, err, sizeof(err), bad[_i].opt,
	    bad[_i].value), XM_EXIT_USAGE);
	ck_assert_msg(strstr(err, bad[_i].want) != NULL, "'%s' lacks '%s'",
	    err, bad[_i].want);
}
END_TEST

START_TEST(test_budget_request)
{
	struct xm_migrate_opts	o;
	struct reloc_xv		*params = NULL, *st;
	char			err[256] = "";
	int64_t			v;

	/* Given: both in the request, 0 included (no bound, no limit). */
	ck_assert_int_eq(parse_words(&o, err, sizeof(err),
	    "--max-downtime=0", "--timeout=30"), 0);
	ck_assert_int_eq(o.max_downtime, 0);
	ck_assert_int_eq(o.timeout, 30);
	ck_assert_int_eq(xm_migrate_request(&o, &params), 0);
	st = reloc_xv_nth(params, 0, NULL);
	ck_assert_int_eq(reloc_xv_member_int(st, "max-downtime", &v), 0);
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(reloc_xv_member_int(st, "timeout", &v), 0);
	ck_assert_int_eq(v, 30);
	reloc_xv_free(params);
	/* Not given: left out, for the daemon's keys. */
	ck_assert_int_eq(parse_words(&o, err, sizeof(err), "-l", "-s"), 0);
	ck_assert_int_eq(xm_migrate_request(&o, &params), 0);
	st = reloc_xv_nth(params, 0, NULL);
	ck_assert_ptr_null(reloc_xv_member(st, "max-downtime"));
	ck_assert_ptr_null(reloc_xv_member(st, "timeout"));
	reloc_xv_free(params);
}
END_TEST

START_TEST(test_budget_progress)
{
	struct reloc_xv	*st = fake_status("streaming", -1, "");
	struct reloc_xv	*p;
	char		 buf[512];

	fake_add_progress(st);
	p = reloc_xv_member(st, "progress");
	ck_assert_int_eq(reloc_xv_struct_set_i8(p, "predicted-downtime-us",
	    42400), 0);
	ck_assert_int_eq(reloc_xv_struct_set_int(p, "throttle-percent", 30),
	    0);
	ck_assert_int_eq(reloc_xv_struct_set_int(st, "max-downtime-ms", 300),
	    0);
	xm_fmt_progress(st, buf, sizeof(buf));
	ck_assert_str_eq(buf, "web01 -> hostB: precopy round 2, sent "
	    "768.0/1024.0 MiB, 4.8 MiB left, 118.2 MB/s, dirtying 10.2 "
	    "MB/s, downtime ~42 ms of 300, throttle 30%");
	reloc_xv_free(st);
}
END_TEST

TCase *
xm_budget_tcase(void)
{
	TCase	*tc = tcase_create("budget");

	tcase_add_loop_test(tc, test_budget_bad, 0, sizeof(bad) /
	    sizeof(bad[0]));
	tcase_add_test(tc, test_budget_request);
	tcase_add_test(tc, test_budget_progress);
	return tc;
}
