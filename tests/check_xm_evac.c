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
 * Check suite for xm evacuate: the plan (a pure function of the
 * domains, what the prechecks said and the targets' free memory) and the
 * parsing of its arguments.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "xm.h"

#define MIB	1024ULL		/* KiB */

/* ---------------------------------------------------------------- plan */

static struct xm_evac_choice	out[16];

static void
plan(const struct xm_evac_dom *doms, size_t nd,
    const struct xm_evac_target *t, size_t nt, const char *const *why)
{
	static const char *const	 none[64];
	struct xm_evac_plan_in		 in = { doms, nd, t, nt,
					    why != NULL ? why : none };

	memset(out, 0xa5, sizeof(out));
	ck_assert_int_eq(xm_evac_plan(&in, out), 0);
}

/* Equal targets: the domains alternate, largest first. */
START_TEST(test_spread)
{
	const struct xm_evac_dom	d[] = { { "a", 64 * MIB, 1 },
	    { "b", 64 * MIB, 1 }, { "c", 64 * MIB, 1 }, { "d", 64 * MIB, 1 } };
	const struct xm_evac_target	t[] = { { "B", 1024 * MIB },
	    { "C", 1024 * MIB } };
	size_t				i, on_b = 0;

	plan(d, 4, t, 2, NULL);
	for (i = 0; i < 4; i++) {
		ck_assert_int_ge(out[i].target, 0);
		on_b += out[i].target == 0;
	}
	ck_assert_uint_eq(on_b, 2);
	ck_assert_int_eq(out[0].target, 0);
	ck_assert_int_eq(out[1].target, 1);
}
END_TEST

/* The target with the most memory left takes the next domain. */
START_TEST(test_most_free)
{
	const struct xm_evac_dom	d[] = { { "small", 16 * MIB, 1 },
	    { "big", 512 * MIB, 1 } };
	const struct xm_evac_target	t[] = { { "B", 600 * MIB },
	    { "C", 700 * MIB } };

	plan(d, 2, t, 2, NULL);
	/* big first, to C (more free); then B has 600, C about 183. */
	ck_assert_int_eq(out[1].target, 1);
	ck_assert_int_eq(out[0].target, 0);
}
END_TEST

/* Room counts the moves already planned, overhead included. */
START_TEST(test_room_runs_out)
{
	const struct xm_evac_dom	d[] = { { "a", 100 * MIB, 1 },
	    { "b", 100 * MIB, 1 }, { "c", 100 * MIB, 1 } };
	const struct xm_evac_target	t[] = { { "B", 220 * MIB } };
	uint64_t			need = xm_evac_need_kb(&d[0]);

	ck_assert_uint_eq(need, reloc_precheck_memory_need_kb(100 * MIB, 1));
	ck_assert_uint_gt(need, 100 * MIB);
	plan(d, 3, t, 1, NULL);
	ck_assert_int_eq(out[0].target, 0);
	ck_assert_int_eq(out[1].target, 0);
	ck_assert_int_eq(out[2].target, -1);
	ck_assert_ptr_nonnull(strstr(out[2].why, "B: no room left: c needs "));
	ck_assert_ptr_nonnull(strstr(out[2].why, "MiB free after the moves "
	    "planned"));
}
END_TEST

/* A failed precheck rules the pair out, and is the reason given. */
START_TEST(test_precheck_fails)
{
	const struct xm_evac_dom	d[] = { { "web01", 16 * MIB, 1 },
	    { "db01", 16 * MIB, 1 } };
	const struct xm_evac_target	t[] = { { "B", 4096 * MIB },
	    { "C", 64 * MIB } };
	const char *const		why[] = {
		"bridge xenbr1 missing", NULL,		/* web01: B, C */
		"bridge xenbr1 missing", "cpu: avx2 missing" };

	plan(d, 2, t, 2, why);
	ck_assert_int_eq(out[0].target, 1);
	ck_assert_int_eq(out[1].target, -1);
	ck_assert_str_eq(out[1].why, "B: bridge xenbr1 missing; "
	    "C: cpu: avx2 missing");
}
END_TEST

START_TEST(test_nothing)
{
	const struct xm_evac_dom	d[] = { { "web01", 16 * MIB, 1 } };

	plan(d, 0, NULL, 0, NULL);
	plan(d, 1, NULL, 0, NULL);
	ck_assert_int_eq(out[0].target, -1);
	ck_assert_str_eq(out[0].why, "no target given");
}
END_TEST

/* A tie on memory goes to the target with fewer domains planned. */
START_TEST(test_tie_fewer)
{
	const struct xm_evac_dom	d[] = { { "a", 0, 0 },
	    { "b", 0, 0 } };
	const struct xm_evac_target	t[] = { { "B", 1024 * MIB },
	    { "C", 1024 * MIB - 4 * MIB } };

	/* a (4 MiB of overhead) to B; then both have the same left. */
	plan(d, 2, t, 2, NULL);
	ck_assert_int_eq(out[0].target, 0);
	ck_assert_int_eq(out[1].target, 1);
}
END_TEST

/* ------------------------------------------------------------ parsing */

static int
parse(struct xm_evac_opts *o, char *err, size_t size, ...)
{
	char	*argv[32];
	FILE	*f;
	va_list	 ap;
	int	 argc = 0, rc;

	va_start(ap, size);
	while ((argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	memset(err, 0, size);
	f = fmemopen(err, size - 1, "w");
	rc = xm_evacuate_parse(argc, argv, o, f);
	fclose(f);
	return rc;
}

START_TEST(test_parse_ok)
{
	struct xm_evac_opts	o;
	char			err[256];

	ck_assert_int_eq(parse(&o, err, sizeof(err), "evacuate", "--to",
	    "hostB", "--to=10.0.0.3:8003", "-p", "8002", "--max", "3", "-l",
	    "--check", "--priority", "high", "-s", NULL), 0);
	ck_assert_uint_eq(o.nr_to, 2);
	ck_assert_str_eq(o.to[0].host, "hostB");
	ck_assert_int_eq(o.to[0].port, 8002);
	ck_assert_str_eq(o.to[0].given, "hostB");
	ck_assert_str_eq(o.to[1].host, "10.0.0.3");
	ck_assert_int_eq(o.to[1].port, 8003);
	ck_assert_int_eq(o.max, 3);
	ck_assert(o.live && o.check && o.ssl);
	ck_assert_str_eq(o.priority, "high");
	ck_assert_str_eq(err, "");
	/* The defaults; an IPv6 address is a host without a port. */
	ck_assert_int_eq(parse(&o, err, sizeof(err), "evacuate", "--to",
	    "fe80::1", NULL), 0);
	ck_assert_str_eq(o.to[0].host, "fe80::1");
	ck_assert_int_eq(o.to[0].port, 0);
	ck_assert_int_eq(o.max, 0);
	ck_assert(!o.live && !o.check && !o.ssl);
	ck_assert_str_eq(o.priority, "standard");
	ck_assert_int_eq(parse(&o, err, sizeof(err), "evacuate", "-h",
	    NULL), -1);
	/* No --to: xrelocd-evacuate-targets, asked of the daemon later. */
	ck_assert_int_eq(parse(&o, err, sizeof(err), "evacuate", "-p",
	    "8002", NULL), 0);
	ck_assert_uint_eq(o.nr_to, 0);
	ck_assert_int_eq(o.port, 8002);
}
END_TEST

static const struct bad {
	const char	*w[6];
	const char	*says;
} bad[] = {
	{ { "evacuate", "--to", NULL }, "option '--to' needs a value" },
	{ { "evacuate", "--to", "", NULL }, "--to: '' is not HOST" },
	{ { "evacuate", "--to", ":8002", NULL }, "--to: ':8002' is not" },
	{ { "evacuate", "--to", "hostB:0", NULL }, "--to: '0' is not a number "
	    "from 1 to 65535" },
	{ { "evacuate", "--to", "hostB:x", NULL }, "--to: 'x' is not" },
	{ { "evacuate", "--to", "hostB", "--max", "0", NULL }, "--max: '0' is "
	    "not a number from 1 to 64" },
	{ { "evacuate", "--to", "hostB", "--max", "65", NULL }, "--max: '65'" },
	{ { "evacuate", "--to", "hostB", "-p", "70000", NULL }, "-p: '70000'" },
	{ { "evacuate", "--to", "hostB", "--priority", "low", NULL },
	    "--priority: 'low' is not high or standard" },
	{ { "evacuate", "--to", "hostB", "hostC", NULL }, "unexpected argument "
	    "'hostC': the targets go after --to" },
	{ { "evacuate", "--to", "hostB", "--bogus", NULL }, "unknown option "
	    "'--bogus'" },
};

START_TEST(test_parse_errors)
{
	const struct bad	*b = &bad[_i];
	struct xm_evac_opts	 o;
	char			 err[256];
	char			*argv[8];
	size_t			 n = 0;
	FILE			*f;

	while (b->w[n] != NULL) {
		argv[n] = (char *)b->w[n];
		n++;
	}
	argv[n] = NULL;
	memset(err, 0, sizeof(err));
	f = fmemopen(err, sizeof(err) - 1, "w");
	ck_assert_int_eq(xm_evacuate_parse((int)n, argv, &o, f),
	    XM_EXIT_USAGE);
	fclose(f);
	ck_assert_msg(strstr(err, b->says) != NULL, "case %d: '%s' lacks "
	    "'%s'", _i, err, b->says);
	ck_assert_msg(strncmp(err, "xm evacuate: ", 13) == 0, "case %d: %s",
	    _i, err);
}
END_TEST

static Suite *
xm_evac_suite(void)
{
	Suite	*s = suite_create("xm_evac");
	TCase	*tc;

	tc = tcase_create("plan");
	tcase_add_test(tc, test_spread);
	tcase_add_test(tc, test_most_free);
	tcase_add_test(tc, test_room_runs_out);
	tcase_add_test(tc, test_precheck_fails);
	tcase_add_test(tc, test_nothing);
	tcase_add_test(tc, test_tie_fewer);
	suite_add_tcase(s, tc);
	tc = tcase_create("parse");
	tcase_add_test(tc, test_parse_ok);
	tcase_add_loop_test(tc, test_parse_errors, 0,
	    sizeof(bad) / sizeof(bad[0]));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(xm_evac_suite());
	int	 failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
