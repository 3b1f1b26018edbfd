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
 * Check suite for the control socket's methods (xrelocd/
 * control_methods.c), called through control_dispatch without a
 * connection: only calls that answer at once, never those that park.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_control.h"
#include "common.h"
#include "xrelocd_fixture.h"


/* The answer of the last call. */
struct reloc_xv	*res;
int		 fault;
char		*fault_msg;

void
control_setup(void)
{
	fx_setup();
	res = NULL;
	fault = 0;
	fault_msg = NULL;
}

void
control_teardown(void)
{
	reloc_xv_free(res);
	free(fault_msg);
	fx_teardown();
}

int
call(const char *method, const char *fmt, ...)
{
	struct reloc_xv	*params, *v = NULL;
	va_list		 ap;
	int		 rc;

	reloc_xv_free(res);
	free(fault_msg);
	ck_assert_int_eq(reloc_xv_new_array(&params), 0);
	va_start(ap, fmt);
	for (; *fmt != '\0'; fmt++) {
		if (*fmt == 's')
			rc = reloc_xv_new_string(va_arg(ap, const char *), &v);
		else if (*fmt == 'i')
			rc = reloc_xv_new_int(va_arg(ap, int), &v);
		else if (*fmt == 'b')
			rc = reloc_xv_new_bool(va_arg(ap, int), &v);
		else if (*fmt == 'n')
			rc = reloc_xv_new_nil(&v);
		else
			rc = (v = va_arg(ap, struct reloc_xv *)) == NULL;
		ck_assert_int_eq(rc, 0);
		ck_assert_int_eq(reloc_xv_array_append(params, v), 0);
	}
	va_end(ap);
	rc = control_dispatch(&fx.x, NULL, method, params, &res, &fault,
	    &fault_msg);
	reloc_xv_free(params);
	ck_assert_int_eq(rc, fault == 0 ? 0 : -1);
	if (fault != 0) {
		ck_assert_ptr_null(res);
		ck_assert_ptr_nonnull(fault_msg);
	} else
		ck_assert_ptr_nonnull(res);
	return fault;
}

struct reloc_xv *
opts(const char *domain)
{
	struct reloc_xv	*st;

	ck_assert_int_eq(reloc_xv_new_struct(&st), 0);
	if (domain != NULL)
		ck_assert_int_eq(reloc_xv_struct_set_string(st, "domain",
		    domain), 0);
	ck_assert_int_eq(reloc_xv_struct_set_string(st, "host",
	    "127.0.0.1"), 0);
	ck_assert_int_eq(reloc_xv_struct_set_bool(st, "live", true), 0);
	return st;
}

/* Queue a job for domain with xrelocd.migrate: its number. */
static int64_t
migrate(const char *domain)
{
	int64_t	job = 0;

	(void)fx_uuid(domain);
	ck_assert_int_eq(call("xrelocd.migrate", "x", opts(domain)), 0);
	ck_assert_int_eq(reloc_xv_member_int(res, "job", &job), 0);
	return job;
}

/* A job's struct as xm reads it. */
static void
assert_job_xv(const struct reloc_xv *st, const char *domain,
    const char *status, int64_t outcome)
{
	int64_t	v = -2;

	ck_assert_str_eq(reloc_xv_member_string(st, "domain"), domain);
	ck_assert_str_eq(reloc_xv_member_string(st, "peer"), "127.0.0.1");
	ck_assert_str_eq(reloc_xv_member_string(st, "status"), status);
	ck_assert_str_eq(reloc_xv_member_string(st, "role"), "source");
	ck_assert_int_eq(reloc_xv_member_int(st, "outcome", &v), 0);
	ck_assert_int_eq(v, outcome);
	ck_assert_int_eq(reloc_xv_member_int(st, "version", &v), 0);
	ck_assert_int_ge(v, 0);
}

START_TEST(test_no_such_method)
{
	ck_assert_int_eq(call("xrelocd.frobnicate", ""), FAULT_FAILED);
	ck_assert_ptr_nonnull(strstr(fault_msg,
	    "no such method xrelocd.frobnicate"));
}
END_TEST

START_TEST(test_status_and_list)
{
	struct job	*j;
	int64_t		 v;

	ck_assert_int_eq(migrate("web01"), 1);
	ck_assert_int_eq(migrate("db01"), 2);
	ck_assert_uint_eq(fx.starts, 2);
	ck_assert_ptr_nonnull(j = job_find(&fx.x, 1));
	ck_assert_int_eq(call("xrelocd.job.status", "i", 1), 0);
	assert_job_xv(res, "web01", "connecting", -1);
	ck_assert_str_eq(reloc_xv_member_string(res, "domain-uuid"),
	    fx_uuid("web01"));
	job_ended(&fx.x, j, RELOC_OUT_MOVED, "web01 moved");
	ck_assert_int_eq(call("xrelocd.job.status", "i", 1), 0);
	assert_job_xv(res, "web01", "done", RELOC_OUT_MOVED);
	ck_assert_str_eq(reloc_xv_member_string(res, "message"),
	    "web01 moved");
	ck_assert_int_eq(reloc_xv_member_int(res, "version", &v), 0);
	ck_assert_int_eq(v, (int64_t)j->version);
	ck_assert_int_eq(call("xrelocd.job.list", ""), 0);
	ck_assert_uint_eq(reloc_xv_len(res), 2);
	assert_job_xv(reloc_xv_nth(res, 0, NULL), "web01", "done",
	    RELOC_OUT_MOVED);
	assert_job_xv(reloc_xv_nth(res, 1, NULL), "db01", "connecting", -1);
}
END_TEST

START_TEST(test_status_bad)
{
	ck_assert_int_eq(call("xrelocd.job.status", "i", 7), FAULT_NOENT);
	ck_assert_str_eq(fault_msg, "no job 7");
	ck_assert_int_eq(call("xrelocd.job.status", "i", -1), FAULT_NOENT);
	ck_assert_int_eq(call("xrelocd.job.status", ""), FAULT_REQUEST);
	ck_assert_int_eq(call("xrelocd.job.status", "s", "1"), FAULT_REQUEST);
	ck_assert_int_eq(call("xrelocd.job.list", ""), 0);
	ck_assert_uint_eq(reloc_xv_len(res), 0);
}
END_TEST

START_TEST(test_wait_bad)
{
	ck_assert_int_eq(migrate("web01"), 1);
	ck_assert_int_eq(call("xrelocd.job.wait", "iii", 1, 0, 301),
	    FAULT_REQUEST);
	ck_assert_ptr_nonnull(strstr(fault_msg, "301 out of range"));
	ck_assert_int_eq(call("xrelocd.job.wait", "iii", 1, 0, -1),
	    FAULT_REQUEST);
	ck_assert_int_eq(call("xrelocd.job.wait", "iis", 1, 0, "soon"),
	    FAULT_REQUEST);
	ck_assert_int_eq(call("xrelocd.job.wait", "i", 1), FAULT_REQUEST);
	ck_assert_int_eq(call("xrelocd.job.wait", "iii", 9, 0, 10),
	    FAULT_NOENT);
	ck_assert_uint_eq(job_find(&fx.x, 1)->waiters, 0);
}
END_TEST

/* A version not seen yet, or an ended job: the answer comes at once. */
START_TEST(test_wait_at_once)
{
	struct job	*j;
	int64_t		 v;

	ck_assert_int_eq(migrate("web01"), 1);
	j = job_find(&fx.x, 1);
	ck_assert_int_eq(call("xrelocd.job.wait", "iii", 1,
	    (int)j->version + 1, 10), 0);
	ck_assert_int_eq(reloc_xv_member_int(res, "version", &v), 0);
	ck_assert_int_eq(v, (int64_t)j->version);
	job_ended(&fx.x, j, RELOC_OUT_FAILED, "web01 runs here as before");
	ck_assert_int_eq(call("xrelocd.job.wait", "iii", 1, (int)j->version,
	    10), 0);
	assert_job_xv(res, "web01", "failed", RELOC_OUT_FAILED);
}
END_TEST

START_TEST(test_recover_bad)
{
	ck_assert_int_eq(call("xrelocd.domain.recover", ""), FAULT_REQUEST);
	ck_assert_int_eq(call("xrelocd.domain.recover", "s", ""),
	    FAULT_REQUEST);
	ck_assert_int_eq(call("xrelocd.domain.recover", "i", 3),
	    FAULT_REQUEST);
	ck_assert_int_eq(call("xrelocd.domain.recover", "ss", "web01", "yes"),
	    FAULT_REQUEST);
	ck_assert_ptr_nonnull(strstr(fault_msg, "force must be a boolean"));
	ck_assert_int_eq(call("xrelocd.domain.recover", "si", "web01", 2),
	    FAULT_REQUEST);
	ck_assert_ptr_nonnull(strstr(fault_msg, "force must be a boolean"));
	/* The int 1 is true, as xend's clients send it; nil is false. */
	ck_assert_int_eq(call("xrelocd.domain.recover", "si", "web01", 1),
	    FAULT_NOENT);
	ck_assert_int_eq(call("xrelocd.domain.recover", "sn", "web01"),
	    FAULT_NOENT);
	ck_assert_int_eq(call("xrelocd.domain.recover", "sbi", "web01", true,
	    1), FAULT_REQUEST);
	ck_assert_ptr_nonnull(strstr(fault_msg, "takes 2 arguments"));
	ck_assert_int_eq(call("xrelocd.domain.recover", "sb", "web01", true),
	    FAULT_NOENT);
	ck_assert_ptr_nonnull(strstr(fault_msg, "no domain web01--migrated"
	    "away here"));
}
END_TEST

/* No record: NAME--migratedaway runs again as NAME on the admin's word. */
START_TEST(test_recover_by_name)
{
	struct fake_dom	*d;

	d = fake_add(&fx.f, "web01--migratedaway", RELOC_DS_SUSPENDED);
	ck_assert_int_eq(call("xrelocd.domain.recover", "s", "web01"), 0);
	ck_assert_ptr_eq(fake_find(&fx.f, "web01"), d);
	ck_assert_int_eq(d->state, RELOC_DS_RUNNING);
}
END_TEST

/* A job still handing the domain over: refused, nothing touched. */
START_TEST(test_recover_while_handed_over)
{
	struct job	*j;

	ck_assert_int_eq(migrate("web01"), 1);
	j = job_find(&fx.x, 1);
	j->rec.state = RELOC_MS_STREAMING;
	ck_assert_ptr_nonnull(j->worker);
	ck_assert_int_eq(call("xrelocd.domain.recover", "s", "web01"),
	    FAULT_FAILED);
	ck_assert_ptr_nonnull(strstr(fault_msg, "being handed over"));
	ck_assert(!j->admin.asked);
}
END_TEST

START_TEST(test_migrate_bad)
{
	struct reloc_xv	*st;

	(void)fx_uuid("web01");
	st = opts("web01");
	ck_assert_int_eq(reloc_xv_struct_set_string(st, "priority", "urgent"),
	    0);
	ck_assert_int_eq(call("xrelocd.migrate", "x", st), FAULT_REQUEST);
	ck_assert_ptr_nonnull(strstr(fault_msg, "use high or standard"));
	st = opts("web01");
	ck_assert_int_eq(reloc_xv_struct_set_int(st, "rate", -1), 0);
	ck_assert_int_eq(call("xrelocd.migrate", "x", st), FAULT_REQUEST);
	st = opts("web01");
	ck_assert_int_eq(reloc_xv_struct_set_int(st, "rate", 1000001), 0);
	ck_assert_int_eq(call("xrelocd.migrate", "x", st), FAULT_REQUEST);
	ck_assert_ptr_nonnull(strstr(fault_msg, "out of range"));
	st = opts("web01");
	ck_assert_int_eq(reloc_xv_struct_set_int(st, "port", 65536), 0);
	ck_assert_int_eq(call("xrelocd.migrate", "x", st), FAULT_REQUEST);
	st = opts("web01");
	ck_assert_int_eq(reloc_xv_struct_set_bool(st, "ssl", true), 0);
	ck_assert_int_eq(call("xrelocd.migrate", "x", st), FAULT_REQUEST);
	ck_assert_int_eq(call("xrelocd.migrate", "x", opts(NULL)),
	    FAULT_REQUEST);
	ck_assert_int_eq(call("xrelocd.migrate", ""), FAULT_REQUEST);
	ck_assert_int_eq(call("xrelocd.migrate", "x", opts("nosuch")),
	    FAULT_NOENT);
	/* None of them queued anything. */
	ck_assert(TAILQ_EMPTY(&fx.x.jobs));
	ck_assert_uint_eq(fx.starts, 0);
	/* The same options, right: queued, high priority, capped. */
	st = opts("web01");
	ck_assert_int_eq(reloc_xv_struct_set_string(st, "priority", "high"),
	    0);
	ck_assert_int_eq(reloc_xv_struct_set_int(st, "rate", 1000000), 0);
	ck_assert_int_eq(call("xrelocd.migrate", "x", st), 0);
	ck_assert(job_find(&fx.x, 1)->rec.high);
	ck_assert_uint_eq(job_find(&fx.x, 1)->rec.rate_mbps, 1000000);
	/* Without --max-downtime and --timeout: the keys' defaults. */
	ck_assert_uint_eq(job_find(&fx.x, 1)->rec.max_downtime_ms, 300);
	ck_assert_uint_eq(job_find(&fx.x, 1)->rec.timeout_s, 0);
	/* The domain is held now: a second job for it is refused. */
	ck_assert_int_eq(call("xrelocd.migrate", "x", opts("web01")),
	    FAULT_FAILED);
	ck_assert_ptr_nonnull(strstr(fault_msg, "already being migrated"));
}
END_TEST

/* xend.domain.migrate whose worker cannot start answers at once. */
START_TEST(test_xend_migrate_start_fails)
{
	(void)fx_uuid("web01");
	fx.fail_start = true;
	ck_assert_int_eq(call("xend.domain.migrate", "ssbiibi", "web01",
	    "127.0.0.1", true, 0, -1, false, 0), RELOC_OUT_FAILED);
	ck_assert_ptr_nonnull(strstr(fault_msg, "cannot start"));
	ck_assert_int_eq(call("xend.domain.migrate", "ssbiibi", "web01",
	    "127.0.0.1", true, 0, -1, true, 0), FAULT_REQUEST);
	ck_assert_int_eq(call("xend.domain.migrate", "ssbiibi", "web01",
	    "127.0.0.1", true, 0, 1, false, 0), FAULT_REQUEST);
	ck_assert_int_eq(call("xend.domain.migrate", "s", "web01"),
	    FAULT_REQUEST);
}
END_TEST

static Suite *
control_suite(void)
{
	Suite	*s = suite_create("control");
	TCase	*tc = tcase_create("methods");

	tcase_add_checked_fixture(tc, control_setup, control_teardown);
	tcase_add_test(tc, test_no_such_method);
	tcase_add_test(tc, test_status_and_list);
	tcase_add_test(tc, test_status_bad);
	tcase_add_test(tc, test_wait_bad);
	tcase_add_test(tc, test_wait_at_once);
	tcase_add_test(tc, test_recover_bad);
	tcase_add_test(tc, test_recover_by_name);
	tcase_add_test(tc, test_recover_while_handed_over);
	tcase_add_test(tc, test_migrate_bad);
	tcase_add_test(tc, test_xend_migrate_start_fails);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, control_args_tcase());
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(control_suite());
	int	 failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
