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
 * Check suite for announce.c: the RARP and gratuitous ARP frames a target
 * sends for each vif after a migration.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "common.h"
#include "reloc-int.h"

static const uint8_t mac[6] = { 0x00, 0x16, 0x3e, 0x12, 0x34, 0x56 };

START_TEST(test_rarp)
{
	uint8_t	f[64];
	int	n;

	n = reloc__announce_frame("00:16:3e:12:34:56", NULL, f, sizeof(f));
	ck_assert_int_eq(n, 60);
	ck_assert_mem_eq(f, "\xff\xff\xff\xff\xff\xff", 6);
	ck_assert_mem_eq(f + 6, mac, 6);
	ck_assert_int_eq(f[12], 0x80);		/* ethertype 0x8035 */
	ck_assert_int_eq(f[13], 0x35);
	ck_assert_int_eq(f[21], 3);		/* reverse request */
	ck_assert_mem_eq(f + 22, mac, 6);	/* sender */
	ck_assert_mem_eq(f + 32, mac, 6);	/* target */
}
END_TEST

START_TEST(test_garp)
{
	uint8_t	f[64];
	int	n;

	n = reloc__announce_frame("00:16:3e:12:34:56", "192.0.2.7", f,
	    sizeof(f));
	ck_assert_int_eq(n, 60);
	ck_assert_int_eq(f[12], 0x08);		/* ethertype 0x0806 */
	ck_assert_int_eq(f[13], 0x06);
	ck_assert_int_eq(f[21], 1);		/* request */
	ck_assert_mem_eq(f + 28, "\xc0\x00\x02\x07", 4);	/* sender IP */
	ck_assert_mem_eq(f + 38, "\xc0\x00\x02\x07", 4);	/* target IP */
}
END_TEST

START_TEST(test_ipv6_uses_rarp)
{
	uint8_t	f[64];

	ck_assert_int_eq(reloc__announce_frame("00:16:3e:12:34:56",
	    "fd00::7", f, sizeof(f)), 60);
	ck_assert_int_eq(f[13], 0x35);
}
END_TEST

START_TEST(test_bad_input)
{
	uint8_t	f[64];

	ck_assert_int_lt(reloc__announce_frame("00:16:3e:12:34", NULL, f,
	    sizeof(f)), 0);
	ck_assert_int_lt(reloc__announce_frame("00:16:3e:12:34:1ff", NULL,
	    f, sizeof(f)), 0);
	ck_assert_int_lt(reloc__announce_frame(NULL, NULL, f, sizeof(f)), 0);
	ck_assert_int_lt(reloc__announce_frame("00:16:3e:12:34:56", NULL, f,
	    10), 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("announce");
	TCase	*tc = tcase_create("frames");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, test_rarp);
	tcase_add_test(tc, test_garp);
	tcase_add_test(tc, test_ipv6_uses_rarp);
	tcase_add_test(tc, test_bad_input);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
