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
 * Check suite for the migration state machines (migrate*.c) over a real
 * loopback connection, with the fake backend on both sides: the target
 * runs in a child process.  Each case makes one step fail and asserts
 * where the domain is, under which name and in which state.
 */

#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "common.h"
#include "fakehv.h"

/* What the target child reports in its exit status. */
#define DST_OUTCOME(st)		(WEXITSTATUS(st) & 0x0f)
#define DST_RUNS_WEB01		0x10
#define DST_HAS_INCOMING	0x20
#define DST_EMPTY		0x40

struct run {
	enum fake_op		 src_fail, dst_fail;
	bool			 dst_has_web01;
	bool			 check_only;
	enum reloc_dom_state	 src_state;
	/* results */
	struct fake		 src;
	struct reloc_migrate_result res;
	int			 dst_status;
};

static int
dst_report(struct fake *f, const struct reloc_migrate_result *res)
{
	struct fake_dom	*d = fake_find(f, "web01");
	int		 st = (int)res->outcome, i, used = 0;

	if (d != NULL && d->state == RELOC_DS_RUNNING)
		st |= DST_RUNS_WEB01;
	if (fake_find(f, "web01--incoming") != NULL)
		st |= DST_HAS_INCOMING;
	for (i = 0; i < 4; i++)
		used += f->doms[i].used;
	return used == 0 ? st | DST_EMPTY : st;
}

static void
dst_child(int lfd, const struct run *r)
{
	struct reloc_target_opts	 o = { .hello_timeout_ms = WAIT_MS,
					    .timeout_ms = WAIT_MS };
	struct reloc_migrate_result	 res;
	struct reloc_chan		*chan = NULL;
	struct fake			 f;
	int				 fd;

	fake_init(&f);
	f.next_domid = 50;
	f.fail = r->dst_fail;
	if (r->dst_has_web01)
		fake_add(&f, "web01", RELOC_DS_RUNNING);
	if ((fd = accept(lfd, NULL, NULL)) == -1 ||
	    reloc_chan_new(fd, "source", WAIT_MS, &chan) < 0 ||
	    reloc_migrate_target(&fake_ops, &f, chan, &o, &res) < 0)
		_exit(0x0f);
	reloc_chan_free(chan);
	_exit(dst_report(&f, &res));
}

static void
run(struct run *r)
{
	struct sockaddr_in		sin;
	socklen_t			len = sizeof(sin);
	struct reloc_migrate_opts	o;
	char				port[16];
	int				lfd;
	pid_t				pid;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ne(lfd, -1);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(lfd, 1), 0);
	ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
	snprintf(port, sizeof(port), "%u", ntohs(sin.sin_port));
	if ((pid = fork()) == 0)
		dst_child(lfd, r);
	close(lfd);
	fake_init(&r->src);
	r->src.fail = r->src_fail;
	fake_add(&r->src, "web01", r->src_state);
	memset(&o, 0, sizeof(o));
	o.domain = "web01";
	o.host = "127.0.0.1";
	o.port = port;
	o.live = true;
	o.check_only = r->check_only;
	o.timeout_ms = WAIT_MS;
	ck_assert_int_eq(reloc_migrate_source(&fake_ops, &r->src, &o,
	    &r->res), 0);
	ck_assert_int_eq(waitpid(pid, &r->dst_status, 0), pid);
	ck_assert(WIFEXITED(r->dst_status));
}

static void
setup(void)
{
	log_silence();
}

START_TEST(test_moved)
{
	struct run	r = { .src_state = RELOC_DS_RUNNING };

	run(&r);
	ck_assert_int_eq(r.res.outcome, RELOC_OUT_MOVED);
	ck_assert_int_eq(r.res.last_state, RELOC_MS_DONE);
	ck_assert_ptr_null(fake_find(&r.src, "web01"));
	ck_assert_ptr_null(fake_find(&r.src, "web01--migratedaway"));
	ck_assert_int_eq(DST_OUTCOME(r.dst_status), RELOC_OUT_MOVED);
	ck_assert(WEXITSTATUS(r.dst_status) & DST_RUNS_WEB01);
	ck_assert(!(WEXITSTATUS(r.dst_status) & DST_HAS_INCOMING));
	reloc_migrate_result_dispose(&r.res);
}
END_TEST

/* The domain never stopped: no resume needed, nothing on the target. */
START_TEST(test_refused_by_name_check)
{
	struct run	r = { .src_state = RELOC_DS_RUNNING,
			    .dst_has_web01 = true };

	run(&r);
	ck_assert_int_eq(r.res.outcome, RELOC_OUT_FAILED);
	ck_assert_uint_eq(r.src.resumes, 0);
	ck_assert_int_eq(fake_find(&r.src, "web01")->state, RELOC_DS_RUNNING);
	ck_assert(reloc_verdict_blocks(&r.res.verdict));
	ck_assert_str_eq(r.res.verdict.findings[0].code, "NAME_EXISTS");
	reloc_migrate_result_dispose(&r.res);
}
END_TEST

START_TEST(test_check_only_moves_nothing)
{
	struct run	r = { .src_state = RELOC_DS_RUNNING,
			    .check_only = true };

	run(&r);
	ck_assert_int_eq(r.res.outcome, RELOC_OUT_MOVED);
	ck_assert_uint_eq(r.src.resumes, 0);
	ck_assert_int_eq(fake_find(&r.src, "web01")->state, RELOC_DS_RUNNING);
	ck_assert(WEXITSTATUS(r.dst_status) & DST_EMPTY);
	reloc_migrate_result_dispose(&r.res);
}
END_TEST

/* Any failure before GO: runs on the source as before, target empty. */
static void
assert_rolled_back(struct run *r, enum reloc_dom_state state)
{
	struct fake_dom	*d = fake_find(&r->src, "web01");

	ck_assert_int_eq(r->res.outcome, RELOC_OUT_FAILED);
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(d->state, state);
	ck_assert_ptr_null(fake_find(&r->src, "web01--migratedaway"));
	ck_assert_int_eq(DST_OUTCOME(r->dst_status), RELOC_OUT_FAILED);
	ck_assert(WEXITSTATUS(r->dst_status) & DST_EMPTY);
	reloc_migrate_result_dispose(&r->res);
}

START_TEST(test_save_fails)
{
	struct run	r = { .src_state = RELOC_DS_RUNNING,
			    .src_fail = FAKE_SAVE };

	run(&r);
	ck_assert_uint_eq(r.src.resumes, 1);
	assert_rolled_back(&r, RELOC_DS_RUNNING);
}
END_TEST

START_TEST(test_restore_fails)
{
	struct run	r = { .src_state = RELOC_DS_RUNNING,
			    .dst_fail = FAKE_RESTORE };

	run(&r);
	ck_assert_uint_eq(r.src.resumes, 1);
	assert_rolled_back(&r, RELOC_DS_RUNNING);
}
END_TEST

/* A domain the admin had paused is paused again after the rollback. */
START_TEST(test_paused_stays_paused)
{
	struct run	r = { .src_state = RELOC_DS_PAUSED,
			    .dst_fail = FAKE_RESTORE };

	run(&r);
	assert_rolled_back(&r, RELOC_DS_PAUSED);
}
END_TEST

/* The source cannot rename before GO: GO is never sent. */
START_TEST(test_rename_fails_before_go)
{
	struct run	r = { .src_state = RELOC_DS_RUNNING,
			    .src_fail = FAKE_RENAME };

	run(&r);
	ck_assert_uint_eq(r.src.resumes, 1);
	assert_rolled_back(&r, RELOC_DS_RUNNING);
}
END_TEST

/* After GO the target cannot run it: the owner is unknown. */
START_TEST(test_unpause_fails_after_go)
{
	struct run	 r = { .src_state = RELOC_DS_RUNNING,
			    .dst_fail = FAKE_UNPAUSE };
	struct fake_dom	*d;

	run(&r);
	ck_assert_int_eq(r.res.outcome, RELOC_OUT_UNKNOWN);
	ck_assert_int_eq(r.res.last_state, RELOC_MS_UNKNOWN);
	ck_assert_uint_eq(r.src.resumes, 0);
	d = fake_find(&r.src, "web01--migratedaway");
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(d->state, RELOC_DS_SUSPENDED);
	ck_assert_ptr_nonnull(strstr(r.res.message, "xm recover web01"));
	/* The target kept it, paused: it never destroys after GO. */
	ck_assert(!(WEXITSTATUS(r.dst_status) & DST_RUNS_WEB01));
	ck_assert(!(WEXITSTATUS(r.dst_status) & DST_EMPTY));
	reloc_migrate_result_dispose(&r.res);
}
END_TEST

/* Moved, but the source copy cannot be destroyed: said, still moved. */
START_TEST(test_destroy_fails_after_done)
{
	struct run	r = { .src_state = RELOC_DS_RUNNING,
			    .src_fail = FAKE_DESTROY };

	run(&r);
	ck_assert_int_eq(r.res.outcome, RELOC_OUT_MOVED);
	ck_assert_ptr_nonnull(fake_find(&r.src, "web01--migratedaway"));
	ck_assert_ptr_nonnull(strstr(r.res.message, "destroy it by hand"));
	ck_assert(WEXITSTATUS(r.dst_status) & DST_RUNS_WEB01);
	reloc_migrate_result_dispose(&r.res);
}
END_TEST

START_TEST(test_bad_arguments)
{
	struct reloc_migrate_opts	o;
	struct reloc_migrate_result	res;

	memset(&o, 0, sizeof(o));
	ck_assert_int_eq(reloc_migrate_source(&fake_ops, NULL, &o, &res),
	    RELOC_ERR_INVAL);
	ck_assert_int_eq(reloc_migrate_target(&fake_ops, NULL, NULL, NULL,
	    &res), RELOC_ERR_INVAL);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("migrate");
	TCase	*ok = tcase_create("handshake");
	TCase	*fail = tcase_create("failure_rules");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(ok, setup, NULL);
	tcase_add_checked_fixture(fail, setup, NULL);
	tcase_add_test(ok, test_moved);
	tcase_add_test(ok, test_refused_by_name_check);
	tcase_add_test(ok, test_check_only_moves_nothing);
	tcase_add_test(ok, test_bad_arguments);
	tcase_add_test(fail, test_save_fails);
	tcase_add_test(fail, test_restore_fails);
	tcase_add_test(fail, test_paused_stays_paused);
	tcase_add_test(fail, test_rename_fails_before_go);
	tcase_add_test(fail, test_unpause_fails_after_go);
	tcase_add_test(fail, test_destroy_fails_after_done);
	suite_add_tcase(s, ok);
	suite_add_tcase(s, fail);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
