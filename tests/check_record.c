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
 * Check suite for record.c, record_sxp.c and journal.c: the record's two
 * forms from one table, strict reading with the key named, the journal's
 * files, order, leftovers and full disks, and process start times.
 */

#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "common.h"
#include "reloc.h"

#define ID	"0f5c1d2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f"
#define ID2	"1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
#define DUUID	"6e2b1c0a-3f4d-4e5a-9b8c-7d6e5f4a3b2c"
#define PUUID	"9d8c7b6a-5f4e-4d3c-ab2a-1f0e9d8c7b6a"

/* A record with every field set, force, findings and a summary. */
static void
make_record(struct reloc_record *r)
{
	static const char *const force[] = { "cpu", "l2 subnet" };

	reloc_record_init(r, RELOC_ROLE_SOURCE);
	memcpy(r->id, ID, sizeof(ID));
	r->job = 42;
	snprintf(r->domain, sizeof(r->domain), "web (01) \"quoted\"");
	memcpy(r->domain_uuid, DUUID, sizeof(DUUID));
	r->domid = 17;
	snprintf(r->peer, sizeof(r->peer), "hostB.example.org");
	snprintf(r->port, sizeof(r->port), "8002");
	memcpy(r->peer_uuid, PUUID, sizeof(PUUID));
	r->live = true;
	r->check = false;
	r->high = true;
	r->rate_mbps = 250;
	ck_assert_int_eq(reloc_record_set_force(r, force, 2), 0);
	r->state = RELOC_MS_COMMITTING;
	r->go = true;
	r->outcome = RELOC_OUT_UNKNOWN;
	r->was_paused = true;
	snprintf(r->message, sizeof(r->message), "target went away after GO; "
	    "run xm recover web01");
	r->pid = 4242;
	r->pid_start = 9876543210ull;
	r->started_s = 1764000000;
	r->queries = 3;
	r->progress.phase = RELOC_PP_SUSPENDED;
	r->progress.round = 5;
	r->progress.sent_bytes = 5000000000ull;
	r->progress.remaining_bytes = 4096;
	r->progress.total_bytes = 4294967296ull;
	r->progress.rate_bytes_per_s = 125000000;
	r->progress.dirty_bytes_per_s = 8192000;
	r->has_summary = true;
	r->summary.total_ms = 12345;
	r->summary.downtime_ms = 37.25;
	r->summary.bytes = 5000004096ull;
	r->summary.rounds = 5;
	r->summary.memory_bytes = 4294967296ull;
	ck_assert_int_eq(reloc_verdict_add(&r->verdict, RELOC_SEV_ERROR, "cpu",
	    "CPU_FEATURES_MISSING", "pick a host with them", "target lacks "
	    "%s", "avx2"), 0);
	r->verdict.findings[0].forced = true;
	ck_assert_int_eq(reloc_verdict_add(&r->verdict, RELOC_SEV_WARNING,
	    "media", "MEDIA_INSERTED", "eject it", "a CD is in hdc"), 0);
}

static void
assert_record_eq(const struct reloc_record *a, const struct reloc_record *b)
{
	const struct reloc_finding	*x, *y;
	size_t				 i;

	ck_assert_str_eq(a->id, b->id);
	ck_assert_int_eq(a->role, b->role);
	ck_assert_uint_eq(a->job, b->job);
	ck_assert_str_eq(a->domain, b->domain);
	ck_assert_str_eq(a->domain_uuid, b->domain_uuid);
	ck_assert_uint_eq(a->domid, b->domid);
	ck_assert_str_eq(a->peer, b->peer);
	ck_assert_str_eq(a->port, b->port);
	ck_assert_str_eq(a->peer_uuid, b->peer_uuid);
	ck_assert(a->live == b->live && a->check == b->check &&
	    a->high == b->high && a->go == b->go &&
	    a->was_paused == b->was_paused);
	ck_assert_uint_eq(a->rate_mbps, b->rate_mbps);
	ck_assert_uint_eq(a->nr_force, b->nr_force);
	for (i = 0; i < a->nr_force; i++)
		ck_assert_str_eq(a->force[i], b->force[i]);
	ck_assert_int_eq(a->state, b->state);
	ck_assert_int_eq(a->outcome, b->outcome);
	ck_assert_str_eq(a->message, b->message);
	ck_assert_int_eq(a->pid, b->pid);
	ck_assert_uint_eq(a->pid_start, b->pid_start);
	ck_assert_int_eq(a->started_s, b->started_s);
	ck_assert_uint_eq(a->queries, b->queries);
	ck_assert(memcmp(&a->progress, &b->progress, sizeof(a->progress)) == 0);
	ck_assert(a->has_summary == b->has_summary);
	ck_assert_uint_eq(a->summary.total_ms, b->summary.total_ms);
	ck_assert(a->summary.downtime_ms == b->summary.downtime_ms);
	ck_assert_uint_eq(a->summary.bytes, b->summary.bytes);
	ck_assert_uint_eq(a->summary.rounds, b->summary.rounds);
	ck_assert_uint_eq(a->summary.memory_bytes, b->summary.memory_bytes);
	ck_assert_uint_eq(a->verdict.nr_findings, b->verdict.nr_findings);
	for (i = 0; i < a->verdict.nr_findings; i++) {
		x = &a->verdict.findings[i];
		y = &b->verdict.findings[i];
		ck_assert_int_eq(x->severity, y->severity);
		ck_assert_str_eq(x->check, y->check);
		ck_assert_str_eq(x->code, y->code);
		ck_assert_str_eq(x->message, y->message);
		ck_assert_str_eq(x->fix, y->fix);
		ck_assert(x->forced == y->forced);
	}
}

/* to_sxp, write, read, from_sxp: what the worker channel carries. */
static void
wire(const struct reloc_record *r, struct reloc_record *back)
{
	struct reloc_sxp	*sxp = NULL, *root = NULL;
	char			*buf;
	size_t			 len;

	ck_assert_int_eq(reloc_record_to_sxp(r, &sxp), 0);
	ck_assert_int_eq(reloc_sxp_write(sxp, &buf, &len), 0);
	ck_assert_int_eq(reloc_sxp_read_mem("worker", buf, len, &root), 0);
	ck_assert_int_eq(reloc_record_from_sxp("worker",
	    reloc_sxp_nth(root, 0), back), 0);
	reloc_sxp_free(root);
	reloc_sxp_free(sxp);
	free(buf);
}

/* The name /proc shows for this process (comm, 15 bytes at most). */
static void
prctl_name(const char *name)
{
	if (prctl(PR_SET_NAME, name, 0, 0, 0) == -1)
		_exit(1);
}

/* ---------------------------------------------------------------- record */

START_TEST(test_init)
{
	struct reloc_record	r;

	reloc_record_init(&r, RELOC_ROLE_TARGET);
	ck_assert_int_eq(r.role, RELOC_ROLE_TARGET);
	ck_assert_int_eq(r.outcome, -1);
	ck_assert_uint_eq(r.domid, RELOC_DOMID_NONE);
	ck_assert(r.started_s > 0);
	ck_assert(!reloc_record_final(&r));
	ck_assert_str_eq(reloc_record_state_word(&r), "queued");
	ck_assert_str_eq(reloc_role_name(RELOC_ROLE_SOURCE), "source");
	ck_assert_str_eq(reloc_role_name(RELOC_ROLE_TARGET), "target");
	reloc_record_dispose(&r);
	reloc_record_dispose(&r);
}
END_TEST

START_TEST(test_new_id)
{
	char	a[RELOC_RECORD_ID_LEN], b[RELOC_RECORD_ID_LEN];

	ck_assert_int_eq(reloc_record_new_id(a), 0);
	ck_assert_int_eq(reloc_record_new_id(b), 0);
	ck_assert(reloc_domain_uuid_valid(a));
	ck_assert_str_ne(a, b);
	/* Version 4, variant 10xx. */
	ck_assert_int_eq(a[14], '4');
	ck_assert(strchr("89ab", a[19]) != NULL);
}
END_TEST

START_TEST(test_progress_bytes)
{
	struct reloc_record	r;
	struct reloc_progress	p = { RELOC_PP_PRECOPY, 2, 1000000, 10, 262144,
				    50000000, 300, 0 };

	reloc_record_init(&r, RELOC_ROLE_SOURCE);
	reloc_record_set_progress(&r, &p);
	ck_assert_int_eq(r.progress.phase, RELOC_PP_PRECOPY);
	ck_assert_uint_eq(r.progress.round, 2);
	ck_assert_uint_eq(r.progress.sent_bytes, 1000000);
	ck_assert_uint_eq(r.progress.remaining_bytes, 10 * 4096);
	ck_assert_uint_eq(r.progress.total_bytes, 262144ull * 4096);
	ck_assert_uint_eq(r.progress.rate_bytes_per_s, 50000000);
	ck_assert_uint_eq(r.progress.dirty_bytes_per_s, 300 * 4096);
}
END_TEST

START_TEST(test_state_words)
{
	static const struct {
		enum reloc_role	 role;
		enum reloc_mstate st;
		int		 outcome;
		const char	*word;
	} cases[] = {
		{ RELOC_ROLE_SOURCE, RELOC_MS_IDLE, -1, "queued" },
		{ RELOC_ROLE_SOURCE, RELOC_MS_CONNECTING, -1, "connecting" },
		{ RELOC_ROLE_SOURCE, RELOC_MS_PRECHECK, -1, "precheck" },
		{ RELOC_ROLE_SOURCE, RELOC_MS_STREAMING, -1, "streaming" },
		{ RELOC_ROLE_SOURCE, RELOC_MS_COMMITTING, -1, "committing" },
		{ RELOC_ROLE_SOURCE, RELOC_MS_RESOLVING, -1, "resolving" },
		{ RELOC_ROLE_TARGET, RELOC_MS_STREAMING, -1, "receiving" },
		{ RELOC_ROLE_TARGET, RELOC_MS_OWNER, -1, "taking-over" },
		{ RELOC_ROLE_SOURCE, RELOC_MS_COMMITTING, 0, "done" },
		{ RELOC_ROLE_SOURCE, RELOC_MS_STREAMING, 1, "failed" },
		{ RELOC_ROLE_SOURCE, RELOC_MS_COMMITTING, 3, "unknown" },
	};
	struct reloc_record	r;
	size_t			i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		reloc_record_init(&r, cases[i].role);
		r.state = cases[i].st;
		r.outcome = cases[i].outcome;
		ck_assert_str_eq(reloc_record_state_word(&r), cases[i].word);
		ck_assert(reloc_record_final(&r) == (cases[i].outcome >= 0));
	}
}
END_TEST

START_TEST(test_copy)
{
	struct reloc_record	a, b;

	make_record(&a);
	reloc_record_init(&b, RELOC_ROLE_TARGET);
	ck_assert_int_eq(reloc_record_copy(&b, &a), 0);
	ck_assert_ptr_ne(a.force, b.force);
	ck_assert_ptr_ne(a.verdict.findings, b.verdict.findings);
	reloc_record_dispose(&a);
	make_record(&a);
	assert_record_eq(&a, &b);
	reloc_record_dispose(&a);
	reloc_record_dispose(&b);
}
END_TEST

START_TEST(test_sxp_round_trip)
{
	struct reloc_record	a, b;

	make_record(&a);
	wire(&a, &b);
	assert_record_eq(&a, &b);
	reloc_record_dispose(&b);
	/* The other role, no domid, no summary, nothing forced. */
	reloc_record_dispose(&a);
	reloc_record_init(&a, RELOC_ROLE_TARGET);
	memcpy(a.id, ID2, sizeof(ID2));
	wire(&a, &b);
	assert_record_eq(&a, &b);
	ck_assert_uint_eq(b.domid, RELOC_DOMID_NONE);
	reloc_record_dispose(&a);
	reloc_record_dispose(&b);
}
END_TEST

/* The fuzz corpus's full record is make_record's, as a file would hold. */
START_TEST(test_sxp_corpus_full)
{
	struct reloc_sxp	*root = NULL;
	struct reloc_record	 a, b;

	ck_assert_int_eq(reloc_sxp_read_file(TOP_SRCDIR
	    "/tests/fuzz/corpus/record/full", &root), 0);
	ck_assert_uint_eq(reloc_sxp_len(root), 1);
	ck_assert_int_eq(reloc_record_from_sxp("full", reloc_sxp_nth(root, 0),
	    &b), 0);
	make_record(&a);
	assert_record_eq(&a, &b);
	reloc_record_dispose(&a);
	reloc_record_dispose(&b);
	reloc_sxp_free(root);
}
END_TEST

/* Every key of the sxp form, nested ones too, is in the xv form. */
static void
assert_keys_in_xv(const struct reloc_sxp *list, const struct reloc_xv *st,
    size_t *n_r)
{
	const struct reloc_sxp	*c;
	const struct reloc_xv	*m;
	const char		*key;
	size_t			 i, len;

	for (i = 1; i < reloc_sxp_len(list); i++) {
		c = reloc_sxp_nth(list, i);
		ck_assert_int_eq(reloc_sxp_type(c), RELOC_SXP_LIST);
		key = reloc_sxp_atom(reloc_sxp_nth(c, 0), &len);
		ck_assert_ptr_nonnull(key);
		if ((m = reloc_xv_member(st, key)) == NULL)
			ck_abort_msg("key %s is not in the XML-RPC form", key);
		(*n_r)++;
		if (strcmp(key, "progress") == 0 ||
		    strcmp(key, "summary") == 0) {
			ck_assert_int_eq(reloc_xv_type(m), RELOC_XV_STRUCT);
			assert_keys_in_xv(c, m, n_r);
		}
	}
}

/* Every member of the xv form but "status" is a key of the sxp form. */
static void
assert_keys_in_sxp(const struct reloc_xv *st, const struct reloc_sxp *list)
{
	const struct reloc_xv	*m;
	const char		*name;
	size_t			 i;

	for (i = 0; i < reloc_xv_len(st); i++) {
		m = reloc_xv_nth(st, i, &name);
		if (strcmp(name, "status") == 0)
			continue;
		if (reloc_sxp_assoc(list, name) == NULL)
			ck_abort_msg("member %s is not in the sxp form", name);
		if (reloc_xv_type(m) == RELOC_XV_STRUCT)
			assert_keys_in_sxp(m, reloc_sxp_assoc(list, name));
	}
}

START_TEST(test_xv_same_keys)
{
	struct reloc_record	 r;
	struct reloc_sxp	*sxp = NULL;
	struct reloc_xv		*xv = NULL, *m;
	const char		*name;
	size_t			 n = 0, i;
	double			 d;
	int64_t			 v;

	make_record(&r);
	ck_assert_int_eq(reloc_record_to_sxp(&r, &sxp), 0);
	ck_assert_int_eq(reloc_record_to_xv(&r, &xv), 0);
	assert_keys_in_xv(sxp, xv, &n);
	assert_keys_in_sxp(xv, sxp);
	ck_assert_uint_eq(n, 26 + 7 + 5);
	/* The xv form has "status" besides, and nothing else. */
	ck_assert_uint_eq(reloc_xv_len(xv), reloc_sxp_len(sxp) - 1 + 1);
	ck_assert_str_eq(reloc_xv_member_string(xv, "status"), "unknown");
	ck_assert_str_eq(reloc_xv_member_string(xv, "role"), "source");
	ck_assert_str_eq(reloc_xv_member_string(xv, "priority"), "high");
	ck_assert_int_eq(reloc_xv_type(reloc_xv_member(xv, "live")),
	    RELOC_XV_BOOL);
	ck_assert_int_eq(reloc_xv_type(reloc_xv_member(xv, "job")),
	    RELOC_XV_INT);
	ck_assert_int_eq(reloc_xv_type(reloc_xv_member(xv, "pid-start")),
	    RELOC_XV_I8);
	m = reloc_xv_member(xv, "summary");
	ck_assert_int_eq(reloc_xv_member_double(m, "downtime-ms", &d), 0);
	ck_assert(d == 37.25);
	m = reloc_xv_member(xv, "progress");
	ck_assert_int_eq(reloc_xv_type(reloc_xv_member(m, "sent-bytes")),
	    RELOC_XV_I8);
	ck_assert_int_eq(reloc_xv_member_int(m, "sent-bytes", &v), 0);
	ck_assert_int_eq(v, 5000000000ll);
	m = reloc_xv_member(xv, "force");
	ck_assert_uint_eq(reloc_xv_len(m), 2);
	ck_assert_str_eq(reloc_xv_get_string(reloc_xv_nth(m, 1, NULL)),
	    "l2 subnet");
	m = reloc_xv_member(xv, "findings");
	ck_assert_uint_eq(reloc_xv_len(m), 2);
	ck_assert_int_eq(reloc_xv_member_bool(reloc_xv_nth(m, 0, NULL),
	    "forced", &(bool){ false }), 0);
	for (i = 0; i < reloc_xv_len(xv); i++) {
		reloc_xv_nth(xv, i, &name);
		ck_assert(strchr(name, '_') == NULL);
	}
	reloc_xv_free(xv);
	reloc_sxp_free(sxp);
	reloc_record_dispose(&r);
}
END_TEST

/* Parse text as a record that must be refused with msg logged. */
static void
record_bad(const char *text, const char *msg)
{
	struct reloc_sxp	*root = NULL;
	struct reloc_record	 r;

	ck_assert_int_eq(reloc_sxp_read_mem("worker", text, strlen(text),
	    &root), 0);
	capture_start();
	ck_assert_int_eq(reloc_record_from_sxp("worker", reloc_sxp_nth(root, 0),
	    &r), RELOC_ERR_PROTO);
	if (!capture_has(msg))
		ck_abort_msg("want \"%s\" for %s in:\n%s", msg, text,
		    capture_text());
	capture_stop();
	/* Disposed on failure: nothing is left held. */
	ck_assert_ptr_null(r.force);
	ck_assert_uint_eq(r.nr_force, 0);
	ck_assert_ptr_null(r.verdict.findings);
	reloc_sxp_free(root);
}

#define HEAD	"(migration (id " ID ") (role source) (force cpu) "

START_TEST(test_sxp_errors)
{
	static const struct {
		const char	*text;
		const char	*msg;
	} cases[] = {
		{ "(migration (role source))", "worker:1:1: id: missing" },
		{ "(migration (id " ID "))", "worker:1:1: role: missing" },
		{ "(domain (id " ID ") (role source))",
		    "migration: expected (migration ...)" },
		{ "(migration (id web01) (role source))",
		    "worker:1:16: id: 'web01' is not a uuid" },
		{ "(migration (id " ID ") (role middle))",
		    "role: unknown value 'middle'" },
		{ HEAD "(job -1))", "job: '-1' is not a decimal number" },
		{ HEAD "(job 1.5))", "job: '1.5' is not a decimal number" },
		{ HEAD "(job \"\"))", "job: '' is not a decimal number" },
		{ HEAD "(job 4294967296))",
		    "job: 4294967296 out of range 0..4294967295" },
		{ HEAD "(job 1 2))", "job: expected (job VALUE)" },
		{ HEAD "(job))", "job: expected (job VALUE)" },
		{ HEAD "(job 1) (job 2))", "job: given twice" },
		{ HEAD "(domid 4294967295))",
		    "domid: 4294967295 out of range 0..4294967294" },
		{ HEAD "(pid-start 99999999999999999999))",
		    "pid-start: '99999999999999999999' is too large" },
		{ HEAD "(pid 9223372036854775808))",
		    "pid: 9223372036854775808 out of range" },
		{ HEAD "(started-s -5))", "started-s: '-5' is not a decimal" },
		{ HEAD "(live maybe))", "live: unknown value 'maybe'" },
		{ HEAD "(check 1))", "check: unknown value '1'" },
		{ HEAD "(priority low))", "priority: unknown value 'low'" },
		{ HEAD "(state flying))", "state: unknown value 'flying'" },
		{ HEAD "(outcome 2))", "outcome: unknown value '2'" },
		{ HEAD "(domain-uuid 1234))",
		    "domain-uuid: '1234' is not a uuid" },
		{ HEAD "(peer-uuid (a b)))",
		    "peer-uuid: expected an atom, not a list" },
		{ HEAD "(domain \"a\\000b\"))", "domain: contains a NUL byte" },
		{ HEAD "(port 1234567890123456))",
		    "port: longer than 15 bytes" },
		{ "(migration (id " ID ") (role source) (force cpu \"\"))",
		    "force: an empty check name" },
		{ HEAD "(force net))", "force: given twice" },
		{ HEAD "(progress (phase flying)))",
		    "phase: unknown value 'flying'" },
		{ HEAD "(progress (round x)))", "round: 'x' is not a decimal" },
		{ HEAD "(summary (downtime-ms nan)))",
		    "downtime-ms: 'nan' is not a decimal number" },
		{ HEAD "(summary (downtime-ms 0x10)))",
		    "downtime-ms: '0x10' is not a decimal number" },
		{ HEAD "(summary (downtime-ms 1e999)))",
		    "downtime-ms: '1e999' is not a finite number" },
		{ HEAD "(summary (downtime-ms 1.5.5)))",
		    "downtime-ms: '1.5.5' is not a finite number" },
		{ HEAD "(findings (finding (severity error))))",
		    "findings: a finding is malformed" },
	};
	char		 big[1200], *p;
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		record_bad(cases[i].text, cases[i].msg);
	/* A message that does not fit is refused, not cut. */
	p = big + snprintf(big, sizeof(big), HEAD "(message ");
	memset(p, 'm', 1024);
	memcpy(p + 1024, "))", 3);
	record_bad(big, "message: longer than 1023 bytes");
}
END_TEST

START_TEST(test_sxp_unknown_keys)
{
	static const char	 text[] = "(migration (colour blue) (id " ID
				    ") (role target) (progress (phase done) "
				    "(wobble (1 2))) (summary (rounds 2)) x)";
	struct reloc_sxp	*root = NULL;
	struct reloc_record	 r;

	ck_assert_int_eq(reloc_sxp_read_mem("worker", text, strlen(text),
	    &root), 0);
	ck_assert_int_eq(reloc_record_from_sxp("worker", reloc_sxp_nth(root, 0),
	    &r), 0);
	ck_assert_str_eq(r.id, ID);
	ck_assert_int_eq(r.role, RELOC_ROLE_TARGET);
	ck_assert_int_eq(r.progress.phase, RELOC_PP_DONE);
	ck_assert(r.has_summary);
	ck_assert_uint_eq(r.summary.rounds, 2);
	/* Absent keys keep their defaults. */
	ck_assert_int_eq(r.outcome, -1);
	ck_assert_uint_eq(r.domid, RELOC_DOMID_NONE);
	reloc_record_dispose(&r);
	reloc_sxp_free(root);
}
END_TEST

/* ---------------------------------------------------------------- journal */

static char	*jdir;

static void
journal_setup(void)
{
	log_silence();
	jdir = test_tmpdir("journal");
}

static void
journal_teardown(void)
{
	rm_rf(jdir);
	free(jdir);
	jdir = NULL;
}

static mode_t
mode_of(const char *path)
{
	struct stat	st;

	ck_assert_int_eq(stat(path, &st), 0);
	return st.st_mode & 07777;
}

/* A minimal record id of the given role, started at s, job j. */
static void
small_record(struct reloc_record *r, const char *id, enum reloc_role role,
    int64_t s, unsigned j)
{
	reloc_record_init(r, role);
	memcpy(r->id, id, RELOC_RECORD_ID_LEN);
	r->started_s = s;
	r->job = j;
}

START_TEST(test_journal_round_trip)
{
	struct reloc_record	a, b;
	char			path[4096], why[256], *sub;

	ck_assert_int_ge(asprintf(&sub, "%s/x/y", jdir), 0);
	ck_assert_int_eq(reloc_journal_check(sub, why, sizeof(why)), 0);
	ck_assert_uint_eq(mode_of(sub), 0700);
	make_record(&a);
	ck_assert_int_eq(reloc_journal_put(sub, &a), 0);
	snprintf(path, sizeof(path), "%s/%s.source", sub, ID);
	ck_assert_uint_eq(mode_of(path), 0600);
	ck_assert_int_eq(reloc_journal_get(sub, ID, RELOC_ROLE_SOURCE, &b), 0);
	assert_record_eq(&a, &b);
	reloc_record_dispose(&b);
	ck_assert_int_eq(reloc_journal_get(sub, ID, RELOC_ROLE_TARGET, &b),
	    RELOC_ERR_NOENT);
	/* A second put replaces the first. */
	a.queries = 9;
	ck_assert_int_eq(reloc_journal_put(sub, &a), 0);
	ck_assert_int_eq(reloc_journal_get(sub, ID, RELOC_ROLE_SOURCE, &b), 0);
	ck_assert_uint_eq(b.queries, 9);
	reloc_record_dispose(&a);
	reloc_record_dispose(&b);
	free(sub);
}
END_TEST

START_TEST(test_journal_check_fails)
{
	struct reloc_record	 r;
	char			 why[512], *file, *sub;

	file = write_file(jdir, "plain", "not a directory\n");
	ck_assert_int_ge(asprintf(&sub, "%s/journal", file), 0);
	ck_assert_int_eq(reloc_journal_check(sub, why, sizeof(why)),
	    RELOC_ERR_IO);
	ck_assert(strstr(why, sub) != NULL);
	ck_assert(strstr(why, "Not a directory") != NULL);
	small_record(&r, ID, RELOC_ROLE_SOURCE, 1, 1);
	capture_start();
	ck_assert_int_eq(reloc_journal_put(sub, &r), RELOC_ERR_IO);
	ck_assert(capture_has(sub));
	capture_stop();
	/* An id that is not a uuid names no file. */
	memcpy(r.id, "../../etc/passwd", 17);
	ck_assert_int_eq(reloc_journal_put(jdir, &r), RELOC_ERR_INVAL);
	ck_assert_int_eq(reloc_journal_get(jdir, "../x", RELOC_ROLE_SOURCE,
	    &r), RELOC_ERR_INVAL);
	free(sub);
	free(file);
}
END_TEST

START_TEST(test_journal_list_order)
{
	static const char *const ids[] = {
		"00000000-0000-4000-8000-000000000003",
		"00000000-0000-4000-8000-000000000001",
		"00000000-0000-4000-8000-000000000002",
	};
	struct reloc_record	 r, *recs = NULL;
	size_t			 n = 9, i;

	ck_assert_int_eq(reloc_journal_list(jdir, &recs, &n), 0);
	ck_assert_uint_eq(n, 0);
	free(recs);
	/* Both roles of one id, on one host. */
	small_record(&r, ids[0], RELOC_ROLE_SOURCE, 300, 1);
	ck_assert_int_eq(reloc_journal_put(jdir, &r), 0);
	small_record(&r, ids[0], RELOC_ROLE_TARGET, 200, 7);
	ck_assert_int_eq(reloc_journal_put(jdir, &r), 0);
	small_record(&r, ids[1], RELOC_ROLE_SOURCE, 200, 2);
	ck_assert_int_eq(reloc_journal_put(jdir, &r), 0);
	small_record(&r, ids[2], RELOC_ROLE_SOURCE, 100, 9);
	ck_assert_int_eq(reloc_journal_put(jdir, &r), 0);
	ck_assert_int_eq(reloc_journal_list(jdir, &recs, &n), 0);
	ck_assert_uint_eq(n, 4);
	/* Oldest first, then by job. */
	ck_assert_str_eq(recs[0].id, ids[2]);
	ck_assert_str_eq(recs[1].id, ids[1]);
	ck_assert_str_eq(recs[2].id, ids[0]);
	ck_assert_int_eq(recs[2].role, RELOC_ROLE_TARGET);
	ck_assert_str_eq(recs[3].id, ids[0]);
	ck_assert_int_eq(recs[3].role, RELOC_ROLE_SOURCE);
	for (i = 0; i < n; i++)
		reloc_record_dispose(&recs[i]);
	free(recs);
}
END_TEST

static size_t
list_count(void)
{
	struct reloc_record	*recs = NULL;
	size_t			 n = 0, i;

	ck_assert_int_eq(reloc_journal_list(jdir, &recs, &n), 0);
	for (i = 0; i < n; i++)
		reloc_record_dispose(&recs[i]);
	free(recs);
	return n;
}

static bool
exists(const char *dir, const char *name)
{
	char	path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

START_TEST(test_journal_leftovers)
{
	struct reloc_record	 r;
	char			*p;

	small_record(&r, ID, RELOC_ROLE_SOURCE, 10, 1);
	ck_assert_int_eq(reloc_journal_put(jdir, &r), 0);
	/* A crash between write and rename: half a newer record. */
	free(write_file(jdir, ID ".source.tmp", "(migration (id " ID));
	free(write_file(jdir, ID2 ".target.tmp", "(migr"));
	/* Names that are not ID.ROLE are not the journal's. */
	free(write_file(jdir, "README", "(not a record"));
	free(write_file(jdir, ID ".middle", "(migration)"));
	free(write_file(jdir, "web01.source", "(migration)"));
	capture_start();
	ck_assert_uint_eq(list_count(), 1);
	ck_assert(!exists(jdir, ID ".source.tmp"));
	ck_assert(!exists(jdir, ID2 ".target.tmp"));
	ck_assert(exists(jdir, "README"));
	ck_assert(exists(jdir, ID ".middle"));
	ck_assert(!capture_has("err:"));
	ck_assert_int_ge(asprintf(&p, "%s/%s.source.tmp: removed", jdir, ID),
	    0);
	ck_assert(capture_has(p));
	capture_stop();
	free(p);
}
END_TEST

START_TEST(test_journal_corrupt)
{
	struct reloc_record	 r;
	char			*bad1, *bad2, *bad3, *want;

	small_record(&r, ID, RELOC_ROLE_SOURCE, 10, 1);
	ck_assert_int_eq(reloc_journal_put(jdir, &r), 0);
	bad1 = write_file(jdir, ID2 ".source",
	    "(migration (id " ID2 ")\n (role source) (job x))\n");
	bad2 = write_file(jdir, ID2 ".target", "(migration (id \"" ID2 "\n");
	/* A record under another's name is not that record. */
	bad3 = write_file(jdir, ID ".target",
	    "(migration (id " ID2 ") (role target))\n");
	capture_start();
	ck_assert_uint_eq(list_count(), 1);
	ck_assert_int_ge(asprintf(&want, "%s:2:21: job: 'x' is not", bad1), 0);
	if (!capture_has(want))
		ck_abort_msg("want \"%s\" in:\n%s", want, capture_text());
	free(want);
	ck_assert_int_ge(asprintf(&want, "%s:1:", bad2), 0);
	ck_assert(capture_has(want));
	free(want);
	ck_assert_int_ge(asprintf(&want, "%s:1:1: holds the record", bad3), 0);
	ck_assert(capture_has(want));
	free(want);
	ck_assert_int_ge(asprintf(&want, "%s: skipped", bad1), 0);
	ck_assert(capture_has(want));
	capture_stop();
	/* Skipped, not removed: the admin decides. */
	ck_assert_int_eq(access(bad1, F_OK), 0);
	ck_assert_int_eq(reloc_journal_get(jdir, ID2, RELOC_ROLE_SOURCE, &r),
	    RELOC_ERR_PROTO);
	free(want);
	free(bad1);
	free(bad2);
	free(bad3);
}
END_TEST

START_TEST(test_journal_trim)
{
	static const struct {
		const char	*id;
		int64_t		 started_s;
		int		 outcome;
		bool		 stays;
	} recs[] = {
		{ "00000000-0000-4000-8000-000000000001", 1, -1, true },
		{ "00000000-0000-4000-8000-000000000002", 2, 0, false },
		{ "00000000-0000-4000-8000-000000000003", 3, 1, false },
		{ "00000000-0000-4000-8000-000000000004", 4, 3, true },
		{ "00000000-0000-4000-8000-000000000005", 5, 0, true },
		{ "00000000-0000-4000-8000-000000000006", 6, -1, true },
	};
	struct reloc_record	r;
	char			name[64];
	size_t			i, n = sizeof(recs) / sizeof(recs[0]);

	for (i = 0; i < n; i++) {
		small_record(&r, recs[i].id, RELOC_ROLE_SOURCE,
		    recs[i].started_s, 1);
		r.outcome = recs[i].outcome;
		ck_assert_int_eq(reloc_journal_put(jdir, &r), 0);
	}
	ck_assert_int_eq(reloc_journal_trim(jdir, 2), 0);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s.source", recs[i].id);
		ck_assert_msg(exists(jdir, name) == recs[i].stays, "%s", name);
	}
	/* Keeping none leaves the unfinished ones only. */
	ck_assert_int_eq(reloc_journal_trim(jdir, 0), 0);
	ck_assert_uint_eq(list_count(), 2);
}
END_TEST

/* ---------------------------------------------------------------- full disk */

static char	*mnt;

static void
nospc_teardown(void)
{
	if (mnt != NULL) {
		umount2(mnt, MNT_DETACH);
		free(mnt);
		mnt = NULL;
	}
	journal_teardown();
}

/* Fill the file system at dir until it refuses a byte more. */
static void
fill(const char *dir)
{
	static const char	 block[512];
	char			 path[4096];
	ssize_t			 n;
	int			 fd;

	snprintf(path, sizeof(path), "%s/filler", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	while ((n = write(fd, block, sizeof(block))) > 0)
		;
	ck_assert_int_eq(errno, ENOSPC);
	close(fd);
}

START_TEST(test_journal_nospc)
{
	struct reloc_record	 r, back;
	char			 path[4096], why[512];

	if (geteuid() != 0) {
		fprintf(stderr, "test_journal_nospc: skipped, needs root to "
		    "mount a tmpfs\n");
		return;
	}
	ck_assert_int_ge(asprintf(&mnt, "%s/small", jdir), 0);
	ck_assert_int_eq(mkdir(mnt, 0700), 0);
	if (mount("tmpfs", mnt, "tmpfs", 0, "size=64k,mode=0700") == -1) {
		fprintf(stderr, "test_journal_nospc: skipped, mount tmpfs: "
		    "%s\n", strerror(errno));
		free(mnt);
		mnt = NULL;
		return;
	}
	make_record(&r);
	ck_assert_int_eq(reloc_journal_put(mnt, &r), 0);
	fill(mnt);
	r.queries = 77;
	memset(r.message, 'x', sizeof(r.message) - 1);
	capture_start();
	ck_assert_int_eq(reloc_journal_put(mnt, &r), RELOC_ERR_NOSPC);
	ck_assert(capture_has("No space left on device"));
	capture_stop();
	ck_assert_int_eq(reloc_journal_check(mnt, why, sizeof(why)),
	    RELOC_ERR_NOSPC);
	ck_assert(strstr(why, "No space left on device") != NULL);
	/* The old record stands, whole, and no .tmp is left. */
	ck_assert_int_eq(reloc_journal_get(mnt, ID, RELOC_ROLE_SOURCE, &back),
	    0);
	ck_assert_uint_eq(back.queries, 3);
	snprintf(path, sizeof(path), "%s/%s.source.tmp", mnt, ID);
	ck_assert_int_eq(access(path, F_OK), -1);
	reloc_record_dispose(&back);
	reloc_record_dispose(&r);
}
END_TEST

/* ---------------------------------------------------------------- pids */

START_TEST(test_pid_self)
{
	uint64_t	start = reloc_pid_start(getpid());

	ck_assert_uint_ne(start, 0);
	ck_assert_uint_eq(reloc_pid_start(getpid()), start);
	ck_assert(reloc_pid_alive(getpid(), start));
	ck_assert(!reloc_pid_alive(getpid(), start + 1));
	ck_assert(!reloc_pid_alive(getpid(), 0));
	ck_assert_uint_eq(reloc_pid_start(0), 0);
	ck_assert_uint_eq(reloc_pid_start(-1), 0);
}
END_TEST

struct zombie {
	pid_t		pid;
	uint64_t	start;
};

static bool
is_dead(void *arg)
{
	const struct zombie	*z = arg;

	return !reloc_pid_alive(z->pid, z->start);
}

/* A child named with spaces and parentheses, killed, then reaped. */
START_TEST(test_pid_child)
{
	struct zombie	z;
	int		fds[2], status;
	char		c;

	ck_assert_int_eq(pipe(fds), 0);
	if ((z.pid = fork()) == 0) {
		close(fds[0]);
		prctl_name("a) (b c) ");
		if (write(fds[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	ck_assert_int_gt(z.pid, 0);
	close(fds[1]);
	ck_assert_int_eq(read(fds[0], &c, 1), 1);
	close(fds[0]);
	z.start = reloc_pid_start(z.pid);
	ck_assert_uint_ne(z.start, 0);
	ck_assert(reloc_pid_alive(z.pid, z.start));
	ck_assert_uint_eq(reloc_pid_start(z.pid), z.start);
	/* Killed but not reaped: a zombie, which runs no more. */
	ck_assert_int_eq(kill(z.pid, SIGKILL), 0);
	ck_assert(wait_until(is_dead, &z, WAIT_MS));
	ck_assert_int_eq(waitpid(z.pid, &status, 0), z.pid);
	ck_assert_uint_eq(reloc_pid_start(z.pid), 0);
	ck_assert(!reloc_pid_alive(z.pid, z.start));
}
END_TEST

static Suite *
record_suite(void)
{
	Suite	*s = suite_create("record");
	TCase	*tc;

	tc = tcase_create("record");
	tcase_add_checked_fixture(tc, log_silence, NULL);
	tcase_add_test(tc, test_init);
	tcase_add_test(tc, test_new_id);
	tcase_add_test(tc, test_progress_bytes);
	tcase_add_test(tc, test_state_words);
	tcase_add_test(tc, test_copy);
	tcase_add_test(tc, test_sxp_round_trip);
	tcase_add_test(tc, test_sxp_corpus_full);
	tcase_add_test(tc, test_xv_same_keys);
	tcase_add_test(tc, test_sxp_errors);
	tcase_add_test(tc, test_sxp_unknown_keys);
	suite_add_tcase(s, tc);

	tc = tcase_create("journal");
	tcase_add_checked_fixture(tc, journal_setup, journal_teardown);
	tcase_add_test(tc, test_journal_round_trip);
	tcase_add_test(tc, test_journal_check_fails);
	tcase_add_test(tc, test_journal_list_order);
	tcase_add_test(tc, test_journal_leftovers);
	tcase_add_test(tc, test_journal_corrupt);
	tcase_add_test(tc, test_journal_trim);
	suite_add_tcase(s, tc);

	tc = tcase_create("full_disk");
	tcase_add_checked_fixture(tc, journal_setup, nospc_teardown);
	tcase_add_test(tc, test_journal_nospc);
	suite_add_tcase(s, tc);

	tc = tcase_create("pid");
	tcase_add_checked_fixture(tc, log_silence, NULL);
	tcase_add_test(tc, test_pid_self);
	tcase_add_test(tc, test_pid_child);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(record_suite());
	int	 failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
