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
 * A fake xrelocd control server for check_xm: a forked child on a UNIX
 * socket answering canned XML-RPC.  Job 1 moves after one progress
 * report, job 2 fails its prechecks with findings, job 3 ends with the
 * owner unknown; domain "nosuch" is a fault.  Each status of a job is one
 * change (version 1, 2...): a status call shows the next one, a wait the
 * one after the version seen.  fake.calls counts the calls made.
 */

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "xm_fake.h"

/*
 * Every builder call must succeed.  Not ck_assert: the server child shares
 * Check's message channel with the test, and must never write to it.
 */
#define OK(e)	do { if ((e) != 0) abort(); } while (0)

static int	status_calls;
static int	wait_calls;
static bool	has_wait;	/* false: an xrelocd older than job.wait */

/* The state behind each word xm shows of a source job. */
static enum reloc_mstate
fake_mstate(const char *word)
{
	static const struct {
		const char		*word;
		enum reloc_mstate	 st;
	} map[] = {
		{ "queued", RELOC_MS_IDLE },
		{ "connecting", RELOC_MS_CONNECTING },
		{ "precheck", RELOC_MS_PRECHECK },
		{ "streaming", RELOC_MS_STREAMING },
		{ "committing", RELOC_MS_COMMITTING },
		{ "resolving", RELOC_MS_RESOLVING },
		{ "done", RELOC_MS_DONE },
		{ "failed", RELOC_MS_FAILED },
		{ "unknown", RELOC_MS_UNKNOWN },
	};
	size_t	i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i].word, word) == 0)
			return map[i].st;
	abort();
}

/* A job status as xrelocd sends it: a record's XML-RPC form. */
struct reloc_xv *
fake_status(const char *state, int exit_code, const char *msg)
{
	struct reloc_record	 r;
	struct reloc_xv		*st;

	reloc_record_init(&r, RELOC_ROLE_SOURCE);
	OK(reloc_record_new_id(r.id));
	r.job = 1;
	snprintf(r.domain, sizeof(r.domain), "web01");
	snprintf(r.peer, sizeof(r.peer), "hostB");
	snprintf(r.message, sizeof(r.message), "%s", msg);
	r.live = true;
	r.state = fake_mstate(state);
	r.outcome = exit_code;
	OK(reloc_record_to_xv(&r, &st));
	reloc_record_dispose(&r);
	return st;
}

void
fake_add_progress(struct reloc_xv *st)
{
	struct reloc_xv	*p;

	OK(reloc_xv_new_struct(&p));
	OK(reloc_xv_struct_set_string(p, "phase", "precopy"));
	OK(reloc_xv_struct_set_int(p, "round", 2));
	OK(reloc_xv_struct_set_i8(p, "sent-bytes", 768 << 20));
	OK(reloc_xv_struct_set_i8(p, "remaining-bytes", 1234 * 4096));
	OK(reloc_xv_struct_set_i8(p, "total-bytes", 1024 << 20));
	OK(reloc_xv_struct_set_i8(p, "rate-bytes-per-s", 118200000));
	OK(reloc_xv_struct_set_i8(p, "dirty-bytes-per-s", 2500 * 4096));
	OK(reloc_xv_struct_set(st, "progress", p));
}

void
fake_add_summary(struct reloc_xv *st)
{
	struct reloc_xv	*sm;

	OK(reloc_xv_new_struct(&sm));
	OK(reloc_xv_struct_set_i8(sm, "total-ms", 4200));
	OK(reloc_xv_struct_set_double(sm, "downtime-ms", 18.2));
	OK(reloc_xv_struct_set_i8(sm, "stream-bytes", 1149239296LL));
	OK(reloc_xv_struct_set_int(sm, "rounds", 4));
	OK(reloc_xv_struct_set_i8(sm, "memory-bytes", 1094500000LL));
	OK(reloc_xv_struct_set(st, "summary", sm));
}

void
fake_add_finding(struct reloc_xv *st, const char *sev, const char *check,
    const char *code, const char *msg, const char *fix)
{
	struct reloc_xv	*f;

	OK(reloc_xv_new_struct(&f));
	OK(reloc_xv_struct_set_string(f, "severity", sev));
	OK(reloc_xv_struct_set_string(f, "check", check));
	OK(reloc_xv_struct_set_string(f, "code", code));
	OK(reloc_xv_struct_set_string(f, "message", msg));
	OK(reloc_xv_struct_set_string(f, "fix", fix));
	OK(reloc_xv_array_append(reloc_xv_member(st, "findings"), f));
}

/* How many statuses (changes) job JOB goes through. */
static int
canned_changes(int64_t job)
{
	return job == 1 || job == 2 ? 2 : 1;
}

/* Status number STEP (0, 1...) of job JOB. */
static struct reloc_xv *
canned_status(int64_t job, int step)
{
	struct reloc_xv	*st;
	bool		 first = step == 0;

	if (job == 1) {		/* moves after one progress report */
		st = fake_status(first ? "streaming" : "done", first ? -1 : 0,
		    "");
		fake_add_progress(st);
		if (!first)
			fake_add_summary(st);
	} else if (job == 2) {	/* refused by the prechecks */
		st = fake_status(first ? "precheck" : "failed", first ? -1 : 1,
		    "hostB refused: 1 precheck error");
		fake_add_finding(st, "warning", "media", "MEDIA_INSERTED",
		    "a CD-ROM image is inserted", "eject it");
		if (!first)
			fake_add_finding(st, "error", "cpu",
			    "CPU_FEATURES_MISSING", "hostB lacks avx2",
			    "--force cpu");
	} else {		/* the handshake broke after GO */
		st = fake_status("unknown", 3, "GO sent, no DONE: web01 may "
		    "run on hostB; it is suspended here as "
		    "web01--migratedaway");
	}
	/* An older xrelocd has no versions. */
	if (has_wait)
		OK(reloc_xv_struct_set_int(st, "version", step + 1));
	return st;
}

/* xrelocd.job.status: each call sees the job's next change. */
static struct reloc_xv *
status_of(int64_t job)
{
	int	last = canned_changes(job) - 1;

	status_calls++;
	return canned_status(job, status_calls - 1 < last ?
	    status_calls - 1 : last);
}

/* xrelocd.job.wait: the change after version SEEN (-1: the first). */
static struct reloc_xv *
wait_for_change(int64_t job, int64_t seen)
{
	int	last = canned_changes(job) - 1;

	if (seen < 0)
		seen = 0;
	return canned_status(job, seen < last ? (int)seen : last);
}

static struct reloc_xv *
canned_calls(void)
{
	struct reloc_xv	*st;

	OK(reloc_xv_new_struct(&st));
	OK(reloc_xv_struct_set_int(st, "status", status_calls));
	OK(reloc_xv_struct_set_int(st, "wait", wait_calls));
	return st;
}

static struct reloc_xv *
canned_domains(void)
{
	struct reloc_xv	*arr, *d;
	int		 i;

	OK(reloc_xv_new_array(&arr));
	for (i = 0; i < 2; i++) {
		OK(reloc_xv_new_struct(&d));
		OK(reloc_xv_struct_set_string(d, "name",
		    i == 0 ? "web01" : "db01"));
		OK(reloc_xv_struct_set_int(d, "domid", i + 5));
		OK(reloc_xv_struct_set_i8(d, "memory_mb", 1024));
		OK(reloc_xv_struct_set_int(d, "vcpus", 2));
		OK(reloc_xv_struct_set_string(d, "state",
		    i == 0 ? "running" : "paused"));
		OK(reloc_xv_struct_set_string(d, "type", "pvh"));
		OK(reloc_xv_array_append(arr, d));
	}
	return arr;
}

/* The answer to one call: a value, or a fault document. */
static char *
answer(const char *method, const struct reloc_xv *params, size_t *len_r)
{
	const struct reloc_xv	*p0 = reloc_xv_nth(params, 0, NULL);
	struct reloc_xv		*v = NULL;
	const char		*dom;
	char			*doc = NULL, msg[256];
	int64_t			 job = 0, seen = -1;

	if (strcmp(method, "xrelocd.migrate") == 0) {
		dom = reloc_xv_member_string(p0, "domain");
		if (strcmp(dom, "nosuch") == 0) {
			reloc_xmlrpc_fault_encode(4, "no domain nosuch here",
			    &doc, len_r);
			return doc;
		}
		reloc_xv_new_struct(&v);
		reloc_xv_struct_set_int(v, "job", strcmp(dom, "web01") == 0 ?
		    1 : strcmp(dom, "db01") == 0 ? 2 : 3);
	} else if (strcmp(method, "xrelocd.job.status") == 0) {
		reloc_xv_get_int(p0, &job);
		v = status_of(job);
	} else if (strcmp(method, "xrelocd.job.wait") == 0 && has_wait) {
		wait_calls++;
		reloc_xv_get_int(p0, &job);
		reloc_xv_get_int(reloc_xv_nth(params, 1, NULL), &seen);
		v = wait_for_change(job, seen);
	} else if (strcmp(method, "xrelocd.domain.list") == 0)
		v = canned_domains();
	else if (strcmp(method, "fake.calls") == 0)
		v = canned_calls();
	else {
		/* As xrelocd answers a method it lacks. */
		wait_calls += strcmp(method, "xrelocd.job.wait") == 0;
		snprintf(msg, sizeof(msg), "no such method %s: this xrelocd "
		    "is older than the client", method);
		reloc_xmlrpc_fault_encode(1, msg, &doc, len_r);
		return doc;
	}
	reloc_xmlrpc_response_encode(v, &doc, len_r);
	reloc_xv_free(v);
	return doc;
}

static void
serve_one(int fd)
{
	struct reloc_xv	*params = NULL;
	char		 buf[65536], *method = NULL, *doc, *resp;
	const char	*body;
	size_t		 len = 0, blen, used, dlen, rlen;
	ssize_t		 n;
	int		 rc = RELOC_ERR_AGAIN;

	while (rc == RELOC_ERR_AGAIN &&
	    (n = read(fd, buf + len, sizeof(buf) - len)) > 0) {
		len += (size_t)n;
		rc = reloc_xmlrpc_http_request_parse("test", buf, len, &body,
		    &blen, &used);
	}
	if (rc != 0 || reloc_xmlrpc_call_decode("test", body, blen, &method,
	    &params) != 0)
		_exit(1);
	doc = answer(method, params, &dlen);
	reloc_xmlrpc_http_response(200, doc, dlen, &resp, &rlen);
	if (write(fd, resp, rlen) != (ssize_t)rlen)
		_exit(1);
	free(resp);
	free(doc);
	free(method);
	reloc_xv_free(params);
}


pid_t
fake_server_start(const char *path, bool with_wait)
{
	struct sockaddr_un	sun;
	pid_t			pid;
	int			lfd, fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	ck_assert_uint_lt(strlen(path), sizeof(sun.sun_path));
	strcpy(sun.sun_path, path);
	ck_assert_int_ge(lfd = socket(AF_UNIX, SOCK_STREAM, 0), 0);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(listen(lfd, 8), 0);
	has_wait = with_wait;
	/* No ck_* after fork() in the child: see OK() above. */
	pid = fork();
	if (pid == 0) {
		/* Never outlive the test, whatever happens to it. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		alarm(600);	/* past CK_DEFAULT_TIMEOUT */
		for (;;) {
			if ((fd = accept(lfd, NULL, NULL)) == -1)
				_exit(1);
			serve_one(fd);
			close(fd);
		}
	}
	close(lfd);
	ck_assert_int_gt(pid, 0);
	return pid;
}

void
fake_server_stop(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}
