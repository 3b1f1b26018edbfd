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
 * Check suite for recovery, the second part: the target's answers from
 * its journal, and the source asking a target over loopback.
 */

#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_recover.h"
#include "common.h"
#include "reloc-int.h"

/* ---------------------------------------------------------------- answer */

/* A target record of migration id in tdir, with that outcome. */
static void
target_put(const char *id, const char *uuid, int outcome, bool go)
{
	struct reloc_record	t;

	reloc_record_init(&t, RELOC_ROLE_TARGET);
	snprintf(t.id, sizeof(t.id), "%s", id);
	snprintf(t.domain, sizeof(t.domain), "web01");
	snprintf(t.domain_uuid, sizeof(t.domain_uuid), "%s", uuid);
	snprintf(t.message, sizeof(t.message), "said by the target");
	t.go = go;
	t.outcome = outcome;
	t.state = outcome == RELOC_OUT_MOVED ? RELOC_MS_DONE : outcome ==
	    RELOC_OUT_FAILED ? RELOC_MS_FAILED : outcome == -1 ?
	    RELOC_MS_OWNER : RELOC_MS_UNKNOWN;
	ck_assert_int_eq(reloc_journal_put(tdir, &t), 0);
	reloc_record_dispose(&t);
}

START_TEST(test_answer)
{
	static const char uuid[] = "00000000-0000-0000-0000-000000000101";
	static const char other[] = "00000000-0000-0000-0000-000000000999";
	static const struct {
		int			outcome;
		enum reloc_answer	want;
	} cases[] = {
		{ RELOC_OUT_MOVED, RELOC_ANS_TAKEN },
		{ RELOC_OUT_FAILED, RELOC_ANS_NOT_TAKEN },
		{ -1, RELOC_ANS_PENDING },
		{ RELOC_OUT_UNKNOWN, RELOC_ANS_PENDING },
	};
	char			id[RELOC_RECORD_ID_LEN], msg[256];
	size_t			i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(reloc_record_new_id(id), 0);
		target_put(id, uuid, cases[i].outcome, true);
		ck_assert_int_eq(reloc_recover_answer(tdir, id, uuid, msg,
		    sizeof(msg)), cases[i].want);
		ck_assert_str_ne(msg, "");
		/* The same migration asked of by another domain. */
		ck_assert_int_eq(reloc_recover_answer(tdir, id, other, msg,
		    sizeof(msg)), RELOC_ANS_UNKNOWN);
		ck_assert_ptr_nonnull(strstr(msg, "another domain"));
	}
	ck_assert_int_eq(reloc_record_new_id(id), 0);
	ck_assert_int_eq(reloc_recover_answer(tdir, id, uuid, msg,
	    sizeof(msg)), RELOC_ANS_UNKNOWN);
	ck_assert_ptr_nonnull(strstr(msg, "no record"));
	ck_assert_int_eq(reloc_recover_answer(tdir, "../../etc/passwd", uuid,
	    msg, sizeof(msg)), RELOC_ANS_UNKNOWN);
	ck_assert_int_eq(reloc_recover_answer(tdir, NULL, uuid, msg,
	    sizeof(msg)), RELOC_ANS_UNKNOWN);
	ck_assert_int_eq(reloc_recover_answer(NULL, id, uuid, msg,
	    sizeof(msg)), RELOC_ANS_UNKNOWN);
}
END_TEST

/* ---------------------------------------------------------------- ask */

/* A socket on 127.0.0.1, bound, its port in port; listening or not. */
static int
loopback(bool listening, char *port, size_t len)
{
	struct sockaddr_in	sin;
	socklen_t		slen = sizeof(sin);
	int			fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ne(fd = socket(AF_INET, SOCK_STREAM, 0), -1);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	if (listening)
		ck_assert_int_eq(listen(fd, 4), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &slen), 0);
	snprintf(port, len, "%u", ntohs(sin.sin_port));
	return fd;
}

/* The target: answer one QUERY from tdir; exit 0 if it did. */
static pid_t
target_start(char *port, size_t len)
{
	struct reloc_chan	*chan = NULL;
	struct reloc_sxp	*q = NULL;
	enum reloc_msg_type	 type;
	int			 lfd, fd;
	pid_t			 pid;

	lfd = loopback(true, port, len);
	ck_assert_int_ne(pid = fork(), -1);
	if (pid != 0) {
		close(lfd);
		return pid;
	}
	if ((fd = accept(lfd, NULL, NULL)) == -1 ||
	    reloc_chan_new(fd, "source", WAIT_MS, &chan) < 0 ||
	    reloc_chan_recv(chan, &type, &q) < 0 || type != RELOC_MSG_QUERY ||
	    reloc__recover_answer_query(chan, tdir, q) < 0)
		_exit(1);
	reloc_sxp_free(q);
	reloc_chan_free(chan);
	_exit(0);
}

static void
target_wait(pid_t pid)
{
	int	st;

	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 0);
}

/* The source after GO: web01--migratedaway suspended, record go. */
static struct fake_dom *
source_after_go(struct reloc_record *r, const char *port)
{
	struct fake_dom	*d;

	d = fake_add(&f, "web01--migratedaway", RELOC_DS_SUSPENDED);
	rec_make(r, RELOC_ROLE_SOURCE, d, RELOC_MS_COMMITTING, true);
	snprintf(r->port, sizeof(r->port), "%s", port);
	return d;
}

START_TEST(test_query)
{
	struct reloc_record	r;
	enum reloc_answer	a = RELOC_ANS_UNKNOWN;
	char			port[16], msg[256];
	pid_t			pid;

	pid = target_start(port, sizeof(port));
	source_after_go(&r, port);
	target_put(r.id, r.domain_uuid, RELOC_OUT_MOVED, true);
	ck_assert_int_eq(reloc_recover_query(&r, WAIT_MS, &a, msg,
	    sizeof(msg)), 0);
	target_wait(pid);
	ck_assert_int_eq(a, RELOC_ANS_TAKEN);
	ck_assert_str_eq(msg, "web01 runs here");
	reloc_record_dispose(&r);
}
END_TEST

/* _i: 0 taken (the copy here is destroyed), 1 not taken (it resumes). */
START_TEST(test_ask)
{
	struct reloc_record	r;
	char			port[16];
	pid_t			pid;

	pid = target_start(port, sizeof(port));
	source_after_go(&r, port);
	target_put(r.id, r.domain_uuid, _i == 0 ? RELOC_OUT_MOVED :
	    RELOC_OUT_FAILED, _i == 0);
	ck_assert_int_eq(run_recover(&r), 0);
	target_wait(pid);
	ck_assert_ptr_null(fake_find(&f, "web01--migratedaway"));
	if (_i == 0) {
		ck_assert_ptr_null(fake_find(&f, "web01"));
		assert_final(&r, RELOC_OUT_MOVED, RELOC_MS_DONE);
	} else {
		ck_assert_int_eq(fake_find(&f, "web01")->state,
		    RELOC_DS_RUNNING);
		assert_final(&r, RELOC_OUT_FAILED, RELOC_MS_FAILED);
	}
	reloc_record_dispose(&r);
}
END_TEST

START_TEST(test_ask_unreachable)
{
	struct reloc_recover_opts	o;
	struct reloc_record		r, j;
	struct fake_dom			*d;
	char				port[16];
	int				fd;

	fd = loopback(false, port, sizeof(port));
	d = source_after_go(&r, port);
	opts_make(&o);
	o.max_queries = 2;
	ck_assert_int_eq(reloc_recover(&o, &r), RELOC_ERR_UNKNOWN_STATE);
	close(fd);
	ck_assert_int_eq(r.state, RELOC_MS_RESOLVING);
	ck_assert_int_eq(r.outcome, -1);
	ck_assert_uint_eq(r.queries, 2);
	ck_assert_int_eq(d->state, RELOC_DS_SUSPENDED);
	ck_assert_str_eq(d->name, "web01--migratedaway");
	ck_assert_uint_eq(f.resumes, 0);
	ck_assert_ptr_nonnull(strstr(r.message, "asking 127.0.0.1"));
	ck_assert_int_eq(reloc_journal_get(jdir, r.id, r.role, &j), 0);
	ck_assert_int_eq(j.state, RELOC_MS_RESOLVING);
	ck_assert_uint_eq(j.queries, 2);
	reloc_record_dispose(&j);
	reloc_record_dispose(&r);
}
END_TEST

static int
admin_recover(struct reloc_record *r, bool force)
{
	struct reloc_recover_opts	o;

	opts_make(&o);
	o.admin = true;
	o.force = force;
	o.max_queries = 1;
	return reloc_recover(&o, r);
}

START_TEST(test_admin_unreachable)
{
	struct reloc_record	r;
	char			port[16];
	int			fd;

	fd = loopback(false, port, sizeof(port));
	source_after_go(&r, port);
	ck_assert_int_eq(admin_recover(&r, false), 0);
	close(fd);
	ck_assert_int_eq(fake_find(&f, "web01")->state, RELOC_DS_RUNNING);
	assert_final(&r, RELOC_OUT_FAILED, RELOC_MS_FAILED);
	ck_assert_ptr_nonnull(strstr(r.message, "could not be asked"));
	reloc_record_dispose(&r);
}
END_TEST

/* _i: 0 without force (denied), 1 with force (rolled back). */
START_TEST(test_admin_taken)
{
	struct reloc_record	r;
	struct fake_dom		*d;
	char			port[16];
	pid_t			pid;

	pid = target_start(port, sizeof(port));
	d = source_after_go(&r, port);
	target_put(r.id, r.domain_uuid, RELOC_OUT_MOVED, true);
	if (_i == 0) {
		ck_assert_int_eq(admin_recover(&r, false), RELOC_ERR_DENIED);
		target_wait(pid);
		ck_assert_str_eq(d->name, "web01--migratedaway");
		ck_assert_int_eq(d->state, RELOC_DS_SUSPENDED);
		ck_assert_uint_eq(f.resumes, 0);
		ck_assert_int_eq(r.outcome, -1);
		ck_assert_int_eq(r.state, RELOC_MS_COMMITTING);
		ck_assert_ptr_nonnull(strstr(r.message, "--force"));
	} else {
		ck_assert_int_eq(admin_recover(&r, true), 0);
		target_wait(pid);
		ck_assert_int_eq(fake_find(&f, "web01")->state,
		    RELOC_DS_RUNNING);
		assert_final(&r, RELOC_OUT_FAILED, RELOC_MS_FAILED);
	}
	reloc_record_dispose(&r);
}
END_TEST

TCase *
recover_ask_tcase(void)
{
	TCase	*tc = tcase_create("ask");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_answer);
	tcase_add_test(tc, test_query);
	tcase_add_loop_test(tc, test_ask, 0, 2);
	tcase_add_test(tc, test_ask_unreachable);
	tcase_add_test(tc, test_admin_unreachable);
	tcase_add_loop_test(tc, test_admin_taken, 0, 2);
	return tc;
}
