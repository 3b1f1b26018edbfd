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
 * Check suite for the EtherIP endpoint's pure parts (tools/etherip_proto.c):
 * the RFC 3378 header, the IPv4 checks of the receive path and the address
 * helpers that decide which packets come from the peer.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "etherip.h"

/* An EtherIP header followed by a minimal Ethernet header. */
static uint8_t	pkt[ETHERIP_HLEN + ETHERIP_ETH_MIN];

static void
pkt_reset(void)
{
	memset(pkt, 0xab, sizeof(pkt));
	etherip_hdr_encode(pkt);
}

START_TEST(test_encode_bytes)
{
	uint8_t	b[2] = { 0xff, 0xff };

	etherip_hdr_encode(b);
	/* RFC 3378 figure 2: version 3 in the top nibble, all else zero. */
	ck_assert_uint_eq(b[0], 0x30);
	ck_assert_uint_eq(b[1], 0x00);
}
END_TEST

START_TEST(test_decode_ok)
{
	pkt_reset();
	ck_assert_int_eq(etherip_hdr_decode(pkt, sizeof(pkt)),
	    ETHERIP_PKT_OK);
}
END_TEST

START_TEST(test_decode_bad_version)
{
	static const uint8_t versions[] = { 0x00, 0x20, 0x40, 0xf0 };
	size_t	i;

	pkt_reset();
	for (i = 0; i < sizeof(versions); i++) {
		pkt[0] = versions[i];
		ck_assert_int_eq(etherip_hdr_decode(pkt, sizeof(pkt)),
		    ETHERIP_PKT_VERSION);
	}
	/* The nibble-swapped header of old FreeBSD releases is dropped. */
	pkt[0] = 0x03;
	ck_assert_int_eq(etherip_hdr_decode(pkt, sizeof(pkt)),
	    ETHERIP_PKT_VERSION);
}
END_TEST

START_TEST(test_decode_reserved)
{
	pkt_reset();
	pkt[0] = 0x31;
	ck_assert_int_eq(etherip_hdr_decode(pkt, sizeof(pkt)),
	    ETHERIP_PKT_RESERVED);
	pkt[0] = 0x30;
	pkt[1] = 0x80;
	ck_assert_int_eq(etherip_hdr_decode(pkt, sizeof(pkt)),
	    ETHERIP_PKT_RESERVED);
}
END_TEST

START_TEST(test_decode_lengths)
{
	pkt_reset();
	ck_assert_int_eq(etherip_hdr_decode(pkt, 0), ETHERIP_PKT_SHORT);
	ck_assert_int_eq(etherip_hdr_decode(pkt, 1), ETHERIP_PKT_SHORT);
	ck_assert_int_eq(etherip_hdr_decode(pkt, 2), ETHERIP_PKT_RUNT);
	ck_assert_int_eq(etherip_hdr_decode(pkt, sizeof(pkt) - 1),
	    ETHERIP_PKT_RUNT);
}
END_TEST

static void
ipv4_hdr(uint8_t *b, size_t ihl_words, uint8_t proto)
{
	memset(b, 0, 60);
	b[0] = (uint8_t)(0x40 | ihl_words);
	b[9] = proto;
}

START_TEST(test_ipv4_decode)
{
	uint8_t	b[80];
	size_t	off = 0;

	ipv4_hdr(b, 5, ETHERIP_IPPROTO);
	ck_assert_int_eq(etherip_ipv4_decode(b, sizeof(b), &off),
	    ETHERIP_PKT_OK);
	ck_assert_uint_eq(off, 20);
	/* Options move the payload; the header length says where. */
	ipv4_hdr(b, 15, ETHERIP_IPPROTO);
	ck_assert_int_eq(etherip_ipv4_decode(b, sizeof(b), &off),
	    ETHERIP_PKT_OK);
	ck_assert_uint_eq(off, 60);
	ck_assert_int_eq(etherip_ipv4_decode(b, 59, &off), ETHERIP_PKT_BADIP);
}
END_TEST

START_TEST(test_ipv4_reject)
{
	uint8_t	b[60];
	size_t	off = 7;

	ipv4_hdr(b, 5, IPPROTO_GRE);
	ck_assert_int_eq(etherip_ipv4_decode(b, sizeof(b), &off),
	    ETHERIP_PKT_BADIP);
	ipv4_hdr(b, 4, ETHERIP_IPPROTO);
	ck_assert_int_eq(etherip_ipv4_decode(b, sizeof(b), &off),
	    ETHERIP_PKT_BADIP);
	ipv4_hdr(b, 5, ETHERIP_IPPROTO);
	b[0] = 0x65;
	ck_assert_int_eq(etherip_ipv4_decode(b, sizeof(b), &off),
	    ETHERIP_PKT_BADIP);
	ck_assert_int_eq(etherip_ipv4_decode(b, 19, &off), ETHERIP_PKT_BADIP);
	/* Nothing is written on failure. */
	ck_assert_uint_eq(off, 7);
}
END_TEST

START_TEST(test_addr_parse)
{
	struct etherip_addr	a;

	ck_assert_int_eq(etherip_addr_parse("192.0.2.1", &a), 0);
	ck_assert_int_eq(a.family, AF_INET);
	ck_assert_uint_eq(a.len, sizeof(struct sockaddr_in));
	ck_assert_int_eq(etherip_addr_parse("2001:db8::1", &a), 0);
	ck_assert_int_eq(a.family, AF_INET6);
	ck_assert_uint_eq(a.len, sizeof(struct sockaddr_in6));
	ck_assert_int_eq(etherip_addr_parse("hostb", &a), -1);
	ck_assert_int_eq(etherip_addr_parse("192.0.2.1:97", &a), -1);
	ck_assert_int_eq(etherip_addr_parse("", &a), -1);
}
END_TEST

START_TEST(test_addr_match)
{
	struct etherip_addr	a, b, c;

	ck_assert_int_eq(etherip_addr_parse("192.0.2.1", &a), 0);
	ck_assert_int_eq(etherip_addr_parse("192.0.2.1", &b), 0);
	ck_assert_int_eq(etherip_addr_parse("192.0.2.2", &c), 0);
	/* Ports mean nothing to a raw socket; only addresses count. */
	((struct sockaddr_in *)&b.ss)->sin_port = htons(97);
	ck_assert(etherip_addr_match(&a, (struct sockaddr *)&b.ss, b.len));
	ck_assert(!etherip_addr_match(&a, (struct sockaddr *)&c.ss, c.len));
	ck_assert(!etherip_addr_match(&a, (struct sockaddr *)&b.ss, 4));
	ck_assert_int_eq(etherip_addr_parse("2001:db8::1", &b), 0);
	ck_assert_int_eq(etherip_addr_parse("2001:db8::2", &c), 0);
	ck_assert(!etherip_addr_match(&a, (struct sockaddr *)&b.ss, b.len));
	ck_assert(etherip_addr_match(&b, (struct sockaddr *)&b.ss, b.len));
	ck_assert(!etherip_addr_match(&b, (struct sockaddr *)&c.ss, c.len));
}
END_TEST

START_TEST(test_pkt_names)
{
	int	v;

	for (v = 0; v < ETHERIP_PKT_NKINDS; v++)
		ck_assert_ptr_nonnull(etherip_pkt_name(v));
	ck_assert_str_eq(etherip_pkt_name(ETHERIP_PKT_VERSION), "version");
	ck_assert_str_eq(etherip_pkt_name(ETHERIP_PKT_NKINDS), "unknown");
}
END_TEST

static Suite *
etherip_suite(void)
{
	Suite	*s = suite_create("etherip");
	TCase	*hdr = tcase_create("header");
	TCase	*ip = tcase_create("ip");

	tcase_add_test(hdr, test_encode_bytes);
	tcase_add_test(hdr, test_decode_ok);
	tcase_add_test(hdr, test_decode_bad_version);
	tcase_add_test(hdr, test_decode_reserved);
	tcase_add_test(hdr, test_decode_lengths);
	tcase_add_test(hdr, test_pkt_names);
	tcase_add_test(ip, test_ipv4_decode);
	tcase_add_test(ip, test_ipv4_reject);
	tcase_add_test(ip, test_addr_parse);
	tcase_add_test(ip, test_addr_match);
	suite_add_tcase(s, hdr);
	suite_add_tcase(s, ip);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(etherip_suite());
	int	 failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
