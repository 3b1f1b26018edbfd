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
 * Check suite for the daemon's job list (xrelocd/jobs.c) on a daemon set
 * up by hand: numbering, queueing by priority within
 * xrelocd-max-migrations, one job per domain, the records of incoming
 * migrations, changes, and the ended jobs kept.
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "common.h"
#include "xrelocd_fixture.h"

static void
setup_one(void)
{
	fx_setup_conf("(xrelocd-max-migrations 1)\n");
}

static void
setup_two(void)
{
	fx_setup_conf("(xrelocd-max-migrations 2)\n");
}

/* A target record of domain (uuid), unfinished, or with that outcome. */
static void
target_record(struct reloc_record *r, const char *uuid, int outcome)
{
	reloc_record_init(r, RELOC_ROLE_TARGET);
	ck_assert_int_eq(reloc_record_new_id(r->id), 0);
	snprintf(r->domain, sizeof(r->domain), "web01");
	snprintf(r->domain_uuid, sizeof(r->domain_uuid), "%s", uuid);
	snprintf(r->peer, sizeof(r->peer), "192.0.2.1");
	r->state = outcome == -1 ? RELOC_MS_STREAMING : outcome ==
	    RELOC_OUT_MOVED ? RELOC_MS_DONE : RELOC_MS_FAILED;
	r->outcome = outcome;
}

static size_t
jobs_count(enum job_phase phase)
{
	struct job	*j;
	size_t		 n = 0;

	TAILQ_FOREACH(j, &fx.x.jobs, entry)
		n += j->phase == phase;
	return n;
}

START_TEST(test_submit_numbers_and_queues)
{
	struct job	*a, *b;

	ck_assert_int_eq(fx_submit("web01", false, &a), 0);
	ck_assert_int_eq(fx_submit("db01", false, &b), 0);
	ck_assert_uint_eq(a->rec.job, 1);
	ck_assert_uint_eq(b->rec.job, 2);
	ck_assert_ptr_eq(job_find(&fx.x, 1), a);
	ck_assert_ptr_eq(job_find(&fx.x, 2), b);
	ck_assert_ptr_null(job_find(&fx.x, 3));
	ck_assert_str_ne(a->rec.id, b->rec.id);
	ck_assert_str_eq(a->rec.domain_uuid, fx_uuid("web01"));
	ck_assert_str_eq(a->rec.peer, "127.0.0.1");
	ck_assert_str_eq(a->rec.port, "8002");
	/* One slot: the first runs, the second waits. */
	ck_assert_uint_eq(fx.starts, 1);
	ck_assert_ptr_eq(fx.started[0], a);
	ck_assert_int_eq(a->phase, JOB_RUNNING);
	ck_assert_int_eq(a->rec.state, RELOC_MS_CONNECTING);
	ck_assert_int_eq(b->phase, JOB_QUEUED);
	ck_assert_str_eq(job_state_name(b), "queued");
	ck_assert_ptr_eq(job_by_record(&fx.x, b->rec.id, RELOC_ROLE_SOURCE),
	    b);
	ck_assert_ptr_null(job_by_record(&fx.x, b->rec.id,
	    RELOC_ROLE_TARGET));
	/* It ends: the next one starts. */
	job_ended(&fx.x, a, RELOC_OUT_MOVED, "web01 moved");
	ck_assert_int_eq(a->phase, JOB_ENDED);
	ck_assert_int_eq(a->rec.state, RELOC_MS_DONE);
	ck_assert_ptr_null(a->worker);
	job_schedule(&fx.x);
	ck_assert_uint_eq(fx.starts, 2);
	ck_assert_int_eq(b->phase, JOB_RUNNING);
}
END_TEST

START_TEST(test_one_job_per_domain)
{
	struct job	*a, *b = NULL;
	struct job_opts	 o;

	ck_assert_int_eq(fx_submit("web01", false, &a), 0);
	ck_assert_int_eq(fx_submit("web01", true, &b), RELOC_ERR_EXIST);
	ck_assert_ptr_null(b);
	ck_assert_ptr_eq(job_holding(&fx.x, fx_uuid("web01")), a);
	/* Queued counts as well as running. */
	ck_assert_int_eq(fx_submit("db01", false, &b), 0);
	ck_assert_int_eq(b->phase, JOB_QUEUED);
	ck_assert_int_eq(fx_submit("db01", false, &b), RELOC_ERR_EXIST);
	/* Once it ended the domain can go again, as a new job. */
	job_ended(&fx.x, a, RELOC_OUT_FAILED, "web01 runs here as before");
	ck_assert_ptr_null(job_holding(&fx.x, fx_uuid("web01")));
	ck_assert_int_eq(fx_submit("web01", false, &b), 0);
	ck_assert_uint_eq(b->rec.job, 3);
	/* No uuid (never resolved), or a daemon that stops: refused. */
	memset(&o, 0, sizeof(o));
	ck_assert_int_eq(job_submit(&fx.x, &o, &b), RELOC_ERR_INVAL);
	fx.x.stopping = true;
	ck_assert_int_eq(fx_submit("mail01", false, &b), RELOC_ERR_DENIED);
	ck_assert_uint_eq(fx.x.next_job, 4);
}
END_TEST

START_TEST(test_high_priority_first)
{
	struct job	*a, *b, *c, *d;

	ck_assert_int_eq(fx_submit("web01", false, &a), 0);
	ck_assert_int_eq(fx_submit("db01", false, &b), 0);
	ck_assert_int_eq(fx_submit("mail01", true, &c), 0);
	ck_assert_int_eq(fx_submit("dns01", false, &d), 0);
	ck_assert_uint_eq(fx.starts, 1);
	job_ended(&fx.x, a, RELOC_OUT_MOVED, "moved");
	job_schedule(&fx.x);
	ck_assert_ptr_eq(fx.started[1], c);
	ck_assert_int_eq(b->phase, JOB_QUEUED);
	job_ended(&fx.x, c, RELOC_OUT_MOVED, "moved");
	job_schedule(&fx.x);
	ck_assert_ptr_eq(fx.started[2], b);
	job_ended(&fx.x, b, RELOC_OUT_MOVED, "moved");
	job_schedule(&fx.x);
	ck_assert_ptr_eq(fx.started[3], d);
	ck_assert_uint_eq(fx.starts, 4);
}
END_TEST

START_TEST(test_max_migrations)
{
	struct reloc_record	 r;
	struct job		*a, *b, *c, *t;

	ck_assert_int_eq(fx_submit("web01", false, &a), 0);
	ck_assert_int_eq(fx_submit("db01", false, &b), 0);
	ck_assert_int_eq(fx_submit("mail01", false, &c), 0);
	ck_assert_uint_eq(fx.starts, 2);
	ck_assert_int_eq(c->phase, JOB_QUEUED);
	/* An incoming migration takes no slot of ours. */
	target_record(&r, fx_uuid("dns01"), -1);
	ck_assert_ptr_nonnull(t = job_take_record(&fx.x, &r));
	t->worker = a->worker;
	reloc_record_dispose(&r);
	job_schedule(&fx.x);
	ck_assert_int_eq(c->phase, JOB_QUEUED);
	/* A job only asking its target what became of it gives way. */
	b->rec.state = RELOC_MS_RESOLVING;
	job_schedule(&fx.x);
	ck_assert_int_eq(c->phase, JOB_RUNNING);
	ck_assert_ptr_eq(fx.started[2], c);
	ck_assert_uint_eq(fx.starts, 3);
}
END_TEST

/* A running job without a worker (recovered by the daemon) takes none. */
START_TEST(test_no_worker_no_slot)
{
	struct job	*a, *b;

	fx.no_worker = true;
	ck_assert_int_eq(fx_submit("web01", false, &a), 0);
	ck_assert_int_eq(fx_submit("db01", false, &b), 0);
	ck_assert_int_eq(a->phase, JOB_RUNNING);
	ck_assert_int_eq(b->phase, JOB_RUNNING);
	ck_assert_uint_eq(fx.starts, 2);
}
END_TEST

START_TEST(test_start_fails)
{
	struct job	*a, *b;

	fx.fail_start = true;
	ck_assert_int_eq(fx_submit("web01", false, &a), 0);
	ck_assert_int_eq(a->phase, JOB_ENDED);
	ck_assert_int_eq(a->rec.outcome, RELOC_OUT_FAILED);
	ck_assert_int_eq(a->rec.state, RELOC_MS_FAILED);
	ck_assert_ptr_nonnull(strstr(a->rec.message, "cannot start"));
	ck_assert_uint_eq(a->version, 1);
	ck_assert_uint_eq(fx.changes, 1);
	ck_assert_ptr_null(job_holding(&fx.x, fx_uuid("web01")));
	/* It holds no slot: the next one starts. */
	fx.fail_start = false;
	ck_assert_int_eq(fx_submit("db01", false, &b), 0);
	ck_assert_int_eq(b->phase, JOB_RUNNING);
	ck_assert_uint_eq(b->rec.job, 2);
}
END_TEST

START_TEST(test_take_record)
{
	struct reloc_record	 r;
	struct job		*a, *t, *u;

	ck_assert_int_eq(fx_submit("web01", false, &a), 0);
	target_record(&r, fx_uuid("db01"), -1);
	ck_assert_ptr_nonnull(t = job_take_record(&fx.x, &r));
	ck_assert_uint_eq(t->rec.job, 2);
	ck_assert_int_eq(t->phase, JOB_RUNNING);
	ck_assert_ptr_eq(job_find(&fx.x, 2), t);
	ck_assert_ptr_eq(job_by_record(&fx.x, r.id, RELOC_ROLE_TARGET), t);
	/* The same migration again: updated in place, its number kept. */
	r.state = RELOC_MS_WAIT_READY;
	snprintf(r.message, sizeof(r.message), "restored");
	ck_assert_ptr_eq(job_take_record(&fx.x, &r), t);
	ck_assert_uint_eq(t->rec.job, 2);
	ck_assert_int_eq(t->rec.state, RELOC_MS_WAIT_READY);
	ck_assert_str_eq(t->rec.message, "restored");
	/* The same id in the other role is another job (a host to itself). */
	r.role = RELOC_ROLE_SOURCE;
	ck_assert_ptr_nonnull(u = job_take_record(&fx.x, &r));
	ck_assert_ptr_ne(u, t);
	ck_assert_uint_eq(u->rec.job, 3);
	/* A journaled number is kept when free, else a new one is given. */
	target_record(&r, fx_uuid("db01"), -1);
	r.job = 7;
	ck_assert_uint_eq(job_take_record(&fx.x, &r)->rec.job, 7);
	ck_assert_uint_eq(fx.x.next_job, 8);
	reloc_record_dispose(&r);
	target_record(&r, fx_uuid("db01"), -1);
	r.job = 1;
	ck_assert_uint_eq(job_take_record(&fx.x, &r)->rec.job, 8);
	reloc_record_dispose(&r);
	ck_assert_int_eq(fx_submit("mail01", false, &a), 0);
	ck_assert_uint_eq(a->rec.job, 9);
}
END_TEST

START_TEST(test_changed)
{
	struct job	*a;
	unsigned	 v;

	ck_assert_int_eq(fx_submit("web01", false, &a), 0);
	v = a->version;
	a->rec.state = RELOC_MS_STREAMING;
	job_changed(&fx.x, a);
	ck_assert_uint_eq(a->version, v + 1);
	ck_assert_uint_eq(fx.changes, 1);
	ck_assert_int_eq(a->phase, JOB_RUNNING);
	a->rec.state = RELOC_MS_DONE;
	a->rec.outcome = RELOC_OUT_MOVED;
	job_changed(&fx.x, a);
	ck_assert_uint_eq(a->version, v + 2);
	ck_assert_int_eq(a->phase, JOB_ENDED);
	ck_assert_uint_eq(fx.changes, 2);
	/* A job ended already is not ended twice. */
	job_ended(&fx.x, a, RELOC_OUT_FAILED, "late");
	ck_assert_int_eq(a->rec.outcome, RELOC_OUT_MOVED);
	ck_assert_uint_eq(a->version, v + 2);
}
END_TEST

START_TEST(test_trim)
{
	struct reloc_record	 r;
	struct job		*live, *first = NULL, *j;
	unsigned		 i;

	target_record(&r, fx_uuid("web01"), -1);
	ck_assert_ptr_nonnull(live = job_take_record(&fx.x, &r));
	reloc_record_dispose(&r);
	for (i = 0; i < 70; i++) {
		target_record(&r, fx_uuid("db01"), RELOC_OUT_MOVED);
		ck_assert_ptr_nonnull(j = job_take_record(&fx.x, &r));
		reloc_record_dispose(&r);
		/* The oldest has a caller waiting on it: kept. */
		if (first == NULL) {
			first = j;
			j->waiters = 1;
		}
		job_changed(&fx.x, j);
		ck_assert_int_eq(j->phase, JOB_ENDED);
	}
	ck_assert_uint_eq(jobs_count(JOB_ENDED), 64);
	ck_assert_uint_eq(jobs_count(JOB_RUNNING), 1);
	ck_assert_ptr_eq(job_find(&fx.x, live->rec.job), live);
	ck_assert_ptr_eq(job_find(&fx.x, 2), first);
	/* Then the oldest went first: 3..8 gone, 9..71 kept. */
	for (i = 3; i <= 8; i++)
		ck_assert_ptr_null(job_find(&fx.x, i));
	for (i = 9; i <= 71; i++)
		ck_assert_ptr_nonnull(job_find(&fx.x, i));
}
END_TEST

/*
 * A target's record is final a moment before its worker exits: however
 * many jobs end meanwhile, the job stays until the worker is gone (its
 * end reads the job).
 */
START_TEST(test_trim_keeps_held)
{
	struct reloc_record	 r;
	struct worker		*w;
	struct job		*held, *j;
	char			 id[sizeof(r.id)];
	unsigned		 i, number;

	target_record(&r, fx_uuid("web01"), RELOC_OUT_MOVED);
	ck_assert_ptr_nonnull(held = job_take_record(&fx.x, &r));
	reloc_record_dispose(&r);
	number = held->rec.job;
	memcpy(id, held->rec.id, sizeof(id));
	ck_assert_ptr_nonnull(w = calloc(1, sizeof(*w)));
	w->kind = WORKER_TARGET;
	w->job = held;
	TAILQ_INSERT_TAIL(&fx.x.workers, w, entry);
	job_changed(&fx.x, held);
	ck_assert_int_eq(held->phase, JOB_ENDED);
	for (i = 0; i < 70; i++) {
		target_record(&r, fx_uuid("db01"), RELOC_OUT_FAILED);
		ck_assert_ptr_nonnull(j = job_take_record(&fx.x, &r));
		reloc_record_dispose(&r);
		job_changed(&fx.x, j);
	}
	/* By number and id: a freed job's memory may hold a new one. */
	ck_assert_ptr_nonnull(j = job_find(&fx.x, number));
	ck_assert_str_eq(j->rec.id, id);
	ck_assert_uint_eq(jobs_count(JOB_ENDED), 64);
	/* The worker gone, the next end trims it like any other. */
	TAILQ_REMOVE(&fx.x.workers, w, entry);
	free(w);
	target_record(&r, fx_uuid("db01"), RELOC_OUT_FAILED);
	ck_assert_ptr_nonnull(j = job_take_record(&fx.x, &r));
	reloc_record_dispose(&r);
	job_changed(&fx.x, j);
	ck_assert_ptr_null(job_find(&fx.x, number));
	ck_assert_uint_eq(jobs_count(JOB_ENDED), 64);
}
END_TEST

START_TEST(test_holding_target_jobs)
{
	struct reloc_record	 r;
	struct job		*t, *a = NULL;
	char			 upper[37];
	size_t			 i;

	target_record(&r, fx_uuid("web01"), -1);
	ck_assert_ptr_nonnull(t = job_take_record(&fx.x, &r));
	reloc_record_dispose(&r);
	for (i = 0; i < sizeof(upper); i++)
		upper[i] = (char)toupper((unsigned char)t->rec.domain_uuid[i]);
	ck_assert_ptr_eq(job_holding(&fx.x, t->rec.domain_uuid), t);
	ck_assert_ptr_eq(job_holding(&fx.x, upper), t);
	/* Being received here, it cannot be sent away meanwhile. */
	ck_assert_int_eq(fx_submit("web01", false, &a), RELOC_ERR_EXIST);
	t->rec.outcome = RELOC_OUT_FAILED;
	t->rec.state = RELOC_MS_FAILED;
	job_changed(&fx.x, t);
	ck_assert_ptr_null(job_holding(&fx.x, t->rec.domain_uuid));
	ck_assert_int_eq(fx_submit("web01", false, &a), 0);
}
END_TEST

static Suite *
jobs_suite(void)
{
	Suite	*s = suite_create("jobs");
	TCase	*one = tcase_create("one_slot");
	TCase	*two = tcase_create("two_slots");

	tcase_add_checked_fixture(one, setup_one, fx_teardown);
	tcase_add_checked_fixture(two, setup_two, fx_teardown);
	tcase_add_test(one, test_submit_numbers_and_queues);
	tcase_add_test(one, test_one_job_per_domain);
	tcase_add_test(one, test_high_priority_first);
	tcase_add_test(one, test_start_fails);
	tcase_add_test(one, test_take_record);
	tcase_add_test(one, test_changed);
	tcase_add_test(one, test_trim);
	tcase_add_test(one, test_trim_keeps_held);
	tcase_add_test(one, test_holding_target_jobs);
	tcase_add_test(one, test_no_worker_no_slot);
	tcase_add_test(two, test_max_migrations);
	suite_add_tcase(s, one);
	suite_add_tcase(s, two);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(jobs_suite());
	int	 failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
