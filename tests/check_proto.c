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
 * Check suite for proto.c: round trips of every message type, each header
 * error, truncated input, bodies that do not match their header, the
 * length limit, and the busy answer of a target at its caps.
 */

#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "common.h"
#include "reloc-int.h"

#define PEER	"127.0.0.1:41234"
#define PV	RELOC_PROTO_VERSION	/* the version we speak */

/* (NAME (k v) (n 42)) */
static struct reloc_sxp *
body_new(const char *name)
{
	struct reloc_sxp	*body, *head;

	ck_assert_int_eq(reloc_sxp_new_list(&body), 0);
	ck_assert_int_eq(reloc_sxp_new_atom(name, strlen(name), &head), 0);
	ck_assert_int_eq(reloc_sxp_append(body, head), 0);
	ck_assert_int_eq(reloc_sxp_add_str(body, "k", "a \"quoted\" (v)"),
	    0);
	ck_assert_int_eq(reloc_sxp_add_u64(body, "n", 42), 0);
	return body;
}

/* A message built by hand: header fields and body text. */
static size_t
raw_msg(uint8_t *buf, uint32_t magic, uint16_t version, uint16_t type,
    const char *body)
{
	uint32_t	len = (uint32_t)strlen(body);

	buf[0] = magic >> 24;
	buf[1] = magic >> 16;
	buf[2] = magic >> 8;
	buf[3] = magic;
	buf[4] = version >> 8;
	buf[5] = version;
	buf[6] = type >> 8;
	buf[7] = type;
	buf[8] = len >> 24;
	buf[9] = len >> 16;
	buf[10] = len >> 8;
	buf[11] = len;
	memcpy(buf + RELOC_PROTO_HDR_LEN, body, len);
	return RELOC_PROTO_HDR_LEN + len;
}

static int
decode_raw(const uint8_t *buf, size_t len)
{
	struct reloc_sxp	*body = NULL;
	enum reloc_msg_type	 type;
	size_t			 used;
	int			 rc;

	rc = reloc_proto_decode(PEER, buf, len, &type, &body, &used);
	if (rc == 0)
		reloc_sxp_free(body);
	else
		ck_assert_ptr_null(body);
	return rc;
}

static void
setup(void)
{
	capture_start();
}

static void
teardown(void)
{
	capture_stop();
}

START_TEST(test_names)
{
	int	t;

	ck_assert_ptr_null(reloc_msg_name(0));
	ck_assert_ptr_null(reloc_msg_name(RELOC_MSG__MAX));
	ck_assert_ptr_null(reloc_msg_name((enum reloc_msg_type)-1));
	for (t = RELOC_MSG_HELLO; t < RELOC_MSG__MAX; t++)
		ck_assert_ptr_nonnull(reloc_msg_name(t));
	ck_assert_str_eq(reloc_msg_name(RELOC_MSG_HELLO), "hello");
	ck_assert_str_eq(reloc_msg_name(RELOC_MSG_ANSWER), "answer");
	ck_assert_str_eq(reloc_msg_name(RELOC_MSG_DECLINED), "declined");
}
END_TEST

START_TEST(test_roundtrip_all)
{
	struct reloc_sxp	*body, *got;
	enum reloc_msg_type	 type;
	uint8_t			*buf;
	size_t			 len, used;
	int			 t;

	for (t = RELOC_MSG_HELLO; t < RELOC_MSG__MAX; t++) {
		body = body_new(reloc_msg_name(t));
		ck_assert_int_eq(reloc_proto_encode(t, body, &buf, &len), 0);
		ck_assert_uint_gt(len, RELOC_PROTO_HDR_LEN);
		ck_assert_mem_eq(buf, "XRLC", 4);
		ck_assert_int_eq(reloc_proto_decode(PEER, buf, len, &type,
		    &got, &used), 0);
		ck_assert_int_eq(type, t);
		ck_assert_uint_eq(used, len);
		ck_assert_str_eq(reloc_sxp_atom(reloc_sxp_nth(got, 0), NULL),
		    reloc_msg_name(t));
		ck_assert_str_eq(reloc_sxp_value(got, "k"), "a \"quoted\" (v)");
		ck_assert_str_eq(reloc_sxp_value(got, "n"), "42");
		reloc_sxp_free(got);
		reloc_sxp_free(body);
		free(buf);
	}
}
END_TEST

#define BUSY_WHY	"127.0.0.1 has 1 incoming migration from 127.0.0.2 " \
			"(xrelocd-max-incoming-per-peer 1): busy, retry later"

/* An over-cap target's ERROR: (error (code -18) (message "...")). */
START_TEST(test_busy_roundtrip)
{
	struct reloc_sxp	*body, *head, *got;
	enum reloc_msg_type	 type;
	uint8_t			*buf;
	size_t			 len, used;

	/* The code is on the wire: its value never changes. */
	ck_assert_int_eq(RELOC_ERR_BUSY, -18);
	ck_assert_str_eq(reloc_strerror(RELOC_ERR_BUSY), "busy, retry later");
	ck_assert_int_eq(reloc_sxp_new_list(&body), 0);
	ck_assert_int_eq(reloc_sxp_new_atom("error", 5, &head), 0);
	ck_assert_int_eq(reloc_sxp_append(body, head), 0);
	ck_assert_int_eq(reloc_sxp_add_str(body, "code", "-18"), 0);
	ck_assert_int_eq(reloc_sxp_add_str(body, "message", BUSY_WHY), 0);
	ck_assert_int_eq(reloc_proto_encode(RELOC_MSG_ERROR, body, &buf,
	    &len), 0);
	ck_assert_int_eq(reloc_proto_decode(PEER, buf, len, &type, &got,
	    &used), 0);
	ck_assert_int_eq(type, RELOC_MSG_ERROR);
	ck_assert_uint_eq(used, len);
	ck_assert_int_eq(atoi(reloc_sxp_value(got, "code")), RELOC_ERR_BUSY);
	ck_assert_str_eq(reloc_sxp_value(got, "message"), BUSY_WHY);
	reloc_sxp_free(got);
	reloc_sxp_free(body);
	free(buf);
}
END_TEST

/* The source's side: expecting READY, told busy: RELOC_ERR_BUSY, why. */
START_TEST(test_busy_expect)
{
	struct reloc_chan	*a = NULL, *b = NULL;
	struct reloc_sxp	*got = NULL;
	char			*why = NULL;
	int			 sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(reloc_chan_new(sv[0], "target", 2000, &a), 0);
	ck_assert_int_eq(reloc_chan_new(sv[1], "source", 2000, &b), 0);
	ck_assert_int_eq(reloc_chan_send_error(a, RELOC_ERR_BUSY, "%s",
	    BUSY_WHY), 0);
	ck_assert_int_eq(reloc_chan_expect(b, RELOC_MSG_READY, &got, &why),
	    RELOC_ERR_BUSY);
	ck_assert_ptr_null(got);
	ck_assert_str_eq(why, BUSY_WHY);
	ck_assert(capture_has("peer source: refused: 127.0.0.1 has 1 "
	    "incoming migration"));
	free(why);
	/* Any other code is a refusal, not busy. */
	ck_assert_int_eq(reloc_chan_send_error(a, RELOC_ERR_DENIED, "no"), 0);
	ck_assert_int_eq(reloc_chan_expect(b, RELOC_MSG_READY, NULL, NULL),
	    RELOC_ERR_DENIED);
	reloc_chan_free(a);
	reloc_chan_free(b);
}
END_TEST

START_TEST(test_null_body)
{
	struct reloc_sxp	*got;
	enum reloc_msg_type	 type;
	uint8_t			*buf;
	size_t			 len, used;

	ck_assert_int_eq(reloc_proto_encode(RELOC_MSG_GO, NULL, &buf, &len),
	    0);
	ck_assert_mem_eq(buf + RELOC_PROTO_HDR_LEN, "(go)", 4);
	ck_assert_int_eq(reloc_proto_decode(PEER, buf, len, &type, &got,
	    &used), 0);
	ck_assert_int_eq(type, RELOC_MSG_GO);
	ck_assert_uint_eq(reloc_sxp_len(got), 1);
	reloc_sxp_free(got);
	free(buf);
}
END_TEST

START_TEST(test_two_in_a_row)
{
	struct reloc_sxp	*got;
	enum reloc_msg_type	 type;
	uint8_t			 buf[256];
	size_t			 len, used;

	/* Decoding must stop at the end of the first message. */
	len = raw_msg(buf, RELOC_PROTO_MAGIC, PV, RELOC_MSG_READY, "(ready)");
	len += raw_msg(buf + len, RELOC_PROTO_MAGIC, PV, RELOC_MSG_DONE,
	    "(done)");
	ck_assert_int_eq(reloc_proto_decode(PEER, buf, len, &type, &got,
	    &used), 0);
	ck_assert_int_eq(type, RELOC_MSG_READY);
	ck_assert_uint_eq(used, RELOC_PROTO_HDR_LEN + 7);
	reloc_sxp_free(got);
	ck_assert_int_eq(reloc_proto_decode(PEER, buf + used, len - used,
	    &type, &got, &used), 0);
	ck_assert_int_eq(type, RELOC_MSG_DONE);
	reloc_sxp_free(got);
}
END_TEST

START_TEST(test_bad_magic)
{
	uint8_t	buf[64];
	size_t	len = raw_msg(buf, 0x48545450, PV, RELOC_MSG_GO, "(go)");

	ck_assert_int_eq(decode_raw(buf, len), RELOC_ERR_PROTO);
	ck_assert(capture_has("peer " PEER ": bad magic 0x48545450"));
}
END_TEST

/*
 * The worker channel and the wire share a framing but not a message: a
 * worker's record is refused on the relocation port, and the reverse.
 */
START_TEST(test_worker_channel_apart)
{
	struct reloc_sxp	*body = body_new("migration"), *got = NULL;
	enum reloc_wmsg_type	 wtype;
	uint8_t			*buf, wire[64];
	size_t			 len, used;

	ck_assert_int_eq(reloc_wchan_encode(RELOC_WMSG_RECORD, body, &buf,
	    &len), 0);
	ck_assert_mem_eq(buf, "XRLW", 4);
	ck_assert_int_eq(reloc_wchan_decode(buf, len, &wtype, &got, &used), 0);
	ck_assert_int_eq(wtype, RELOC_WMSG_RECORD);
	reloc_sxp_free(got);
	ck_assert_int_eq(decode_raw(buf, len), RELOC_ERR_PROTO);
	ck_assert(capture_has("peer " PEER ": bad magic 0x58524c57"));
	len = raw_msg(wire, RELOC_PROTO_MAGIC, PV, RELOC_MSG_GO, "(go)");
	ck_assert_int_eq(reloc_wchan_decode(wire, len, &wtype, &got, &used),
	    RELOC_ERR_PROTO);
	free(buf);
	reloc_sxp_free(body);
}
END_TEST

START_TEST(test_bad_version)
{
	uint8_t	buf[64];
	size_t	len = raw_msg(buf, RELOC_PROTO_MAGIC, 7, RELOC_MSG_GO, "(go)");

	ck_assert_int_eq(decode_raw(buf, len), RELOC_ERR_PROTO);
	ck_assert(capture_has("warn: proto: peer " PEER
	    ": protocol version 7, we speak 3"));
}
END_TEST

START_TEST(test_bad_type)
{
	uint8_t	buf[64];
	size_t	len;

	len = raw_msg(buf, RELOC_PROTO_MAGIC, PV, 0, "(go)");
	ck_assert_int_eq(decode_raw(buf, len), RELOC_ERR_PROTO);
	ck_assert(capture_has("unknown message type 0"));
	len = raw_msg(buf, RELOC_PROTO_MAGIC, PV, RELOC_MSG__MAX, "(go)");
	ck_assert_int_eq(decode_raw(buf, len), RELOC_ERR_PROTO);
	ck_assert(capture_has("unknown message type 13"));
}
END_TEST

START_TEST(test_max_len)
{
	enum reloc_msg_type	type;
	uint8_t			hdr[RELOC_PROTO_HDR_LEN];
	uint32_t		len;

	ck_assert_int_eq(reloc_proto_hdr_encode(hdr, RELOC_MSG_STREAM,
	    RELOC_PROTO_MAX_LEN), 0);
	ck_assert_int_eq(reloc_proto_hdr_decode(PEER, hdr, sizeof(hdr),
	    &type, &len), 0);
	ck_assert_uint_eq(len, RELOC_PROTO_MAX_LEN);
	ck_assert_int_eq(reloc_proto_hdr_encode(hdr, RELOC_MSG_STREAM,
	    RELOC_PROTO_MAX_LEN + 1), RELOC_ERR_INVAL);
	/* A header that claims one byte more than the limit. */
	hdr[11]++;
	ck_assert_int_eq(reloc_proto_hdr_decode(PEER, hdr, sizeof(hdr),
	    &type, &len), RELOC_ERR_PROTO);
	ck_assert(capture_has("over the limit of 1048576"));
	ck_assert_int_eq(reloc_proto_hdr_encode(hdr, 0, 1), RELOC_ERR_INVAL);
}
END_TEST

START_TEST(test_encode_too_long)
{
	struct reloc_sxp	*body;
	uint8_t			*buf = NULL;
	size_t			 len;
	char			*big;

	big = malloc(RELOC_PROTO_MAX_LEN);
	ck_assert_ptr_nonnull(big);
	memset(big, 'a', RELOC_PROTO_MAX_LEN - 1);
	big[RELOC_PROTO_MAX_LEN - 1] = '\0';
	body = body_new("hello");
	ck_assert_int_eq(reloc_sxp_add_str(body, "big", big), 0);
	ck_assert_int_eq(reloc_proto_encode(RELOC_MSG_HELLO, body, &buf,
	    &len), RELOC_ERR_INVAL);
	ck_assert_ptr_null(buf);
	ck_assert(capture_has("over the limit"));
	reloc_sxp_free(body);
	free(big);
}
END_TEST

START_TEST(test_truncated)
{
	struct reloc_sxp	*body = body_new("verdict");
	uint8_t			*buf;
	size_t			 len, i;

	ck_assert_int_eq(reloc_proto_encode(RELOC_MSG_VERDICT, body, &buf,
	    &len), 0);
	for (i = 0; i < len; i++)
		ck_assert_int_eq(decode_raw(buf, i), RELOC_ERR_AGAIN);
	ck_assert_int_eq(decode_raw(buf, len), 0);
	/* Truncation is not an error worth a log line. */
	ck_assert(!capture_has("warn"));
	reloc_sxp_free(body);
	free(buf);
}
END_TEST

START_TEST(test_body_mismatch)
{
	uint8_t	buf[128];
	size_t	len;

	len = raw_msg(buf, RELOC_PROTO_MAGIC, PV, RELOC_MSG_GO, "(hello)");
	ck_assert_int_eq(decode_raw(buf, len), RELOC_ERR_PROTO);
	ck_assert(capture_has("go message: body is not one list headed by "
	    "'go'"));
	len = raw_msg(buf, RELOC_PROTO_MAGIC, PV, RELOC_MSG_GO, "(go) (go)");
	ck_assert_int_eq(decode_raw(buf, len), RELOC_ERR_PROTO);
	len = raw_msg(buf, RELOC_PROTO_MAGIC, PV, RELOC_MSG_GO, "go");
	ck_assert_int_eq(decode_raw(buf, len), RELOC_ERR_PROTO);
	len = raw_msg(buf, RELOC_PROTO_MAGIC, PV, RELOC_MSG_GO, "((go))");
	ck_assert_int_eq(decode_raw(buf, len), RELOC_ERR_PROTO);
	len = raw_msg(buf, RELOC_PROTO_MAGIC, PV, RELOC_MSG_GO, "");
	ck_assert_int_eq(decode_raw(buf, len), RELOC_ERR_PROTO);
	len = raw_msg(buf, RELOC_PROTO_MAGIC, PV, RELOC_MSG_GO, "(go (x 1)");
	ck_assert_int_eq(decode_raw(buf, len), RELOC_ERR_PROTO);
	ck_assert(capture_has("body is not a valid s-expression"));
	/* Whitespace and comments around the one list are fine. */
	len = raw_msg(buf, RELOC_PROTO_MAGIC, PV, RELOC_MSG_GO,
	    " # c\n(go (x 1))\n");
	ck_assert_int_eq(decode_raw(buf, len), 0);
}
END_TEST

START_TEST(test_encode_mismatch)
{
	struct reloc_sxp	*body = body_new("hello");
	uint8_t			*buf = NULL;
	size_t			 len;

	ck_assert_int_eq(reloc_proto_encode(RELOC_MSG_GO, body, &buf, &len),
	    RELOC_ERR_INVAL);
	ck_assert_ptr_null(buf);
	ck_assert_int_eq(reloc_proto_encode(0, body, &buf, &len),
	    RELOC_ERR_INVAL);
	reloc_sxp_free(body);
}
END_TEST

static Suite *
proto_suite(void)
{
	Suite	*s = suite_create("proto");
	TCase	*tc;

	tc = tcase_create("roundtrip");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_roundtrip_all);
	tcase_add_test(tc, test_busy_roundtrip);
	tcase_add_test(tc, test_busy_expect);
	tcase_add_test(tc, test_null_body);
	tcase_add_test(tc, test_two_in_a_row);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_bad_magic);
	tcase_add_test(tc, test_bad_version);
	tcase_add_test(tc, test_worker_channel_apart);
	tcase_add_test(tc, test_bad_type);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_body_mismatch);
	tcase_add_test(tc, test_encode_mismatch);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_max_len);
	tcase_add_test(tc, test_encode_too_long);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(proto_suite());
	int	 failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
