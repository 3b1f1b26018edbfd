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
 * Check suite for xm, continued (part of check_xm): the final line of a
 * move that failed says where the domain is, once, also when the reason
 * (a recovery's) says it already.
 */

#include <check.h>

#include "common.h"
#include "xm.h"
#include "xm_fake.h"

/* msg, was-paused: the line xm prints. */
static const struct {
	const char	*msg;
	bool		 paused;
	const char	*line;
} failed[] = {
	{ "precheck failed: cpu", false, "web01 did not move to hostB: "
	    "precheck failed: cpu; it runs here as before" },
	/* A domain paused before the migration is paused after it. */
	{ "cannot connect", true, "web01 did not move to hostB: cannot "
	    "connect; it is paused here as before" },
	{ "the migration ended before GO; web01 runs here as before", false,
	    "web01 did not move to hostB: the migration ended before GO; "
	    "web01 runs here as before" },
	{ "the migration ended before GO; web01 is paused here as before",
	    true, "web01 did not move to hostB: the migration ended before "
	    "GO; web01 is paused here as before" },
	{ "the migration ended before GO; web01 runs here as before (see the "
	    "log: a step of the resume failed)", false, "web01 did not move "
	    "to hostB: the migration ended before GO; web01 runs here as "
	    "before (see the log: a step of the resume failed)" },
};

START_TEST(test_failed_line)
{
	struct reloc_xv	*st = fake_status("failed", 1, failed[_i].msg);
	char		 buf[512];

	ck_assert_int_eq(reloc_xv_struct_set_bool(st, "was-paused",
	    failed[_i].paused), 0);
	xm_fmt_summary(st, buf, sizeof(buf));
	ck_assert_str_eq(buf, failed[_i].line);
	reloc_xv_free(st);
}
END_TEST

TCase *
xm_failed_tcase(void)
{
	TCase	*tc = tcase_create("failed");

	tcase_add_loop_test(tc, test_failed_line, 0, sizeof(failed) /
	    sizeof(failed[0]));
	return tc;
}
