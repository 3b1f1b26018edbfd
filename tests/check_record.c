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
 * Check suite for record.c and record_sxp.c: the record's two forms from
 * one table, and strict reading with the key named.  The journal has its
 * own suite (check_journal.c).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "common.h"
#include "record_fixture.h"

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
				    50000000, 300, 0, 42500000, 30 };

	reloc_record_init(&r, RELOC_ROLE_SOURCE);
	reloc_record_set_progress(&r, &p);
	ck_assert_int_eq(r.progress.phase, RELOC_PP_PRECOPY);
	ck_assert_uint_eq(r.progress.round, 2);
	ck_assert_uint_eq(r.progress.sent_bytes, 1000000);
	ck_assert_uint_eq(r.progress.remaining_bytes, 10 * 4096);
	ck_assert_uint_eq(r.progress.total_bytes, 262144ull * 4096);
	ck_assert_uint_eq(r.progress.rate_bytes_per_s, 50000000);
	ck_assert_uint_eq(r.progress.dirty_bytes_per_s, 300 * 4096);
	ck_assert_uint_eq(r.progress.predicted_downtime_us, 42500);
	ck_assert_uint_eq(r.progress.throttle_percent, 30);
	/* No link measured yet: unknown, as before any round. */
	p.predicted_ns = UINT64_MAX;
	reloc_record_set_progress(&r, &p);
	ck_assert_uint_eq(r.progress.predicted_downtime_us, 0);
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
	ck_assert_uint_eq(n, 32 + 9 + 10);
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
