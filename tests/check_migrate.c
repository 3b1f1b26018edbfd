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
#include "migrate.h"

/* What the target child reports in its exit status. */
#define DST_OUTCOME(st)		(WEXITSTATUS(st) & 0x0f)
#define DST_RUNS_WEB01		0x10
#define DST_HAS_INCOMING	0x20
#define DST_EMPTY		0x40

struct run {
	unsigned		 src_fail, dst_fail; /* fake_op bits */
	bool			 dst_has_web01;
	uint32_t		 dst_web01_id;	/* 0: its own web01 */
	const char		*host_uuid;	/* of both sides, or NULL */
	bool			 check_only;
	const char		*force;		/* --force CHECK */
	const char		*dst_arrives;	/* during the stream */
	uint64_t		 dst_free_kb_restored;
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
	struct fake_dom			*d = NULL;
	int				 fd;

	fake_init(&f);
	f.next_domid = 50;
	f.fail = r->dst_fail;
	f.arrives = r->dst_arrives;
	f.free_kb_restored = r->dst_free_kb_restored;
	if (r->host_uuid != NULL)
		snprintf(f.host_uuid, sizeof(f.host_uuid), "%s", r->host_uuid);
	if (r->dst_has_web01)
		d = fake_add(&f, "web01", RELOC_DS_RUNNING);
	/* The source's web01 itself: its id, and the uuid fake_add gave it. */
	if (r->dst_has_web01 && r->dst_web01_id != 0) {
		d->domid = r->dst_web01_id;
		snprintf(d->uuid, sizeof(d->uuid),
		    "00000000-0000-0000-0000-%012u", d->domid + 100);
	}
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
	if (r->host_uuid != NULL)
		snprintf(r->src.host_uuid, sizeof(r->src.host_uuid), "%s",
		    r->host_uuid);
	fake_add(&r->src, "web01", r->src_state);
	memset(&o, 0, sizeof(o));
	o.domain = "web01";
	o.host = "127.0.0.1";
	o.port = port;
	o.live = true;
	o.check_only = r->check_only;
	o.force = &r->force;
	o.nr_force = r->force != NULL ? 1 : 0;
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

/* Downtime: intervals each on one host's clock, whatever their skew. */
START_TEST(test_downtime_one_clock_each)
{
	/* Source: paused at 1000, GO out at 1500, DONE in at 2500. */
	struct reloc__downtime	t = { .suspended_ns = 1000,
				    .go_sent_ns = 1500, .done_ns = 2500,
				    .go_unpause_ns = 200, .go_done_ns = 600 };

	/* 500 here, GO's transit (1000 - 600) / 2, 200 there. */
	ck_assert_uint_eq(reloc__downtime_ns(&t), 500 + 200 + 200);
	/* A target slower than the round trip: no negative transit. */
	t.go_done_ns = 1200;
	t.go_unpause_ns = 1100;
	ck_assert_uint_eq(reloc__downtime_ns(&t), 500 + 0 + 1100);
	/* Not paused, or intervals out of order: unknown, 0. */
	t.suspended_ns = 0;
	ck_assert_uint_eq(reloc__downtime_ns(&t), 0);
	t.suspended_ns = 1600;
	ck_assert_uint_eq(reloc__downtime_ns(&t), 0);
	t.suspended_ns = 1000;
	t.go_done_ns = 100;
	ck_assert_uint_eq(reloc__downtime_ns(&t), 0);
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

#define HOST_UUID	"6e2b1c0a-3f4d-4e5a-9b8c-7d6e5f4a3b2c"

/*
 * Both ends have one host uuid and the peer's address is ours: the same
 * host.  The target's web01 is then the domain that moves (same id and
 * uuid) and no clash; another web01 still is.
 */
START_TEST(test_same_host)
{
	struct run	r = { .src_state = RELOC_DS_RUNNING,
			    .dst_has_web01 = true, .dst_web01_id = 1,
			    .host_uuid = HOST_UUID, .check_only = true };

	run(&r);
	ck_assert_int_eq(r.res.outcome, RELOC_OUT_MOVED);
	ck_assert(!reloc_verdict_blocks(&r.res.verdict));
	reloc_migrate_result_dispose(&r.res);
	r.dst_web01_id = 0;
	run(&r);
	ck_assert_int_eq(r.res.outcome, RELOC_OUT_FAILED);
	ck_assert_uint_eq(r.res.verdict.nr_findings, 1);
	ck_assert_str_eq(r.res.verdict.findings[0].code, "NAME_EXISTS");
	reloc_migrate_result_dispose(&r.res);
	/* Another host (no host uuid) with that very domain: refused. */
	r.dst_web01_id = 1;
	r.host_uuid = NULL;
	run(&r);
	ck_assert_int_eq(r.res.outcome, RELOC_OUT_FAILED);
	ck_assert_uint_eq(r.res.verdict.nr_findings, 2);
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
	ck_assert(!r.res.was_paused);
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
	ck_assert(r.res.was_paused);
	assert_rolled_back(&r, RELOC_DS_PAUSED);
}
END_TEST

/* A loopback listener; its port in port_r.  accepts: close each peer. */
static int
listener(char *port_r, size_t size, bool accepts, pid_t *pid_r)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			lfd, fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ne(lfd = socket(AF_INET, SOCK_STREAM, 0), -1);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(lfd, 1), 0);
	ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
	snprintf(port_r, size, "%u", ntohs(sin.sin_port));
	*pid_r = -1;
	if (!accepts)
		return lfd;
	/* As a target does to a peer its allow-list refuses. */
	if ((*pid_r = fork()) == 0) {
		if ((fd = accept(lfd, NULL, NULL)) != -1)
			close(fd);
		_exit(0);
	}
	return lfd;
}

/* src connects to port; the message of the failure in res. */
static void
connect_to(const char *port, struct reloc_migrate_result *res)
{
	struct reloc_migrate_opts	o;
	struct fake			src;

	fake_init(&src);
	fake_add(&src, "web01", RELOC_DS_RUNNING);
	memset(&o, 0, sizeof(o));
	o.domain = "web01";
	o.host = "127.0.0.1";
	o.port = port;
	o.timeout_ms = WAIT_MS;
	ck_assert_int_eq(reloc_migrate_source(&fake_ops, &src, &o, res), 0);
	ck_assert_int_eq(res->outcome, RELOC_OUT_FAILED);
	ck_assert_int_eq(fake_find(&src, "web01")->state, RELOC_DS_RUNNING);
}

/* Each way the target cannot be reached says its cause and its fix. */
START_TEST(test_connect_causes)
{
	struct reloc_migrate_result	res;
	char				port[16];
	pid_t				pid;
	int				lfd;

	close(listener(port, sizeof(port), false, &pid));
	connect_to(port, &res);
	ck_assert_ptr_nonnull(strstr(res.message, "connection refused (is "
	    "xrelocd running on 127.0.0.1 with xend-relocation-server yes"));
	reloc_migrate_result_dispose(&res);
	lfd = listener(port, sizeof(port), true, &pid);
	connect_to(port, &res);
	ck_assert_ptr_nonnull(strstr(res.message, "closed the connection "
	    "before HELLO: 127.0.0.1's allow-list "
	    "(xend-relocation-hosts-allow) may not admit this host"));
	reloc_migrate_result_dispose(&res);
	close(lfd);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
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

/* The finding with that code, or NULL. */
static const struct reloc_finding *
finding(const struct reloc_verdict *v, const char *code)
{
	size_t	i;

	for (i = 0; i < v->nr_findings; i++)
		if (strcmp(v->findings[i].code, code) == 0)
			return &v->findings[i];
	return NULL;
}

/*
 * A domain of that name arrives on the target while memory streams: the
 * recheck before READY refuses, the incoming copy goes, the source
 * resumes; the newcomer is left alone.
 */
START_TEST(test_recheck_name_arrives)
{
	struct run		 r = { .src_state = RELOC_DS_RUNNING,
				    .dst_arrives = "web01" };
	const struct reloc_finding *f;

	run(&r);
	ck_assert_int_eq(r.res.outcome, RELOC_OUT_FAILED);
	ck_assert_uint_eq(r.src.resumes, 1);
	ck_assert_int_eq(fake_find(&r.src, "web01")->state, RELOC_DS_RUNNING);
	ck_assert_ptr_null(fake_find(&r.src, "web01--migratedaway"));
	ck_assert(reloc_verdict_blocks(&r.res.verdict));
	f = finding(&r.res.verdict, "NAME_EXISTS");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(strstr(f->message, "named web01 "));
	ck_assert_ptr_nonnull(strstr(r.res.message, "recheck"));
	ck_assert_int_eq(DST_OUTCOME(r.dst_status), RELOC_OUT_FAILED);
	ck_assert(!(WEXITSTATUS(r.dst_status) & DST_HAS_INCOMING));
	ck_assert(WEXITSTATUS(r.dst_status) & DST_RUNS_WEB01);
	reloc_migrate_result_dispose(&r.res);
}
END_TEST

/* Free memory taken on the target while memory streams. */
START_TEST(test_recheck_memory_taken)
{
	struct run	r = { .src_state = RELOC_DS_RUNNING,
			    .dst_free_kb_restored = 1 };

	run(&r);
	ck_assert_uint_eq(r.src.resumes, 1);
	ck_assert_ptr_nonnull(finding(&r.res.verdict, "MEMORY_SHORT"));
	ck_assert_ptr_null(finding(&r.res.verdict, "NAME_EXISTS"));
	assert_rolled_back(&r, RELOC_DS_RUNNING);
}
END_TEST

/* The admin's --force holds for the recheck too. */
START_TEST(test_recheck_forced_memory)
{
	struct run	r = { .src_state = RELOC_DS_RUNNING,
			    .dst_free_kb_restored = 1, .force = "memory" };

	run(&r);
	ck_assert_int_eq(r.res.outcome, RELOC_OUT_MOVED);
	ck_assert(WEXITSTATUS(r.dst_status) & DST_RUNS_WEB01);
	reloc_migrate_result_dispose(&r.res);
}
END_TEST

/*
 * After GO the target cannot take the name or run it, and nothing ran
 * there: it destroys its copy and says so; the source resumes its own
 * under its name.
 */
static void
assert_declined(struct run *r, enum reloc_dom_state state)
{
	ck_assert_uint_eq(r->src.resumes, 1);
	ck_assert_ptr_nonnull(strstr(r->res.message,
	    "web01 was not taken over by 127.0.0.1 (the "));
	ck_assert_int_eq(r->res.last_state, RELOC_MS_FAILED);
	assert_rolled_back(r, state);
}

/* The rename or the unpause fails on the target after GO: declined. */
static const struct {
	unsigned	 fail;
	const char	*what;
} after_go[] = {
	{ FAKE_RENAME, "the rename failed" },
	{ FAKE_UNPAUSE, "the unpause failed" },
};

START_TEST(test_takeover_fails_after_go)
{
	struct run	r = { .src_state = RELOC_DS_RUNNING,
			    .dst_fail = after_go[_i].fail };

	run(&r);
	ck_assert_ptr_nonnull(strstr(r.res.message, after_go[_i].what));
	assert_declined(&r, RELOC_DS_RUNNING);
}
END_TEST

/* A domain the admin had paused is paused again when not taken over. */
START_TEST(test_declined_paused_stays_paused)
{
	struct run	r = { .src_state = RELOC_DS_PAUSED,
			    .dst_fail = FAKE_UNPAUSE };

	run(&r);
	assert_declined(&r, RELOC_DS_PAUSED);
}
END_TEST

/*
 * After GO the target can neither run its copy nor destroy it: it might
 * still run there, so the owner is unknown to the source.
 */
START_TEST(test_undestroyable_after_go)
{
	struct run	 r = { .src_state = RELOC_DS_RUNNING,
			    .dst_fail = FAKE_UNPAUSE | FAKE_DESTROY };
	struct fake_dom	*d;

	run(&r);
	ck_assert_int_eq(r.res.outcome, RELOC_OUT_UNKNOWN);
	ck_assert_int_eq(r.res.last_state, RELOC_MS_UNKNOWN);
	ck_assert_uint_eq(r.src.resumes, 0);
	d = fake_find(&r.src, "web01--migratedaway");
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(d->state, RELOC_DS_SUSPENDED);
	ck_assert_ptr_nonnull(strstr(r.res.message, "xm recover web01"));
	ck_assert_int_eq(DST_OUTCOME(r.dst_status), RELOC_OUT_UNKNOWN);
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
	tcase_add_test(ok, test_downtime_one_clock_each);
	tcase_add_test(ok, test_refused_by_name_check);
	tcase_add_test(ok, test_same_host);
	tcase_add_test(ok, test_check_only_moves_nothing);
	tcase_add_test(ok, test_bad_arguments);
	tcase_add_test(fail, test_save_fails);
	tcase_add_test(fail, test_restore_fails);
	tcase_add_test(fail, test_paused_stays_paused);
	tcase_add_test(fail, test_connect_causes);
	tcase_add_test(fail, test_rename_fails_before_go);
	tcase_add_test(fail, test_recheck_name_arrives);
	tcase_add_test(fail, test_recheck_memory_taken);
	tcase_add_test(fail, test_recheck_forced_memory);
	tcase_add_loop_test(fail, test_takeover_fails_after_go, 0,
	    (int)(sizeof(after_go) / sizeof(after_go[0])));
	tcase_add_test(fail, test_declined_paused_stays_paused);
	tcase_add_test(fail, test_undestroyable_after_go);
	tcase_add_test(fail, test_destroy_fails_after_done);
	suite_add_tcase(s, ok);
	suite_add_tcase(s, fail);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
