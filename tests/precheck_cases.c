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
 * Precheck suite cases for the l2, storage, media and passthrough checks
 * and for --force.
 */

#include <stdio.h>
#include <string.h>

#include <check.h>

#include "common.h"
#include "precheck_fixture.h"

/* ---------------------------------------------------------------- l2 */

START_TEST(test_l2_bridge_missing)
{
	vifs[0].bridge = "xenbr1";
	run();
	EXPECT("L2_BRIDGE_MISSING");
	assert_finding("L2_BRIDGE_MISSING", RELOC_SEV_ERROR, "l2",
	    "web01: vif 00:16:3e:00:00:01 uses bridge xenbr1, which hostB "
	    "does not have");
	assert_fix("L2_BRIDGE_MISSING", "xrelocd-tunnel up PEER --bridge "
	    "xenbr1");
	assert_fix("L2_BRIDGE_MISSING", "--force l2");
}
END_TEST

START_TEST(test_l2_subnet_differs)
{
	dst_br[0].subnet = "198.51.100.0/24";
	run();
	EXPECT("L2_SUBNET_DIFFERS", "L2_IP_OUTSIDE");
	assert_finding("L2_SUBNET_DIFFERS", RELOC_SEV_ERROR, "l2",
	    "web01: bridge xenbr0 is on 192.0.2.0/24 on hostA but on "
	    "198.51.100.0/24 on hostB");
	assert_finding("L2_IP_OUTSIDE", RELOC_SEV_ERROR, "l2",
	    "vif 00:16:3e:00:00:01 has address 192.0.2.10, outside bridge "
	    "xenbr0's subnet 198.51.100.0/24 on hostB");
	/* The same subnet spelled with a host address is the same. */
	dst_br[0].subnet = "192.0.2.77/24";
	run();
	expect(NULL, 0);
	/* A narrower prefix is another subnet. */
	dst_br[0].subnet = "192.0.2.0/25";
	run();
	EXPECT("L2_SUBNET_DIFFERS");
}
END_TEST

START_TEST(test_l2_subnet_once_per_bridge)
{
	vifs[1] = (struct reloc_vif){ "00:16:3e:00:00:02", "xenbr0",
	    "192.0.2.11" };
	dom.nr_vifs = 2;
	dst_br[0].subnet = "198.51.100.0/24";
	src_br[0].mtu = 9000;
	run();
	ck_assert_uint_eq(count("L2_SUBNET_DIFFERS"), 1);
	ck_assert_uint_eq(count("L2_MTU_DIFFERS"), 1);
	ck_assert_uint_eq(count("L2_IP_OUTSIDE"), 2);
}
END_TEST

START_TEST(test_l2_ip_outside)
{
	vifs[0].ip = "10.0.0.5";
	run();
	EXPECT("L2_IP_OUTSIDE");
	assert_fix("L2_IP_OUTSIDE", "re-address the domain");
	/* Several addresses: each is checked. */
	vifs[0].ip = "192.0.2.10, 10.0.0.5";
	run();
	EXPECT("L2_IP_OUTSIDE");
	assert_finding("L2_IP_OUTSIDE", RELOC_SEV_ERROR, "l2", "10.0.0.5");
	/* Prefixes that do not end on a byte. */
	src_br[0].subnet = dst_br[0].subnet = "192.0.2.0/27";
	vifs[0].ip = "192.0.2.20";
	run();
	expect(NULL, 0);
	vifs[0].ip = "192.0.2.40";
	run();
	EXPECT("L2_IP_OUTSIDE");
}
END_TEST

START_TEST(test_l2_ipv6)
{
	vifs[0] = vifs[1];
	run();
	expect(NULL, 0);
	vifs[0].ip = "2001:db8:2::10";
	run();
	EXPECT("L2_IP_OUTSIDE");
	assert_finding("L2_IP_OUTSIDE", RELOC_SEV_ERROR, "l2",
	    "2001:db8:2::10, outside bridge xenbr6's subnet 2001:db8:1::/64");
	/* An IPv6 address on a bridge known only by its IPv4 subnet. */
	vifs[0].bridge = "xenbr0";
	vifs[0].ip = "2001:db8:1::10";
	run();
	EXPECT("L2_SUBNET_UNKNOWN");
	assert_finding("L2_SUBNET_UNKNOWN", RELOC_SEV_WARNING, "l2",
	    "bridge xenbr0 on hostB has no IPv6 subnet");
}
END_TEST

START_TEST(test_l2_mtu)
{
	dst_br[0].mtu = 9000;
	run();
	EXPECT("L2_MTU_DIFFERS");
	assert_finding("L2_MTU_DIFFERS", RELOC_SEV_WARNING, "l2",
	    "web01: bridge xenbr0 has MTU 1500 on hostA but 9000 on hostB");
	ck_assert(!reloc_verdict_blocks(&v));
}
END_TEST

START_TEST(test_l2_no_ip)
{
	vifs[0].ip = NULL;
	run();
	EXPECT("L2_NO_IP");
	assert_finding("L2_NO_IP", RELOC_SEV_WARNING, "l2",
	    "web01: vif 00:16:3e:00:00:01 has no known IP address: only its "
	    "bridge xenbr0 was checked");
	vifs[0].ip = "not-an-ip";
	run();
	EXPECT("L2_NO_IP");
	ck_assert(!reloc_verdict_blocks(&v));
}
END_TEST

START_TEST(test_l2_target_no_subnet)
{
	/* Guest-only bridges often carry no dom0 address. */
	dst_br[0].subnet = NULL;
	run();
	EXPECT("L2_SUBNET_UNKNOWN");
	ck_assert(!reloc_verdict_blocks(&v));
}
END_TEST

/* ---------------------------------------------------------------- storage */

START_TEST(test_storage_missing)
{
	char	path[512];

	snprintf(path, sizeof(path), "%s/nosuch.img", tmp);
	disks[0].path = path;
	run();
	EXPECT("STORAGE_MISSING");
	assert_finding("STORAGE_MISSING", RELOC_SEV_ERROR, "storage",
	    "web01: disk xvda's backing");
	assert_finding("STORAGE_MISSING", RELOC_SEV_ERROR, "storage",
	    "nosuch.img is not visible on hostB (No such file or directory)");
	assert_fix("STORAGE_MISSING", "storage both hosts share");
}
END_TEST

START_TEST(test_storage_prefix)
{
	char	path[512];

	snprintf(path, sizeof(path), "tap:aio:%s", img);
	disks[0].path = path;
	run();
	expect(NULL, 0);
	snprintf(path, sizeof(path), "phy:%s/gone", tmp);
	run();
	EXPECT("STORAGE_MISSING");
	disks[0].path = "rbd:pool/web01";
	run();
	EXPECT("STORAGE_UNCHECKED");
	ck_assert(!reloc_verdict_blocks(&v));
}
END_TEST

START_TEST(test_storage_size)
{
	disks[0].size = 4096;
	run();
	EXPECT("STORAGE_SIZE");
	assert_finding("STORAGE_SIZE", RELOC_SEV_WARNING, "storage",
	    "is 10 bytes on hostB but 4096 bytes on hostA");
	disks[0].size = 0;
	run();
	expect(NULL, 0);
}
END_TEST

/* ---------------------------------------------------------------- devices */

START_TEST(test_media_inserted)
{
	disks[1].path = "/isos/debian.iso";
	dom.nr_disks = 2;
	run();
	/* Media are not storage: the image need not exist on the target. */
	EXPECT("MEDIA_INSERTED");
	assert_finding("MEDIA_INSERTED", RELOC_SEV_ERROR, "media",
	    "web01: removable drive hdc has media inserted (/isos/debian.iso)");
	assert_fix("MEDIA_INSERTED", "xl cd-eject web01 hdc");
}
END_TEST

START_TEST(test_media_empty)
{
	dom.nr_disks = 2;
	run();
	EXPECT("MEDIA_EMPTY_DRIVE");
	assert_finding("MEDIA_EMPTY_DRIVE", RELOC_SEV_WARNING, "media",
	    "empty removable drive hdc is attached");
	disks[1].path = "";
	run();
	EXPECT("MEDIA_EMPTY_DRIVE");
}
END_TEST

START_TEST(test_pci)
{
	dom.nr_passdevs = 1;
	run();
	EXPECT("PCI_PASSTHROUGH");
	assert_finding("PCI_PASSTHROUGH", RELOC_SEV_ERROR, "passthrough",
	    "web01: PCI device 0000:03:00.0 is passed through");
	assert_fix("PCI_PASSTHROUGH", "xl pci-detach web01 0000:03:00.0");
}
END_TEST

START_TEST(test_usb)
{
	dom.passdevs = &pass[1];
	dom.nr_passdevs = 1;
	run();
	EXPECT("USB_NOT_MIGRATABLE");
	assert_finding("USB_NOT_MIGRATABLE", RELOC_SEV_ERROR, "passthrough",
	    "web01: USB device 1-2 is passed through and not marked "
	    "migratable");
	pass[1].migratable = true;
	run();
	expect(NULL, 0);
}
END_TEST

/* ---------------------------------------------------------------- force */

START_TEST(test_force)
{
	const char	*force[] = { "l2", "media" };

	vifs[0].bridge = "xenbr1";
	disks[1].path = "/isos/debian.iso";
	dom.nr_disks = 2;
	dom.nr_passdevs = 1;
	ctx.force = force;
	ctx.nr_force = 2;
	capture_start();
	run();
	EXPECT("L2_BRIDGE_MISSING", "MEDIA_INSERTED", "PCI_PASSTHROUGH");
	ck_assert(find("L2_BRIDGE_MISSING")->forced);
	ck_assert(find("MEDIA_INSERTED")->forced);
	ck_assert(!find("PCI_PASSTHROUGH")->forced);
	ck_assert(reloc_verdict_blocks(&v));
	ck_assert(capture_has("domain web01: check l2 forced by the admin: "
	    "web01: vif 00:16:3e:00:00:01 uses bridge xenbr1"));
	ck_assert_uint_eq(capture_count("forced by the admin"), 2);
	capture_stop();
	dom.nr_passdevs = 0;
	run();
	ck_assert(!reloc_verdict_blocks(&v));
}
END_TEST

START_TEST(test_force_warning_untouched)
{
	const char	*force[] = { "l2" };

	dst_br[0].mtu = 9000;
	ctx.force = force;
	ctx.nr_force = 1;
	run();
	EXPECT("L2_MTU_DIFFERS");
	ck_assert(!find("L2_MTU_DIFFERS")->forced);
}
END_TEST

/* ---------------------------------------------------------------- recheck */

/* The restored copy beside the domains a recheck looks at. */
static struct reloc_domain	here[2];

static void
recheck(size_t nr_here)
{
	here[0] = (struct reloc_domain){ .domid = 9,
	    .name = "web01--incoming", .memory_kb = dom.memory_kb };
	strcpy(here[0].uuid, dom.uuid);
	ctx.dst_doms = here;
	ctx.nr_dst_doms = nr_here;
	ctx.incoming = &here[0];
	reloc_verdict_dispose(&v);
	ck_assert_int_eq(reloc_precheck_recheck(&ctx, &v), 0);
}

START_TEST(test_recheck_table)
{
	const char *const	*n = reloc_precheck_names();
	size_t			 i;

	for (i = 0; n[i] != NULL; i++)
		ck_assert(reloc_precheck_rechecked(n[i]) ==
		    (strcmp(n[i], "name") == 0 || strcmp(n[i], "memory") == 0 ||
		    strcmp(n[i], "l2") == 0 || strcmp(n[i], "storage") == 0));
	ck_assert(!reloc_precheck_rechecked("nosuch"));
	ck_assert_int_eq(reloc_precheck_recheck(&ctx, &v), RELOC_ERR_INVAL);
}
END_TEST

/* Its own restored copy is no clash; a newcomer with the name is. */
START_TEST(test_recheck_name)
{
	recheck(1);
	expect(NULL, 0);
	here[1] = (struct reloc_domain){ .domid = 12, .name = "web01" };
	strcpy(here[1].uuid, "0b0b0b0b-0000-4000-8000-000000000012");
	recheck(2);
	EXPECT("NAME_EXISTS");
	assert_finding("NAME_EXISTS", RELOC_SEV_ERROR, "name",
	    "a domain named web01 already exists on hostB (id 12)");
	here[1].name = "db02";
	strcpy(here[1].uuid, dom.uuid);
	recheck(2);
	EXPECT("UUID_EXISTS");
}
END_TEST

/* The restored copy's memory counts as free: asked as if it were not. */
START_TEST(test_recheck_memory)
{
	dst.free_memory_kb = 200 * 1024;
	recheck(1);
	expect(NULL, 0);
	dst.free_memory_kb = 13 * 1024;
	recheck(1);
	EXPECT("MEMORY_SHORT");
	assert_finding("MEMORY_SHORT", RELOC_SEV_ERROR, "memory",
	    "hostB has 1037 MiB free");
}
END_TEST

/* What cannot change while memory streams is not asked again. */
START_TEST(test_recheck_skips_fixed_facts)
{
	dst.arch = "aarch64";
	vifs[0].bridge = "xenbr1";
	recheck(1);
	EXPECT("L2_BRIDGE_MISSING");
}
END_TEST

/* Forced stays forced; name stays unforcible. */
START_TEST(test_recheck_force)
{
	const char	*force[] = { "memory", "name" };

	ctx.force = force;
	ctx.nr_force = 2;
	dst.free_memory_kb = 0;
	here[1] = (struct reloc_domain){ .domid = 12, .name = "web01" };
	recheck(2);
	EXPECT("MEMORY_SHORT", "NAME_EXISTS");
	ck_assert(find("MEMORY_SHORT")->forced);
	ck_assert(!find("NAME_EXISTS")->forced);
	ck_assert(reloc_verdict_blocks(&v));
}
END_TEST

void
precheck_add_cases(Suite *s)
{
	TCase	*tc;

	tc = tcase_create("l2");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_l2_bridge_missing);
	tcase_add_test(tc, test_l2_subnet_differs);
	tcase_add_test(tc, test_l2_subnet_once_per_bridge);
	tcase_add_test(tc, test_l2_ip_outside);
	tcase_add_test(tc, test_l2_ipv6);
	tcase_add_test(tc, test_l2_mtu);
	tcase_add_test(tc, test_l2_no_ip);
	tcase_add_test(tc, test_l2_target_no_subnet);
	suite_add_tcase(s, tc);

	tc = tcase_create("storage_devices");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_storage_missing);
	tcase_add_test(tc, test_storage_prefix);
	tcase_add_test(tc, test_storage_size);
	tcase_add_test(tc, test_media_inserted);
	tcase_add_test(tc, test_media_empty);
	tcase_add_test(tc, test_pci);
	tcase_add_test(tc, test_usb);
	suite_add_tcase(s, tc);

	tc = tcase_create("force");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_force);
	tcase_add_test(tc, test_force_warning_untouched);
	suite_add_tcase(s, tc);

	tc = tcase_create("recheck");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_recheck_table);
	tcase_add_test(tc, test_recheck_name);
	tcase_add_test(tc, test_recheck_memory);
	tcase_add_test(tc, test_recheck_skips_fixed_facts);
	tcase_add_test(tc, test_recheck_force);
	suite_add_tcase(s, tc);
}
