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
 * Check suite for xm migrate --cancel's arguments: when it is asked for,
 * the job number it takes, and the usage errors that name the option.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "xm.h"

/* argv from the words up to NULL; argc in *argc_r. */
static char **
words(int *argc_r, ...)
{
	static char	*argv[16];
	va_list		 ap;
	int		 argc = 0;

	va_start(ap, argc_r);
	while ((argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	*argc_r = argc;
	return argv;
}

static int
parse(int argc, char **argv, long *job_r, char *err, size_t size)
{
	FILE	*f = fmemopen(err, size - 1, "w");
	int	 rc;

	memset(err, 0, size);
	rc = xm_cancel_parse(argc, argv, job_r, f);
	fclose(f);
	return rc;
}

START_TEST(test_asked)
{
	char	**v;
	int	  n;

	v = words(&n, "migrate", "--cancel", "7", NULL);
	ck_assert(xm_cancel_asked(n, v));
	v = words(&n, "migrate", "--cancel=7", NULL);
	ck_assert(xm_cancel_asked(n, v));
	v = words(&n, "migrate", "-l", "web01", "hostB", NULL);
	ck_assert(!xm_cancel_asked(n, v));
	/* After "--" a word is a domain's name, whatever it looks like. */
	v = words(&n, "migrate", "--", "--cancel", "hostB", NULL);
	ck_assert(!xm_cancel_asked(n, v));
	/* A word that only begins alike is not it. */
	v = words(&n, "migrate", "--cancelled", "web01", "hostB", NULL);
	ck_assert(!xm_cancel_asked(n, v));
}
END_TEST

START_TEST(test_parse_ok)
{
	char	  err[256];
	char	**v;
	long	  job = 0;
	int	  n;

	v = words(&n, "migrate", "--cancel", "7", NULL);
	ck_assert_int_eq(parse(n, v, &job, err, sizeof(err)), 0);
	ck_assert_int_eq(job, 7);
	v = words(&n, "migrate", "--cancel=2147483647", NULL);
	ck_assert_int_eq(parse(n, v, &job, err, sizeof(err)), 0);
	ck_assert_int_eq(job, 2147483647L);
	ck_assert_str_eq(err, "");
}
END_TEST

static const struct bad {
	const char	*w[5];
	const char	*says;
} bad[] = {
	{ { "migrate", "--cancel", NULL }, "takes a job number" },
	{ { "migrate", "--cancel", "web01", NULL }, "--cancel: 'web01' is "
	    "not a job number" },
	{ { "migrate", "--cancel", "0", NULL }, "'0' is not a job number" },
	{ { "migrate", "--cancel", "-3", NULL }, "'-3' is not" },
	{ { "migrate", "--cancel", "7x", NULL }, "'7x' is not" },
	{ { "migrate", "--cancel=", NULL }, "'' is not a job number" },
	{ { "migrate", "--cancel", "2147483648", NULL }, "is not a job" },
	{ { "migrate", "--cancel", "7", "hostB", NULL }, "nothing else" },
	{ { "migrate", "-l", "--cancel", "7", NULL }, "nothing else" },
};

START_TEST(test_parse_errors)
{
	const struct bad	*b = &bad[_i];
	char			 err[256];
	long			 job = -1;
	int			 n = 0;

	while (b->w[n] != NULL)
		n++;
	ck_assert_int_eq(parse(n, (char **)b->w, &job, err, sizeof(err)),
	    XM_EXIT_USAGE);
	ck_assert_int_eq(job, -1);
	ck_assert_msg(strstr(err, b->says) != NULL, "case %d: '%s' lacks "
	    "'%s'", _i, err, b->says);
	ck_assert_msg(strncmp(err, "xm migrate: ", 12) == 0, "case %d: %s",
	    _i, err);
}
END_TEST

static Suite *
xm_cancel_suite(void)
{
	Suite	*s = suite_create("xm_cancel");
	TCase	*tc = tcase_create("parse");

	tcase_add_test(tc, test_asked);
	tcase_add_test(tc, test_parse_ok);
	tcase_add_loop_test(tc, test_parse_errors, 0,
	    sizeof(bad) / sizeof(bad[0]));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(xm_cancel_suite());
	int	 failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
