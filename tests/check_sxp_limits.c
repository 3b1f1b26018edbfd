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
 * Check suite for the S-expression codec, continued: the depth and size
 * limits that keep hostile input from exhausting the stack or memory
 * (part of check_sxp).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_sxp.h"
#include "common.h"
#include "reloc.h"

/* ---------------------------------------------------------------- limits */

static char *
nested(size_t depth, const char *tail)
{
	char	*s;
	size_t	 n = strlen(tail);

	s = malloc(2 * depth + n + 1);
	ck_assert_ptr_nonnull(s);
	memset(s, '(', depth);
	memcpy(s + depth, tail, n);
	memset(s + depth + n, ')', depth);
	s[2 * depth + n] = '\0';
	return s;
}

START_TEST(test_depth_ok)
{
	struct reloc_sxp	*root, *n;
	char			*s = nested(RELOC_SXP_MAX_DEPTH, "x");
	size_t			 i;

	root = sxp_read_ok(s);
	n = root;
	for (i = 0; i < RELOC_SXP_MAX_DEPTH; i++)
		n = reloc_sxp_nth(n, 0);
	sxp_assert_atom(reloc_sxp_nth(n, 0), "x", 1);
	sxp_assert_round_trip(reloc_sxp_nth(root, 0));
	reloc_sxp_free(root);
	free(s);
}
END_TEST

START_TEST(test_depth_over)
{
	char	*s = nested(RELOC_SXP_MAX_DEPTH + 1, "x"), *t;

	/* The over-deep list is skipped; the error after it is found. */
	if (asprintf(&t, "%s\n(y))", s) < 0)
		ck_abort();
	sxp_read_bad(t, strlen(t));
	ck_assert(capture_has("t:1:65: lists nested deeper than 64"));
	ck_assert(capture_has("t:2:4: unexpected ')'"));
	ck_assert_uint_eq(capture_count("err: sxp:"), 2);
	capture_stop();
	free(t);
	free(s);
}
END_TEST

START_TEST(test_depth_hostile)
{
	size_t	 n = 1000000;
	char	*s = malloc(n);

	ck_assert_ptr_nonnull(s);
	memset(s, '(', n);
	sxp_read_bad(s, n);
	ck_assert_uint_eq(capture_count("nested deeper"), 1);
	capture_stop();
	free(s);
}
END_TEST

START_TEST(test_write_too_deep)
{
	struct reloc_sxp	*top, *l, *sub;
	char			*buf = NULL;
	size_t			 i;

	ck_assert_int_eq(reloc_sxp_new_list(&top), 0);
	l = top;
	for (i = 0; i < RELOC_SXP_MAX_DEPTH; i++) {
		ck_assert_int_eq(reloc_sxp_new_list(&sub), 0);
		ck_assert_int_eq(reloc_sxp_append(l, sub), 0);
		l = sub;
	}
	log_silence();
	ck_assert_int_eq(reloc_sxp_write(top, &buf, NULL), RELOC_ERR_INVAL);
	ck_assert_ptr_null(buf);
	ck_assert_int_eq(reloc_sxp_write(reloc_sxp_nth(top, 0), &buf, NULL), 0);
	free(buf);
	reloc_sxp_free(top);
}
END_TEST

START_TEST(test_size_limit)
{
	struct reloc_sxp	*root = NULL;
	size_t			 n = RELOC_SXP_MAX_INPUT;
	char			*s = malloc(n + 1);

	ck_assert_ptr_nonnull(s);
	memset(s, ' ', n + 1);
	s[0] = 'a';
	ck_assert_int_eq(reloc_sxp_read_mem("t", s, n, &root), 0);
	ck_assert_uint_eq(reloc_sxp_len(root), 1);
	reloc_sxp_free(root);
	root = NULL;
	capture_start();
	ck_assert_int_eq(reloc_sxp_read_mem("t", s, n + 1, &root),
	    RELOC_ERR_CONFIG);
	ck_assert(capture_has("t: 16777217 bytes is over the limit"));
	capture_stop();
	ck_assert_ptr_null(root);
	free(s);
}
END_TEST

TCase *
sxp_limits_tcase(void)
{
	TCase	*tc = tcase_create("limits");

	tcase_add_checked_fixture(tc, log_silence, NULL);
	tcase_add_test(tc, test_depth_ok);
	tcase_add_test(tc, test_depth_over);
	tcase_add_test(tc, test_depth_hostile);
	tcase_add_test(tc, test_write_too_deep);
	tcase_add_test(tc, test_size_limit);
	return tc;
}
