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
 * Check suite for hv_libxl_dom.c: the devices and config blob of a domain
 * as the libxl backend describes it, without Xen.
 */

#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "common.h"
#include "reloc-int.h"

static void
setup(void)
{
	log_silence();
}

START_TEST(test_domain_devices)
{
	static const uint8_t	 mac[6] = {
		0x00, 0x16, 0x3e, 0x0a, 0xbc, 0xde
	};
	struct reloc_domain	 d;
	char			*dir = test_tmpdir("libxl-dom");
	char			*img;

	img = write_file(dir, "disk.img", "0123456789");
	memset(&d, 0, sizeof(d));
	ck_assert_int_eq(reloc__xendom_add_vif(&d, mac, "xenbr0",
	    "192.0.2.10 192.0.2.11"), 0);
	ck_assert_int_eq(reloc__xendom_add_vif(&d, mac, NULL, NULL), 0);
	ck_assert_uint_eq(d.nr_vifs, 2);
	ck_assert_str_eq(d.vifs[0].mac, "00:16:3e:0a:bc:de");
	ck_assert_str_eq(d.vifs[0].bridge, "xenbr0");
	ck_assert_str_eq(d.vifs[0].ip, "192.0.2.10");
	ck_assert_ptr_null(d.vifs[1].bridge);
	ck_assert_ptr_null(d.vifs[1].ip);
	ck_assert_int_eq(reloc__xendom_add_disk(&d, "xvda", img, false), 0);
	ck_assert_int_eq(reloc__xendom_add_disk(&d, "hdc", "", true), 0);
	ck_assert_int_eq(reloc__xendom_add_disk(&d, "xvdb",
	    "iscsi:iqn.2026-01.org.example:lun0", false), 0);
	ck_assert_uint_eq(d.nr_disks, 3);
	ck_assert_uint_eq(d.disks[0].size, 10);
	ck_assert_str_eq(d.disks[0].path, img);
	ck_assert(d.disks[1].removable);
	ck_assert_ptr_null(d.disks[1].path);
	ck_assert_uint_eq(d.disks[2].size, 0);
	ck_assert_int_eq(reloc__xendom_add_passdev(&d, "pci", "0000:03:00.0"),
	    0);
	ck_assert_int_eq(reloc__xendom_add_passdev(&d, "usb", "1-2"), 0);
	ck_assert_uint_eq(d.nr_passdevs, 2);
	ck_assert_str_eq(d.passdevs[1].kind, "usb");
	ck_assert(!d.passdevs[1].migratable);
	reloc_domain_dispose(&d);
	reloc_domain_dispose(&d);
	rm_rf(dir);
	free(img);
	free(dir);
}
END_TEST

START_TEST(test_config_json)
{
	struct reloc_domain	 d;
	char			 blob[] = "{\"c_info\":{\"name\":\"w1\"}}";
	char			*json;

	memset(&d, 0, sizeof(d));
	d.config = blob;
	/* xl counts the NUL, domain descriptions may not: both work. */
	d.config_len = sizeof(blob);
	ck_assert_int_eq(reloc__xendom_config_json(&d, &json), 0);
	ck_assert_str_eq(json, blob);
	free(json);
	d.config_len = strlen(blob);
	ck_assert_int_eq(reloc__xendom_config_json(&d, &json), 0);
	ck_assert_str_eq(json, blob);
	free(json);
	blob[3] = '\0';
	ck_assert_int_eq(reloc__xendom_config_json(&d, &json),
	    RELOC_ERR_INVAL);
	d.config = NULL;
	ck_assert_int_eq(reloc__xendom_config_json(&d, &json),
	    RELOC_ERR_INVAL);
}
END_TEST

static Suite *
hv_libxl_dom_suite(void)
{
	Suite	*s = suite_create("hv_libxl_dom");
	TCase	*tc = tcase_create("domain");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_domain_devices);
	tcase_add_test(tc, test_config_json);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(hv_libxl_dom_suite());
	int	 failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
