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
 * Check suite for sxp.c and sxp_read.c: reading (escapes, comments,
 * nesting, positions), every kind of syntax error with its exact place,
 * the writer's round trip over nasty bytes, and the depth and size limits.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_sxp.h"
#include "common.h"
#include "reloc.h"

struct reloc_sxp *
sxp_read_ok(const char *text)
{
	struct reloc_sxp	*root = NULL;

	ck_assert_int_eq(reloc_sxp_read_mem("t", text, strlen(text), &root), 0);
	ck_assert_ptr_nonnull(root);
	return root;
}

/* Read text that must fail; the captured log holds the errors. */
void
sxp_read_bad(const char *text, size_t len)
{
	struct reloc_sxp	*root = NULL;

	capture_start();
	ck_assert_int_eq(reloc_sxp_read_mem("t", text, len, &root),
	    RELOC_ERR_CONFIG);
	ck_assert_ptr_null(root);
}

void
sxp_assert_atom(const struct reloc_sxp *n, const char *s, size_t len)
{
	const char	*a;
	size_t		 alen;

	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(reloc_sxp_type(n), RELOC_SXP_ATOM);
	a = reloc_sxp_atom(n, &alen);
	ck_assert_uint_eq(alen, len);
	ck_assert(memcmp(a, s, len) == 0);
	ck_assert_int_eq(a[len], '\0');
}

/* ---------------------------------------------------------------- parse_ok */

START_TEST(test_lists_atoms)
{
	struct reloc_sxp	*root = sxp_read_ok("(a (b c) ()) d");
	struct reloc_sxp	*l = reloc_sxp_nth(root, 0);

	ck_assert_uint_eq(reloc_sxp_len(root), 2);
	ck_assert_int_eq(reloc_sxp_type(l), RELOC_SXP_LIST);
	ck_assert_uint_eq(reloc_sxp_len(l), 3);
	sxp_assert_atom(reloc_sxp_nth(l, 0), "a", 1);
	sxp_assert_atom(reloc_sxp_nth(reloc_sxp_nth(l, 1), 1), "c", 1);
	ck_assert_uint_eq(reloc_sxp_len(reloc_sxp_nth(l, 2)), 0);
	ck_assert_int_eq(reloc_sxp_type(reloc_sxp_nth(l, 2)), RELOC_SXP_LIST);
	sxp_assert_atom(reloc_sxp_nth(root, 1), "d", 1);
	ck_assert_ptr_null(reloc_sxp_nth(l, 3));
	ck_assert_ptr_null(reloc_sxp_atom(l, NULL));
	reloc_sxp_free(root);
}
END_TEST

START_TEST(test_escapes)
{
	static const char	 want[] = "\\'\"\n\t\a\b\v\f\r" "AA\0\377\x7f"
				    "\x0a" "A1" "\1" "\x01" "7";
	struct reloc_sxp	*root;

	root = sxp_read_ok("'\\\\\\'\\\"\\n\\t\\a\\b\\v\\f\\r\\101\\x41\\0\\377"
	    "\\x7f\\xA\\1011\\1\\x017'"
	    " \"\\\\\\'\\\"\\n\\t\\a\\b\\v\\f\\r\\101\\x41\\0\\377"
	    "\\x7f\\xA\\1011\\1\\x017\"");
	ck_assert_uint_eq(reloc_sxp_len(root), 2);
	sxp_assert_atom(reloc_sxp_nth(root, 0), want, sizeof(want) - 1);
	sxp_assert_atom(reloc_sxp_nth(root, 1), want, sizeof(want) - 1);
	reloc_sxp_free(root);
}
END_TEST

START_TEST(test_quotes_and_atoms)
{
	struct reloc_sxp	*root;

	/* The other quote is plain text; a backslash in an atom is too. */
	root = sxp_read_ok("\"it's\" 'say \"hi\"' a\\b abc'def' x#y '' \"\"");
	ck_assert_uint_eq(reloc_sxp_len(root), 8);
	sxp_assert_atom(reloc_sxp_nth(root, 0), "it's", 4);
	sxp_assert_atom(reloc_sxp_nth(root, 1), "say \"hi\"", 8);
	sxp_assert_atom(reloc_sxp_nth(root, 2), "a\\b", 3);
	sxp_assert_atom(reloc_sxp_nth(root, 3), "abc", 3);
	sxp_assert_atom(reloc_sxp_nth(root, 4), "def", 3);
	sxp_assert_atom(reloc_sxp_nth(root, 5), "x#y", 3);
	sxp_assert_atom(reloc_sxp_nth(root, 6), "", 0);
	sxp_assert_atom(reloc_sxp_nth(root, 7), "", 0);
	reloc_sxp_free(root);
}
END_TEST

START_TEST(test_comments)
{
	struct reloc_sxp	*root;

	root = sxp_read_ok("# top\n(a # inside\n b) # end\n#(c)\n'#not' #");
	ck_assert_uint_eq(reloc_sxp_len(root), 2);
	ck_assert_uint_eq(reloc_sxp_len(reloc_sxp_nth(root, 0)), 2);
	sxp_assert_atom(reloc_sxp_nth(reloc_sxp_nth(root, 0), 1), "b", 1);
	sxp_assert_atom(reloc_sxp_nth(root, 1), "#not", 4);
	reloc_sxp_free(root);
	root = sxp_read_ok("");
	ck_assert_uint_eq(reloc_sxp_len(root), 0);
	reloc_sxp_free(root);
	root = sxp_read_ok("  \t\n# only a comment");
	ck_assert_uint_eq(reloc_sxp_len(root), 0);
	reloc_sxp_free(root);
	/* No buffer at all (a writer's empty output) is an empty input. */
	root = NULL;
	ck_assert_int_eq(reloc_sxp_read_mem("null", NULL, 0, &root), 0);
	ck_assert_uint_eq(reloc_sxp_len(root), 0);
	reloc_sxp_free(root);
}
END_TEST

/* xend's shipped sample doubles the backslash inside single quotes. */
START_TEST(test_xend_regex)
{
	static const char	 want[] =
	    "^localhost$ ^localhost\\.localdomain$";
	struct reloc_sxp	*root;

	root = sxp_read_ok("(xend-relocation-hosts-allow "
	    "'^localhost$ ^localhost\\\\.localdomain$')");
	ck_assert_str_eq(reloc_sxp_value(root,
	    "xend-relocation-hosts-allow"), want);
	reloc_sxp_free(root);
}
END_TEST

START_TEST(test_positions)
{
	struct reloc_sxp	*root, *l;

	root = sxp_read_ok("\t(a\n  \"b\"\tc)\n\n   'x\ny' z");
	l = reloc_sxp_nth(root, 0);
	ck_assert_uint_eq(reloc_sxp_line(l), 1);
	ck_assert_uint_eq(reloc_sxp_col(l), 2);
	ck_assert_uint_eq(reloc_sxp_col(reloc_sxp_nth(l, 0)), 3);
	ck_assert_uint_eq(reloc_sxp_line(reloc_sxp_nth(l, 1)), 2);
	ck_assert_uint_eq(reloc_sxp_col(reloc_sxp_nth(l, 1)), 3);
	ck_assert_uint_eq(reloc_sxp_col(reloc_sxp_nth(l, 2)), 7);
	ck_assert_uint_eq(reloc_sxp_line(reloc_sxp_nth(root, 1)), 4);
	ck_assert_uint_eq(reloc_sxp_col(reloc_sxp_nth(root, 1)), 4);
	/* A string spanning lines moves the position of what follows. */
	ck_assert_uint_eq(reloc_sxp_line(reloc_sxp_nth(root, 2)), 5);
	ck_assert_uint_eq(reloc_sxp_col(reloc_sxp_nth(root, 2)), 4);
	ck_assert_str_eq(reloc_sxp_source(reloc_sxp_nth(l, 2)), "t");
	reloc_sxp_free(root);
}
END_TEST

START_TEST(test_assoc)
{
	struct reloc_sxp	*root, *d;

	root = sxp_read_ok("(dom (name web01) (vcpus 2 4) (mem) (l (x)) "
	    "(name other))");
	d = reloc_sxp_nth(root, 0);
	ck_assert_str_eq(reloc_sxp_value(d, "name"), "web01");
	ck_assert_str_eq(reloc_sxp_value(d, "vcpus"), "2");
	ck_assert_uint_eq(reloc_sxp_len(reloc_sxp_assoc(d, "vcpus")), 3);
	ck_assert_ptr_null(reloc_sxp_value(d, "mem"));
	ck_assert_ptr_nonnull(reloc_sxp_assoc(d, "mem"));
	ck_assert_ptr_null(reloc_sxp_value(d, "l"));
	ck_assert_ptr_null(reloc_sxp_assoc(d, "nope"));
	ck_assert_ptr_null(reloc_sxp_assoc(d, "nam"));
	reloc_sxp_free(root);
}
END_TEST

START_TEST(test_read_file)
{
	struct reloc_sxp	*root = NULL;
	char			*dir = test_tmpdir("sxp"), *path;
	char			 missing[4200];

	path = write_file(dir, "c.sxp", "(a 1)\n(b 2)\n");
	ck_assert_int_eq(reloc_sxp_read_file(path, &root), 0);
	ck_assert_uint_eq(reloc_sxp_len(root), 2);
	ck_assert_str_eq(reloc_sxp_source(reloc_sxp_nth(root, 1)), path);
	ck_assert_uint_eq(reloc_sxp_line(reloc_sxp_nth(root, 1)), 2);
	reloc_sxp_free(root);
	root = NULL;
	snprintf(missing, sizeof(missing), "%s/none.sxp", dir);
	capture_start();
	ck_assert_int_eq(reloc_sxp_read_file(missing, &root),
	    RELOC_ERR_NOENT);
	ck_assert(capture_has("none.sxp: No such file or directory"));
	capture_stop();
	ck_assert_ptr_null(root);
	rm_rf(dir);
	free(path);
	free(dir);
}
END_TEST

/* ---------------------------------------------------------------- errors */

START_TEST(test_err_close)
{
	sxp_read_bad("(a)\n  b)", 8);
	ck_assert(capture_has("err: sxp: t:2:4: unexpected ')'"));
	ck_assert_uint_eq(capture_count("err: sxp:"), 1);
	capture_stop();
}
END_TEST

START_TEST(test_err_unclosed)
{
	sxp_read_bad("(a\n (b\n", 7);
	ck_assert(capture_has("t:1:1: unclosed '('"));
	ck_assert(capture_has("t:2:2: unclosed '('"));
	ck_assert_uint_eq(capture_count("err: sxp:"), 2);
	capture_stop();
}
END_TEST

START_TEST(test_err_string)
{
	sxp_read_bad("(a\n 'bc\n(d)", 11);
	ck_assert(capture_has("t:2:2: unterminated string"));
	/* The open list is a consequence, not news. */
	ck_assert_uint_eq(capture_count("err: sxp:"), 1);
	capture_stop();
	sxp_read_bad("\"abc\\", 5);
	ck_assert(capture_has("t:1:1: unterminated string"));
	capture_stop();
}
END_TEST

START_TEST(test_err_escapes)
{
	sxp_read_bad("('a\\qb' \"\\x\" '\\400')", 20);
	ck_assert(capture_has("t:1:4: bad escape '\\q'"));
	ck_assert(capture_has("t:1:10: '\\x' escape without hex digits"));
	ck_assert(capture_has("t:1:15: octal escape '\\400' is over \\377"));
	ck_assert_uint_eq(capture_count("err: sxp:"), 3);
	capture_stop();
	sxp_read_bad("'\\\001'", 4);
	ck_assert(capture_has("t:1:2: bad escape '\\' before byte 0x01"));
	capture_stop();
}
END_TEST

/* Reading goes on after each error, so a file shows all its problems. */
START_TEST(test_err_many)
{
	static const char	text[] =
	    "(a b))\n"
	    "(c 'x\\zy')\n"
	    "(d (e f)\n"
	    "(g h)\n";

	sxp_read_bad(text, sizeof(text) - 1);
	ck_assert(capture_has("t:1:6: unexpected ')'"));
	ck_assert(capture_has("t:2:6: bad escape '\\z'"));
	ck_assert(capture_has("t:3:1: unclosed '('"));
	ck_assert_uint_eq(capture_count("err: sxp:"), 3);
	capture_stop();
}
END_TEST

START_TEST(test_err_flood)
{
	char	text[200];

	memset(text, ')', sizeof(text));
	sxp_read_bad(text, sizeof(text));
	ck_assert_uint_eq(capture_count("unexpected ')'"), 50);
	ck_assert_uint_eq(capture_count("too many errors"), 1);
	capture_stop();
}
END_TEST

/* ---------------------------------------------------------------- writer */

static char *
write_ok(const struct reloc_sxp *n, size_t *len_r)
{
	char	*buf = NULL;

	ck_assert_int_eq(reloc_sxp_write(n, &buf, len_r), 0);
	ck_assert_ptr_nonnull(buf);
	return buf;
}

void
sxp_assert_round_trip(const struct reloc_sxp *n)
{
	struct reloc_sxp	*back = NULL;
	char			*buf;
	size_t			 len;

	buf = write_ok(n, &len);
	ck_assert_uint_eq(strlen(buf), len);
	ck_assert_int_eq(reloc_sxp_read_mem("w", buf, len, &back), 0);
	ck_assert_uint_eq(reloc_sxp_len(back), 1);
	ck_assert(reloc_sxp_equal(reloc_sxp_nth(back, 0), n));
	reloc_sxp_free(back);
	free(buf);
}

static void
add_atom(struct reloc_sxp *l, const char *s, size_t len)
{
	struct reloc_sxp	*a;

	ck_assert_int_eq(reloc_sxp_new_atom(s, len, &a), 0);
	ck_assert_int_eq(reloc_sxp_append(l, a), 0);
}

START_TEST(test_write_simple)
{
	struct reloc_sxp	*l;
	char			*buf;

	ck_assert_int_eq(reloc_sxp_new_list(&l), 0);
	add_atom(l, "a", 1);
	add_atom(l, "b c", 3);
	add_atom(l, "", 0);
	ck_assert_int_eq(reloc_sxp_add_str(l, "k", "it's"), 0);
	ck_assert_int_eq(reloc_sxp_add_u64(l, "n", UINT64_MAX), 0);
	ck_assert_int_eq(reloc_sxp_add_u64(l, "z", 0), 0);
	buf = write_ok(l, NULL);
	ck_assert_str_eq(buf, "(a \"b c\" \"\" (k \"it's\") "
	    "(n 18446744073709551615) (z 0))");
	ck_assert_uint_eq(reloc_sxp_line(l), 0);
	ck_assert_str_eq(reloc_sxp_source(l), "");
	free(buf);
	reloc_sxp_free(l);
}
END_TEST

START_TEST(test_write_nasty)
{
	static const char *const nasty[] = {
		"", " ", "(", ")", "#", "#x", "'", "\"", "\\", "\\x41",
		"a\nb", "\t", "\r", "\x7f", "\xff\xfe", "caf\xc3\xa9", "x)",
		"plain", "-12", "a'b", "\x1b[0m",
	};
	struct reloc_sxp	*l, *sub;
	char			 all[256 * 3], nul[] = { 'a', 0, '1', 0, 0 };
	size_t			 i;

	ck_assert_int_eq(reloc_sxp_new_list(&l), 0);
	for (i = 0; i < sizeof(nasty) / sizeof(nasty[0]); i++)
		add_atom(l, nasty[i], strlen(nasty[i]));
	/* A NUL before a digit must not merge with it into one escape. */
	add_atom(l, nul, sizeof(nul));
	for (i = 0; i < sizeof(all); i++)
		all[i] = (char)(i % 256);
	add_atom(l, all, sizeof(all));
	ck_assert_int_eq(reloc_sxp_new_list(&sub), 0);
	add_atom(sub, "(((", 3);
	ck_assert_int_eq(reloc_sxp_append(l, sub), 0);
	sxp_assert_round_trip(l);
	reloc_sxp_free(l);
}
END_TEST

START_TEST(test_write_big_blob)
{
	struct reloc_sxp	*l;
	char			*blob;
	size_t			 i, n = 64 * 1024;

	blob = malloc(n);
	ck_assert_ptr_nonnull(blob);
	for (i = 0; i < n; i++)
		blob[i] = (char)((i * 7919) >> 3);
	ck_assert_int_eq(reloc_sxp_new_list(&l), 0);
	add_atom(l, "config", 6);
	add_atom(l, blob, n);
	sxp_assert_round_trip(l);
	reloc_sxp_free(l);
	free(blob);
}
END_TEST

START_TEST(test_equal)
{
	struct reloc_sxp	*a = sxp_read_ok("(x (y \"z\") w)");
	struct reloc_sxp	*b = sxp_read_ok("\n\n(x\n(y z) w)");
	struct reloc_sxp	*c = sxp_read_ok("(x (y z) (w))");
	struct reloc_sxp	*d = sxp_read_ok("(x (y z0) w)");

	ck_assert(reloc_sxp_equal(a, b));
	ck_assert(!reloc_sxp_equal(a, c));
	ck_assert(!reloc_sxp_equal(a, d));
	ck_assert(!reloc_sxp_equal(a, NULL));
	ck_assert(reloc_sxp_equal(NULL, NULL));
	reloc_sxp_free(a);
	reloc_sxp_free(b);
	reloc_sxp_free(c);
	reloc_sxp_free(d);
}
END_TEST

START_TEST(test_append_bad)
{
	struct reloc_sxp	*a, *b;

	ck_assert_int_eq(reloc_sxp_new_atom("x", 1, &a), 0);
	ck_assert_int_eq(reloc_sxp_new_atom("y", 1, &b), 0);
	/* An atom takes no children; the child is freed all the same. */
	ck_assert_int_eq(reloc_sxp_append(a, b), RELOC_ERR_INVAL);
	reloc_sxp_free(a);
	reloc_sxp_free(NULL);
}
END_TEST

static Suite *
sxp_suite(void)
{
	Suite	*s = suite_create("sxp");
	TCase	*tc;

	tc = tcase_create("parse_ok");
	tcase_add_checked_fixture(tc, log_silence, NULL);
	tcase_add_test(tc, test_lists_atoms);
	tcase_add_test(tc, test_escapes);
	tcase_add_test(tc, test_quotes_and_atoms);
	tcase_add_test(tc, test_comments);
	tcase_add_test(tc, test_xend_regex);
	tcase_add_test(tc, test_positions);
	tcase_add_test(tc, test_assoc);
	tcase_add_test(tc, test_read_file);
	suite_add_tcase(s, tc);

	tc = tcase_create("parse_errors");
	tcase_add_checked_fixture(tc, log_silence, NULL);
	tcase_add_test(tc, test_err_close);
	tcase_add_test(tc, test_err_unclosed);
	tcase_add_test(tc, test_err_string);
	tcase_add_test(tc, test_err_escapes);
	tcase_add_test(tc, test_err_many);
	tcase_add_test(tc, test_err_flood);
	suite_add_tcase(s, tc);

	tc = tcase_create("writer");
	tcase_add_checked_fixture(tc, log_silence, NULL);
	tcase_add_test(tc, test_write_simple);
	tcase_add_test(tc, test_write_nasty);
	tcase_add_test(tc, test_write_big_blob);
	tcase_add_test(tc, test_equal);
	tcase_add_test(tc, test_append_bad);
	suite_add_tcase(s, tc);

	suite_add_tcase(s, sxp_limits_tcase());
	suite_add_tcase(s, sxp_mem_tcase());
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(sxp_suite());
	int	 failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
