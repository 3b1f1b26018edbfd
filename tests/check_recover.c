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
 * Check suite for recovery (recover*.c): the rules as a table, and every
 * action carried out on the fake backend with a journal.  The answers and
 * the QUERY rounds are in check_recover_ask.c.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "check_recover.h"
#include "common.h"
#include "reloc-int.h"

#define NO_ANSWER	(-1)

char		*jdir;
char		*tdir;
struct fake	 f;

void
setup(void)
{
	log_silence();
	jdir = test_tmpdir("recover");
	tdir = test_tmpdir("recover-target");
	fake_init(&f);
}

void
teardown(void)
{
	rm_rf(jdir);
	rm_rf(tdir);
	free(jdir);
	free(tdir);
}

/* ---------------------------------------------------------------- decide */

static const struct decide_case {
	enum reloc_role			role;
	enum reloc_mstate		state;
	bool				go;
	int				outcome;
	int				answer;	/* NO_ANSWER: not asked */
	enum reloc_recover_action	want;
} decide_cases[] = {
	/* final: nothing, whatever else it says */
	{ RELOC_ROLE_SOURCE, RELOC_MS_DONE, true, RELOC_OUT_MOVED,
	    NO_ANSWER, RELOC_RA_NONE },
	{ RELOC_ROLE_SOURCE, RELOC_MS_FAILED, false, RELOC_OUT_FAILED,
	    RELOC_ANS_TAKEN, RELOC_RA_NONE },
	{ RELOC_ROLE_SOURCE, RELOC_MS_UNKNOWN, true, RELOC_OUT_UNKNOWN,
	    NO_ANSWER, RELOC_RA_NONE },
	{ RELOC_ROLE_TARGET, RELOC_MS_OWNER, true, RELOC_OUT_MOVED,
	    NO_ANSWER, RELOC_RA_NONE },
	{ RELOC_ROLE_TARGET, RELOC_MS_FAILED, false, RELOC_OUT_FAILED,
	    NO_ANSWER, RELOC_RA_NONE },
	/* source, GO never sent: as before, asked or not */
	{ RELOC_ROLE_SOURCE, RELOC_MS_CONNECTING, false, -1, NO_ANSWER,
	    RELOC_RA_ROLL_BACK },
	{ RELOC_ROLE_SOURCE, RELOC_MS_STREAMING, false, -1, NO_ANSWER,
	    RELOC_RA_ROLL_BACK },
	{ RELOC_ROLE_SOURCE, RELOC_MS_COMMITTING, false, -1, RELOC_ANS_TAKEN,
	    RELOC_RA_ROLL_BACK },
	/* source, GO may be out: the answer decides */
	{ RELOC_ROLE_SOURCE, RELOC_MS_COMMITTING, true, -1, NO_ANSWER,
	    RELOC_RA_ASK },
	{ RELOC_ROLE_SOURCE, RELOC_MS_RESOLVING, true, -1, NO_ANSWER,
	    RELOC_RA_ASK },
	{ RELOC_ROLE_SOURCE, RELOC_MS_COMMITTING, true, -1, RELOC_ANS_TAKEN,
	    RELOC_RA_DESTROY_COPY },
	{ RELOC_ROLE_SOURCE, RELOC_MS_COMMITTING, true, -1,
	    RELOC_ANS_NOT_TAKEN, RELOC_RA_ROLL_BACK },
	{ RELOC_ROLE_SOURCE, RELOC_MS_RESOLVING, true, -1, RELOC_ANS_PENDING,
	    RELOC_RA_ASK },
	{ RELOC_ROLE_SOURCE, RELOC_MS_RESOLVING, true, -1, RELOC_ANS_UNKNOWN,
	    RELOC_RA_ASK },
	/* source, DONE received: the target has it, whatever was asked */
	{ RELOC_ROLE_SOURCE, RELOC_MS_DONE, true, -1, NO_ANSWER,
	    RELOC_RA_DESTROY_COPY },
	{ RELOC_ROLE_SOURCE, RELOC_MS_DONE, true, -1, RELOC_ANS_NOT_TAKEN,
	    RELOC_RA_DESTROY_COPY },
	/* target, GO not received: destroy the incoming copy */
	{ RELOC_ROLE_TARGET, RELOC_MS_STREAMING, false, -1, NO_ANSWER,
	    RELOC_RA_DESTROY_INCOMING },
	{ RELOC_ROLE_TARGET, RELOC_MS_WAIT_READY, false, -1, RELOC_ANS_TAKEN,
	    RELOC_RA_DESTROY_INCOMING },
	/* target, GO received: finish the takeover */
	{ RELOC_ROLE_TARGET, RELOC_MS_OWNER, true, -1, NO_ANSWER,
	    RELOC_RA_TAKE_OVER },
	{ RELOC_ROLE_TARGET, RELOC_MS_WAIT_READY, true, -1,
	    RELOC_ANS_NOT_TAKEN, RELOC_RA_TAKE_OVER },
};

START_TEST(test_decide)
{
	const struct decide_case	*c = &decide_cases[_i];
	struct reloc_record		 r;
	enum reloc_answer		 a = (enum reloc_answer)c->answer;

	reloc_record_init(&r, c->role);
	r.state = c->state;
	r.go = c->go;
	r.outcome = c->outcome;
	ck_assert_msg(reloc_recover_decide(&r, c->answer == NO_ANSWER ?
	    NULL : &a) == c->want, "case %d: want %s, got %s", _i,
	    reloc_recover_action_name(c->want), reloc_recover_action_name(
	    reloc_recover_decide(&r, c->answer == NO_ANSWER ? NULL : &a)));
	reloc_record_dispose(&r);
}
END_TEST

/* ---------------------------------------------------------------- actions */

void
rec_make(struct reloc_record *r, enum reloc_role role,
    const struct fake_dom *d, enum reloc_mstate state, bool go)
{
	reloc_record_init(r, role);
	ck_assert_int_eq(reloc_record_new_id(r->id), 0);
	snprintf(r->domain, sizeof(r->domain), "web01");
	snprintf(r->domain_uuid, sizeof(r->domain_uuid), "%s", d->uuid);
	snprintf(r->peer, sizeof(r->peer), "127.0.0.1");
	snprintf(r->port, sizeof(r->port), "1");
	r->domid = d->domid;
	r->state = state;
	r->go = go;
}

void
opts_make(struct reloc_recover_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->hv = &fake_ops;
	o->priv = &f;
	o->journal_dir = jdir;
	o->timeout_ms = WAIT_MS;
	o->interval_ms = 10;
}

void
assert_final(const struct reloc_record *r, int outcome,
    enum reloc_mstate state)
{
	struct reloc_record	j;

	ck_assert_int_eq(r->outcome, outcome);
	ck_assert_int_eq(r->state, state);
	ck_assert_str_ne(r->message, "");
	ck_assert_int_eq(reloc_journal_get(jdir, r->id, r->role, &j), 0);
	ck_assert_int_eq(j.outcome, outcome);
	ck_assert_int_eq(j.state, state);
	ck_assert_str_eq(j.message, r->message);
	reloc_record_dispose(&j);
}

int
run_recover(struct reloc_record *r)
{
	struct reloc_recover_opts	o;

	opts_make(&o);
	return reloc_recover(&o, r);
}

START_TEST(test_roll_back)
{
	struct fake_dom		*d;
	struct reloc_record	 r;

	d = fake_add(&f, "web01--migratedaway", RELOC_DS_SUSPENDED);
	rec_make(&r, RELOC_ROLE_SOURCE, d, RELOC_MS_WAIT_READY, false);
	ck_assert_int_eq(run_recover(&r), 0);
	ck_assert_ptr_null(fake_find(&f, "web01--migratedaway"));
	ck_assert_ptr_nonnull(d = fake_find(&f, "web01"));
	ck_assert_int_eq(d->state, RELOC_DS_RUNNING);
	assert_final(&r, RELOC_OUT_FAILED, RELOC_MS_FAILED);
	ck_assert_ptr_nonnull(strstr(r.message, "web01 runs here as before"));
	reloc_record_dispose(&r);
}
END_TEST

START_TEST(test_roll_back_was_paused)
{
	struct fake_dom		*d;
	struct reloc_record	 r;

	d = fake_add(&f, "web01--migratedaway", RELOC_DS_SUSPENDED);
	rec_make(&r, RELOC_ROLE_SOURCE, d, RELOC_MS_COMMITTING, false);
	r.was_paused = true;
	ck_assert_int_eq(run_recover(&r), 0);
	ck_assert_ptr_nonnull(d = fake_find(&f, "web01"));
	ck_assert_int_eq(d->state, RELOC_DS_PAUSED);
	ck_assert_uint_eq(f.resumes, 1);
	assert_final(&r, RELOC_OUT_FAILED, RELOC_MS_FAILED);
	ck_assert_ptr_nonnull(strstr(r.message, "web01 is paused here"));
	reloc_record_dispose(&r);
}
END_TEST

/* Before the stream the domain was never suspended: not resumed. */
START_TEST(test_roll_back_untouched)
{
	struct fake_dom		*d;
	struct reloc_record	 r;

	d = fake_add(&f, "web01", RELOC_DS_PAUSED);
	rec_make(&r, RELOC_ROLE_SOURCE, d, RELOC_MS_PRECHECK, false);
	ck_assert_int_eq(run_recover(&r), 0);
	ck_assert_uint_eq(f.resumes, 0);
	ck_assert_int_eq(fake_find(&f, "web01")->state, RELOC_DS_PAUSED);
	assert_final(&r, RELOC_OUT_FAILED, RELOC_MS_FAILED);
	reloc_record_dispose(&r);
}
END_TEST

/*
 * Journaled while connecting, before its id was known: the domain still
 * runs under its own name and is kept, as it is, with the failure told.
 */
START_TEST(test_roll_back_no_domid)
{
	struct fake_dom		*d, *other;
	struct reloc_record	 r;

	other = fake_add(&f, "db01", RELOC_DS_RUNNING);
	d = fake_add(&f, "web01", RELOC_DS_RUNNING);
	rec_make(&r, RELOC_ROLE_SOURCE, d, RELOC_MS_CONNECTING, false);
	r.domid = RELOC_DOMID_NONE;
	ck_assert_int_eq(run_recover(&r), 0);
	ck_assert_uint_eq(f.resumes, 0);
	ck_assert_ptr_eq(fake_find(&f, "web01"), d);
	ck_assert_int_eq(d->state, RELOC_DS_RUNNING);
	ck_assert_ptr_eq(fake_find(&f, "db01"), other);
	assert_final(&r, RELOC_OUT_FAILED, RELOC_MS_FAILED);
	ck_assert_ptr_nonnull(strstr(r.message, "web01 runs here as before"));
	reloc_record_dispose(&r);
}
END_TEST

START_TEST(test_destroy_copy)
{
	struct fake_dom		*d;
	struct reloc_record	 r;

	d = fake_add(&f, "web01--migratedaway", RELOC_DS_SUSPENDED);
	rec_make(&r, RELOC_ROLE_SOURCE, d, RELOC_MS_DONE, true);
	ck_assert_int_eq(run_recover(&r), 0);
	ck_assert_ptr_null(fake_find(&f, "web01--migratedaway"));
	ck_assert_ptr_null(fake_find(&f, "web01"));
	assert_final(&r, RELOC_OUT_MOVED, RELOC_MS_DONE);
	ck_assert_ptr_nonnull(strstr(r.message, "moved to 127.0.0.1"));
	reloc_record_dispose(&r);
}
END_TEST

/* _i: 0 by domid, 1 by name (domid none). */
START_TEST(test_destroy_incoming)
{
	struct fake_dom		*d, *other;
	struct reloc_record	 r;

	other = fake_add(&f, "db01", RELOC_DS_RUNNING);
	d = fake_add(&f, "web01--incoming", RELOC_DS_PAUSED);
	rec_make(&r, RELOC_ROLE_TARGET, d, RELOC_MS_WAIT_READY, false);
	if (_i == 1)
		r.domid = RELOC_DOMID_NONE;
	ck_assert_int_eq(run_recover(&r), 0);
	ck_assert_ptr_null(fake_find(&f, "web01--incoming"));
	ck_assert_ptr_null(fake_find(&f, "web01"));
	ck_assert_ptr_eq(fake_find(&f, "db01"), other);
	assert_final(&r, RELOC_OUT_FAILED, RELOC_MS_FAILED);
	ck_assert_ptr_nonnull(strstr(r.message, "nothing kept here"));
	reloc_record_dispose(&r);
}
END_TEST

START_TEST(test_take_over)
{
	struct fake_dom		*d;
	struct reloc_record	 r;

	d = fake_add(&f, "web01--incoming", RELOC_DS_PAUSED);
	rec_make(&r, RELOC_ROLE_TARGET, d, RELOC_MS_OWNER, true);
	ck_assert_int_eq(run_recover(&r), 0);
	ck_assert_ptr_null(fake_find(&f, "web01--incoming"));
	ck_assert_ptr_nonnull(d = fake_find(&f, "web01"));
	ck_assert_int_eq(d->state, RELOC_DS_RUNNING);
	assert_final(&r, RELOC_OUT_MOVED, RELOC_MS_DONE);
	reloc_record_dispose(&r);
}
END_TEST

START_TEST(test_take_over_fails)
{
	struct fake_dom		*d;
	struct reloc_record	 r;
	size_t			 i;

	d = fake_add(&f, "web01--incoming", RELOC_DS_PAUSED);
	rec_make(&r, RELOC_ROLE_TARGET, d, RELOC_MS_OWNER, true);
	f.fail = FAKE_UNPAUSE;
	ck_assert_int_eq(run_recover(&r), 0);
	for (i = 0; i < 4; i++)
		ck_assert(!f.doms[i].used);
	assert_final(&r, RELOC_OUT_FAILED, RELOC_MS_FAILED);
	ck_assert_ptr_nonnull(strstr(r.message, "never ran"));
	reloc_record_dispose(&r);
}
END_TEST

START_TEST(test_take_over_undestroyable)
{
	struct fake_dom		*d;
	struct reloc_record	 r;
	char			 a[64];

	d = fake_add(&f, "web01--incoming", RELOC_DS_PAUSED);
	rec_make(&r, RELOC_ROLE_TARGET, d, RELOC_MS_OWNER, true);
	f.fail = FAKE_UNPAUSE | FAKE_DESTROY;
	ck_assert_int_eq(run_recover(&r), 0);
	/* Still here and never ran: the admin destroys it by hand. */
	ck_assert(d->used);
	ck_assert_int_eq(d->state, RELOC_DS_PAUSED);
	assert_final(&r, RELOC_OUT_UNKNOWN, RELOC_MS_UNKNOWN);
	/* Named as it is now: the takeover renamed it before it failed. */
	ck_assert_str_eq(d->name, "web01");
	ck_assert_ptr_nonnull(strstr(r.message, "paused here as web01; "
	    "destroy it by hand"));
	/* The target's word on it to a source that asks: pending. */
	ck_assert_int_eq(reloc_recover_answer(jdir, r.id, r.domain_uuid, a,
	    sizeof(a)), RELOC_ANS_PENDING);
	reloc_record_dispose(&r);
}
END_TEST

/* The domid now names another domain (id reused): left alone. */
START_TEST(test_domid_reused)
{
	struct fake_dom		*d, *other;
	struct reloc_record	 r;

	d = fake_add(&f, "web01--incoming", RELOC_DS_PAUSED);
	rec_make(&r, RELOC_ROLE_TARGET, d, RELOC_MS_WAIT_READY, false);
	d->used = false;
	f.next_domid = d->domid;
	other = fake_add(&f, "db01", RELOC_DS_RUNNING);
	ck_assert_uint_eq(other->domid, r.domid);
	snprintf(other->uuid, sizeof(other->uuid),
	    "00000000-0000-0000-0000-000000000888");
	ck_assert_str_ne(other->uuid, r.domain_uuid);
	ck_assert_int_eq(run_recover(&r), 0);
	ck_assert_ptr_eq(fake_find(&f, "db01"), other);
	ck_assert_int_eq(other->state, RELOC_DS_RUNNING);
	assert_final(&r, RELOC_OUT_FAILED, RELOC_MS_FAILED);
	reloc_record_dispose(&r);

	/* And on the source: nothing resumed, nothing renamed. */
	rec_make(&r, RELOC_ROLE_SOURCE, other, RELOC_MS_COMMITTING, false);
	snprintf(r.domain_uuid, sizeof(r.domain_uuid),
	    "00000000-0000-0000-0000-000000009999");
	other->state = RELOC_DS_SUSPENDED;
	ck_assert_int_eq(run_recover(&r), 0);
	ck_assert_uint_eq(f.resumes, 0);
	ck_assert_ptr_eq(fake_find(&f, "db01"), other);
	ck_assert_int_eq(other->state, RELOC_DS_SUSPENDED);
	assert_final(&r, RELOC_OUT_UNKNOWN, RELOC_MS_UNKNOWN);
	reloc_record_dispose(&r);
}
END_TEST

static Suite *
recover_suite(void)
{
	Suite	*s = suite_create("recover");
	TCase	*rules = tcase_create("rules");
	TCase	*act = tcase_create("actions");

	tcase_add_checked_fixture(rules, setup, teardown);
	tcase_add_checked_fixture(act, setup, teardown);
	tcase_add_loop_test(rules, test_decide, 0,
	    sizeof(decide_cases) / sizeof(decide_cases[0]));
	tcase_add_test(act, test_roll_back);
	tcase_add_test(act, test_roll_back_was_paused);
	tcase_add_test(act, test_roll_back_untouched);
	tcase_add_test(act, test_roll_back_no_domid);
	tcase_add_test(act, test_destroy_copy);
	tcase_add_loop_test(act, test_destroy_incoming, 0, 2);
	tcase_add_test(act, test_take_over);
	tcase_add_test(act, test_take_over_fails);
	tcase_add_test(act, test_take_over_undestroyable);
	tcase_add_test(act, test_domid_reused);
	suite_add_tcase(s, rules);
	suite_add_tcase(s, act);
	suite_add_tcase(s, recover_ask_tcase());
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(recover_suite());
	int	 failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
