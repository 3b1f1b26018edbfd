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
 * Check suite for cancelling jobs (xrelocd/jobs_cancel.c) on a daemon set
 * up by hand: a queued job ends at once and the next one starts; a
 * running one's worker (a real child here) is killed and its end says
 * cancelled; GO sent, a target's job, an ended one and one without a
 * worker of ours are refused with the reason.
 */

#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "common.h"
#include "xrelocd_fixture.h"

static void
setup_one(void)
{
	fx_setup_conf("(xrelocd-max-migrations 1)\n");
}

static int
cancel(struct job *j, char *why, size_t len)
{
	why[0] = '\0';
	return jobs_cancel(&fx.x, j, why, len);
}

/* A child that waits to be killed. */
static pid_t
child(void)
{
	pid_t	pid;

	ck_assert_int_ne(pid = fork(), -1);
	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

START_TEST(test_queued)
{
	struct job	*a, *b;
	char		 why[512];

	ck_assert_int_eq(fx_submit("web01", false, &a), 0);
	ck_assert_int_eq(fx_submit("db01", false, &b), 0);
	ck_assert_int_eq(b->phase, JOB_QUEUED);
	ck_assert_int_eq(cancel(b, why, sizeof(why)), 0);
	ck_assert_int_eq(b->phase, JOB_ENDED);
	ck_assert_int_eq(b->rec.outcome, RELOC_OUT_FAILED);
	ck_assert_int_eq(b->rec.state, RELOC_MS_FAILED);
	ck_assert_ptr_nonnull(strstr(b->rec.message, "cancelled while "
	    "queued (xm migrate --cancel); db01 was not touched"));
	ck_assert_uint_eq(fx.starts, 1);
	/* Twice: it has ended. */
	ck_assert_int_eq(cancel(b, why, sizeof(why)), RELOC_ERR_INVAL);
	ck_assert_ptr_nonnull(strstr(why, "has ended already: failed"));
}
END_TEST

/* A real child as the worker: SIGKILL is what ends it. */
START_TEST(test_running)
{
	struct worker	 w;
	struct job	*a, *b;
	char		 why[512];
	int		 status;
	pid_t		 pid;

	ck_assert_int_eq(fx_submit("web01", false, &a), 0);
	ck_assert_int_eq(fx_submit("db01", false, &b), 0);
	a->rec.state = RELOC_MS_STREAMING;
	memset(&w, 0, sizeof(w));
	w.pid = pid = child();
	a->worker = &w;
	ck_assert_int_eq(cancel(a, why, sizeof(why)), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ck_assert(a->cancelled);
	/* Still running until its record ends (the recovery's word). */
	ck_assert_int_eq(a->phase, JOB_RUNNING);
	job_ended(&fx.x, a, RELOC_OUT_FAILED, "the migration ended before "
	    "GO; web01 runs here as before");
	ck_assert_str_eq(a->rec.message, "cancelled (xm migrate --cancel): "
	    "the migration ended before GO; web01 runs here as before");
	/* The queue goes on. */
	job_schedule(&fx.x);
	ck_assert_int_eq(b->phase, JOB_RUNNING);
}
END_TEST

/* Killed as GO went out: the end tells it was too late. */
START_TEST(test_moved_anyway)
{
	struct worker	 w;
	struct job	*a;
	char		 why[512];
	pid_t		 pid;

	ck_assert_int_eq(fx_submit("web01", false, &a), 0);
	memset(&w, 0, sizeof(w));
	w.pid = pid = child();
	a->worker = &w;
	ck_assert_int_eq(cancel(a, why, sizeof(why)), 0);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	job_ended(&fx.x, a, RELOC_OUT_MOVED, "web01 moved to 127.0.0.1");
	ck_assert_str_eq(a->rec.message, "too late to cancel (GO had been "
	    "sent): web01 moved to 127.0.0.1");
}
END_TEST

START_TEST(test_refused)
{
	struct worker	 w;
	struct job	*a;
	char		 why[512];
	pid_t		 pid = child();

	ck_assert_int_eq(fx_submit("web01", false, &a), 0);
	/* A worker whose pid is not known: never kill(0). */
	memset(&w, 0, sizeof(w));
	a->worker = &w;
	ck_assert_int_eq(cancel(a, why, sizeof(why)), RELOC_ERR_INVAL);
	ck_assert(!a->cancelled);
	/* GO sent. */
	w.pid = pid;
	a->rec.go = true;
	ck_assert_int_eq(cancel(a, why, sizeof(why)), RELOC_ERR_DENIED);
	ck_assert_ptr_nonnull(strstr(why, "too late to cancel job 1: GO was "
	    "sent for web01"));
	a->rec.go = false;
	a->rec.state = RELOC_MS_RESOLVING;
	ck_assert_int_eq(cancel(a, why, sizeof(why)), RELOC_ERR_DENIED);
	ck_assert_ptr_nonnull(strstr(why, "too late"));
	/* No worker of ours: recovering, or adopted after a restart. */
	a->rec.state = RELOC_MS_STREAMING;
	a->worker = NULL;
	ck_assert_int_eq(cancel(a, why, sizeof(why)), RELOC_ERR_DENIED);
	ck_assert_ptr_nonnull(strstr(why, "is being recovered"));
	a->adopted = 1;
	ck_assert_int_eq(cancel(a, why, sizeof(why)), RELOC_ERR_DENIED);
	ck_assert_ptr_nonnull(strstr(why, "an earlier xrelocd started"));
	/* A target's job. */
	a->adopted = 0;
	a->rec.role = RELOC_ROLE_TARGET;
	ck_assert_int_eq(cancel(a, why, sizeof(why)), RELOC_ERR_DENIED);
	ck_assert_ptr_nonnull(strstr(why, "cancel it on the source host"));
	ck_assert(!a->cancelled);
	ck_assert_int_eq(a->phase, JOB_RUNNING);
	a->rec.role = RELOC_ROLE_SOURCE;
	/* Refused all along: the worker was never signalled. */
	ck_assert_int_eq(waitpid(pid, NULL, WNOHANG), 0);
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
}
END_TEST

static Suite *
jobs_cancel_suite(void)
{
	Suite	*s = suite_create("jobs_cancel");
	TCase	*tc = tcase_create("cancel");

	tcase_add_checked_fixture(tc, setup_one, fx_teardown);
	tcase_add_test(tc, test_queued);
	tcase_add_test(tc, test_running);
	tcase_add_test(tc, test_moved_anyway);
	tcase_add_test(tc, test_refused);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(jobs_cancel_suite());
	int	 failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
