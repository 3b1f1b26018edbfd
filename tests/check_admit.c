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
 * Check suite for a target's admission of incoming migrations
 * (xrelocd/admit.c) and the priority HELLO carries to it
 * (libreloc/migrate_rec.c): the caps, a high-priority migration told
 * busy holding the next free slot against standard ones until it comes
 * back or its hold ends, per host and per peer, and HELLO's priority
 * read, defaulted and refused.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "common.h"
#include "xrelocd.h"
#include "migrate.h"

#define ID_H1	"11111111-1111-4111-8111-111111111111"
#define ID_H2	"22222222-2222-4222-8222-222222222222"
#define ID_S1	"33333333-3333-4333-8333-333333333333"

static struct admit_claims	claims;

static void
setup(void)
{
	log_silence();
	memset(&claims, 0, sizeof(claims));
}

/* One ask: cap 2 per host, 2 per peer unless said. */
static char
ask(const char *id, const char *peer, bool high, unsigned all,
    unsigned from_peer, unsigned peer_cap, int64_t now)
{
	struct admit_ask	a = { id, peer, high, all, from_peer, 2,
				    peer_cap };
	unsigned		held;

	return admit_decide(&claims, &a, now, &held);
}

START_TEST(test_caps)
{
	ck_assert_int_eq(ask(ID_S1, "192.0.2.1:1", false, 1, 1, 2, 100),
	    WORKER_ADMIT_YES);
	ck_assert_int_eq(ask(ID_S1, "192.0.2.1:1", false, 2, 0, 2, 100),
	    WORKER_ADMIT_HOST);
	ck_assert_int_eq(ask(ID_S1, "192.0.2.1:1", false, 1, 1, 1, 100),
	    WORKER_ADMIT_PEER);
	/* Standard ones told busy hold nothing. */
	ck_assert_uint_eq(claims.n, 0);
}
END_TEST

/* The host is full; the high one told busy gets the slot that frees. */
START_TEST(test_high_gets_next_slot)
{
	ck_assert_int_eq(ask(ID_H1, "192.0.2.1:1", true, 2, 0, 2, 100),
	    WORKER_ADMIT_HOST);
	ck_assert_uint_eq(claims.n, 1);
	/* A slot frees: a standard one, from anywhere, is kept out. */
	ck_assert_int_eq(ask(ID_S1, "192.0.2.9:1", false, 1, 0, 2, 105),
	    WORKER_ADMIT_KEPT);
	ck_assert_int_eq(ask(ID_S1, "192.0.2.1:2", false, 1, 0, 2, 106),
	    WORKER_ADMIT_KEPT);
	/* The high one comes back: admitted, and its claim ends. */
	ck_assert_int_eq(ask(ID_H1, "192.0.2.1:3", true, 1, 0, 2, 107),
	    WORKER_ADMIT_YES);
	ck_assert_uint_eq(claims.n, 0);
	ck_assert_int_eq(ask(ID_S1, "192.0.2.9:1", false, 0, 0, 2, 108),
	    WORKER_ADMIT_YES);
}
END_TEST

/* Slots beyond the claims stay open to standard ones. */
START_TEST(test_only_as_many_as_claimed)
{
	struct admit_ask	a = { ID_H1, "192.0.2.1:1", true, 4, 0, 4, 4 };
	unsigned		held;

	ck_assert_int_eq(admit_decide(&claims, &a, 100, &held),
	    WORKER_ADMIT_HOST);
	a.id = ID_S1;
	a.high = false;
	a.all = 3;		/* one free, one claim */
	ck_assert_int_eq(admit_decide(&claims, &a, 101, &held),
	    WORKER_ADMIT_KEPT);
	ck_assert_uint_eq(held, 1);
	a.all = 2;		/* two free, one claim */
	ck_assert_int_eq(admit_decide(&claims, &a, 101, &held),
	    WORKER_ADMIT_YES);
}
END_TEST

/* A source that stops trying frees its slot when the hold ends. */
START_TEST(test_claim_expires)
{
	ck_assert_int_eq(ask(ID_H1, "192.0.2.1:1", true, 2, 0, 2, 100),
	    WORKER_ADMIT_HOST);
	ck_assert_int_eq(ask(ID_S1, "192.0.2.9:1", false, 1, 0, 2,
	    100 + ADMIT_CLAIM_HOLD_S - 1), WORKER_ADMIT_KEPT);
	ck_assert_int_eq(ask(ID_S1, "192.0.2.9:1", false, 1, 0, 2,
	    100 + ADMIT_CLAIM_HOLD_S), WORKER_ADMIT_YES);
	ck_assert_uint_eq(claims.n, 0);
}
END_TEST

/* Each try renews the hold. */
START_TEST(test_claim_renewed)
{
	ck_assert_int_eq(ask(ID_H1, "192.0.2.1:1", true, 2, 0, 2, 100),
	    WORKER_ADMIT_HOST);
	ck_assert_int_eq(ask(ID_H1, "192.0.2.1:2", true, 2, 0, 2, 115),
	    WORKER_ADMIT_HOST);
	ck_assert_uint_eq(claims.n, 1);
	ck_assert_int_eq(ask(ID_S1, "192.0.2.9:1", false, 1, 0, 2, 125),
	    WORKER_ADMIT_KEPT);
}
END_TEST

/*
 * Over the per-peer cap only: the claim keeps that peer's next slot from
 * its standard ones, and none of the host's from other peers' (it could
 * not take them): one host evacuating with high priority does not stop
 * the others.
 */
START_TEST(test_peer_claim)
{
	struct admit_ask	a = { ID_H1, "192.0.2.1:1", true, 2, 2, 4, 2 };
	unsigned		held;

	ck_assert_int_eq(admit_decide(&claims, &a, 100, &held),
	    WORKER_ADMIT_PEER);
	a.id = ID_S1;
	a.high = false;
	a.peer = "192.0.2.2:7";		/* another peer, the last free slot */
	a.all = 3;
	a.from_peer = 0;
	ck_assert_int_eq(admit_decide(&claims, &a, 101, &held),
	    WORKER_ADMIT_YES);
	ck_assert_uint_eq(held, 0);
	a.peer = "192.0.2.1:7";		/* its own peer, a slot freed */
	a.all = 1;
	a.from_peer = 1;
	ck_assert_int_eq(admit_decide(&claims, &a, 101, &held),
	    WORKER_ADMIT_KEPT);
	/* Refused by the host's cap next time: it holds the host's slot. */
	a.id = ID_H1;
	a.high = true;
	a.all = 4;
	ck_assert_int_eq(admit_decide(&claims, &a, 102, &held),
	    WORKER_ADMIT_HOST);
	a.id = ID_S1;
	a.high = false;
	a.peer = "192.0.2.2:7";
	a.all = 3;
	a.from_peer = 0;
	ck_assert_int_eq(admit_decide(&claims, &a, 103, &held),
	    WORKER_ADMIT_KEPT);
}
END_TEST

/* High ones are not kept out by each other's claims. */
START_TEST(test_high_among_high)
{
	ck_assert_int_eq(ask(ID_H1, "192.0.2.1:1", true, 2, 0, 2, 100),
	    WORKER_ADMIT_HOST);
	ck_assert_int_eq(ask(ID_H2, "192.0.2.2:1", true, 1, 0, 2, 101),
	    WORKER_ADMIT_YES);
	ck_assert_uint_eq(claims.n, 1);
}
END_TEST

/* Without an id no claim could ever be ended by its owner: none. */
START_TEST(test_no_id_no_claim)
{
	ck_assert_int_eq(ask("", "192.0.2.1:1", true, 2, 0, 2, 100),
	    WORKER_ADMIT_HOST);
	ck_assert_uint_eq(claims.n, 0);
}
END_TEST

/* A full table gives up its oldest claim, never overflows. */
START_TEST(test_table_full)
{
	char		id[40];
	unsigned	i;

	for (i = 0; i <= ADMIT_CLAIMS_MAX; i++) {
		snprintf(id, sizeof(id), "%08x-0000-4000-8000-000000000000",
		    i);
		ck_assert_int_eq(ask(id, "192.0.2.1:1", true, 2, 0, 2,
		    i == 0 ? 100 : 101), WORKER_ADMIT_HOST);
	}
	ck_assert_uint_eq(claims.n, ADMIT_CLAIMS_MAX);
	for (i = 0; i < claims.n; i++)
		ck_assert_str_ne(claims.c[i].id,
		    "00000000-0000-4000-8000-000000000000");
}
END_TEST

/* HELLO from a source's record, read by a target's. */
static int
hello_pass(struct reloc_record *src, struct reloc__mig *t,
    struct reloc_record *dst, struct reloc_migrate_result *res)
{
	struct reloc__mig	 s;
	struct reloc_sxp	*msg = NULL;
	int			 rc;

	memset(&s, 0, sizeof(s));
	s.rec = src;
	ck_assert_int_eq(reloc_sxp_new_list(&msg), 0);
	ck_assert_int_eq(reloc__mig_hello_id(&s, msg, true), 0);
	memset(t, 0, sizeof(*t));
	memset(res, 0, sizeof(*res));
	t->res = res;
	t->rec = dst;
	snprintf(t->peer, sizeof(t->peer), "192.0.2.1:4000");
	rc = reloc__mig_hello_id(t, msg, false);
	reloc_sxp_free(msg);
	return rc;
}

START_TEST(test_hello_priority)
{
	struct reloc_record		src, dst;
	struct reloc__mig		t;
	struct reloc_migrate_result	res;

	reloc_record_init(&src, RELOC_ROLE_SOURCE);
	snprintf(src.id, sizeof(src.id), "%s", ID_H1);
	src.high = true;
	reloc_record_init(&dst, RELOC_ROLE_TARGET);
	ck_assert_int_eq(hello_pass(&src, &t, &dst, &res), 0);
	ck_assert(t.peer_high);
	ck_assert(dst.high);
	ck_assert_str_eq(dst.id, ID_H1);

	src.high = false;
	reloc_record_init(&dst, RELOC_ROLE_TARGET);
	ck_assert_int_eq(hello_pass(&src, &t, &dst, &res), 0);
	ck_assert(!t.peer_high);
	ck_assert(!dst.high);
}
END_TEST

/* A target reads HELLO text from 192.0.2.1:4000: hello_id's answer. */
static int
hello_read(const char *text, struct reloc__mig *t, struct reloc_record *dst,
    struct reloc_migrate_result *res)
{
	struct reloc_sxp	*msg = NULL;
	int			 rc;

	ck_assert_int_eq(reloc_sxp_read_mem("test", text, strlen(text),
	    &msg), 0);
	reloc_record_init(dst, RELOC_ROLE_TARGET);
	memset(t, 0, sizeof(*t));
	memset(res, 0, sizeof(*res));
	t->res = res;
	t->rec = dst;
	t->peer_high = true;
	snprintf(t->peer, sizeof(t->peer), "192.0.2.1:4000");
	rc = reloc__mig_hello_id(t, reloc_sxp_nth(msg, 0), false);
	reloc_sxp_free(msg);
	return rc;
}

/* An older source sends no priority: standard. */
START_TEST(test_hello_without_priority)
{
	struct reloc_record		dst;
	struct reloc__mig		t;
	struct reloc_migrate_result	res;

	ck_assert_int_eq(hello_read("(hello (migration " ID_S1 "))", &t,
	    &dst, &res), 0);
	ck_assert(!t.peer_high);
	ck_assert(!dst.high);
	ck_assert_str_eq(dst.id, ID_S1);
}
END_TEST

/* A priority that is neither word is refused, naming the peer. */
START_TEST(test_hello_bad_priority)
{
	struct reloc_record		dst;
	struct reloc__mig		t;
	struct reloc_migrate_result	res;

	ck_assert_int_eq(hello_read("(hello (migration " ID_S1 ") "
	    "(priority urgent))", &t, &dst, &res), RELOC_ERR_PROTO);
	ck_assert_str_eq(res.message, "192.0.2.1:4000: HELLO with priority "
	    "'urgent': high or standard");
	ck_assert(!dst.high);
	ck_assert_str_eq(dst.id, "");
}
END_TEST

static Suite *
admit_suite(void)
{
	Suite	*s = suite_create("admit");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_caps);
	tcase_add_test(tc, test_high_gets_next_slot);
	tcase_add_test(tc, test_only_as_many_as_claimed);
	tcase_add_test(tc, test_claim_expires);
	tcase_add_test(tc, test_claim_renewed);
	tcase_add_test(tc, test_peer_claim);
	tcase_add_test(tc, test_high_among_high);
	tcase_add_test(tc, test_no_id_no_claim);
	tcase_add_test(tc, test_table_full);
	tcase_add_test(tc, test_hello_priority);
	tcase_add_test(tc, test_hello_without_priority);
	tcase_add_test(tc, test_hello_bad_priority);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(admit_suite());
	int	 failed;

	log_silence();
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
