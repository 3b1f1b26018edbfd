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
 * Check suite for the prechecks: the table, the lead's checks (name,
 * memory, version, family), arch and cpu here; l2, storage, devices and
 * --force in precheck_cases.c.  Contexts are built by hand.
 */

#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "common.h"
#include "precheck_fixture.h"

/* ---------------------------------------------------------------- baseline */

START_TEST(test_clean)
{
	dom.nr_vifs = 2;
	run();
	expect(NULL, 0);
	ck_assert(!reloc_verdict_blocks(&v));
}
END_TEST

START_TEST(test_names)
{
	const char *const	*n = reloc_precheck_names();
	const char		*want[] = { "name", "memory", "version",
				    "family", "arch", "cpu", "l2", "storage",
				    "media", "passthrough" };
	size_t			 i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		ck_assert_ptr_nonnull(n[i]);
		ck_assert_str_eq(n[i], want[i]);
		ck_assert(reloc_precheck_forcible(want[i]) == (i != 0));
	}
	ck_assert_ptr_null(n[i]);
	ck_assert(!reloc_precheck_forcible("nosuch"));
}
END_TEST

/* ---------------------------------------------------------------- lead's */

START_TEST(test_name_exists)
{
	others[0] = (struct reloc_domain){ .domid = 7, .name = "web01" };
	ctx.dst_doms = others;
	ctx.nr_dst_doms = 1;
	run();
	EXPECT("NAME_EXISTS");
	assert_finding("NAME_EXISTS", RELOC_SEV_ERROR, "name",
	    "a domain named web01 already exists on hostB (id 7)");
	others[0].name = "web01--incoming";
	run();
	EXPECT("NAME_EXISTS");
	others[0].name = "web011";
	run();
	expect(NULL, 0);
}
END_TEST

START_TEST(test_uuid_exists)
{
	others[0] = (struct reloc_domain){ .domid = 9, .name = "other" };
	strcpy(others[0].uuid, dom.uuid);
	ctx.dst_doms = others;
	ctx.nr_dst_doms = 1;
	run();
	EXPECT("UUID_EXISTS");
	assert_finding("UUID_EXISTS", RELOC_SEV_ERROR, "name", dom.uuid);
}
END_TEST

/*
 * To the same host: the moving domain (same uuid and id) is no clash,
 * any other domain is, and every check that compares hosts passes.
 */
START_TEST(test_same_host)
{
	struct reloc_domain	 here[3];

	ctx.src = ctx.dst = &dst;
	ctx.same_host = true;
	dom.domid = 5;
	here[0] = dom;
	ctx.dst_doms = here;
	ctx.nr_dst_doms = 1;
	run();
	expect(NULL, 0);
	/* The same uuid under another id: a leftover copy, still refused. */
	here[1] = (struct reloc_domain){ .domid = 6,
	    .name = "web01--incoming" };
	strcpy(here[1].uuid, dom.uuid);
	/* Another domain with the name (e.g. a stale one): refused. */
	here[2] = (struct reloc_domain){ .domid = 5, .name = "web01" };
	strcpy(here[2].uuid, "00000000-0000-4000-8000-000000000001");
	ctx.nr_dst_doms = 3;
	run();
	EXPECT("NAME_EXISTS", "UUID_EXISTS", "NAME_EXISTS");
	ck_assert_uint_eq(count("NAME_EXISTS"), 2);
	assert_finding("UUID_EXISTS", RELOC_SEV_ERROR, "name",
	    "(web01--incoming)");
	/* Between two hosts the same domain there is refused as before. */
	ctx.same_host = false;
	ctx.nr_dst_doms = 1;
	run();
	EXPECT("NAME_EXISTS", "UUID_EXISTS");
}
END_TEST

/* To the same host both copies exist until the end: room for two. */
START_TEST(test_same_host_memory)
{
	ctx.same_host = true;
	dst.free_memory_kb = 1037 * 1024;
	run();
	EXPECT("MEMORY_SHORT");
	assert_finding("MEMORY_SHORT", RELOC_SEV_ERROR, "memory",
	    "migrating web01 to the same host needs room for a second copy "
	    "while it moves: 1038 MiB (1024 MiB memory + 14 MiB overhead), "
	    "hostB has 1037 MiB free");
	assert_fix("MEMORY_SHORT", "migrate to another host");
}
END_TEST

START_TEST(test_name_not_forcible)
{
	const char	*force[] = { "name" };

	others[0] = (struct reloc_domain){ .domid = 7, .name = "web01" };
	ctx.dst_doms = others;
	ctx.nr_dst_doms = 1;
	ctx.force = force;
	ctx.nr_force = 1;
	run();
	EXPECT("NAME_EXISTS");
	ck_assert(!find("NAME_EXISTS")->forced);
	ck_assert(reloc_verdict_blocks(&v));
}
END_TEST

START_TEST(test_memory_short)
{
	/* 1 GiB + 4 MiB + 2 MiB (vcpus) + 8 MiB (p2m) = 1038 MiB needed */
	dst.free_memory_kb = 1037 * 1024;
	run();
	EXPECT("MEMORY_SHORT");
	assert_finding("MEMORY_SHORT", RELOC_SEV_ERROR, "memory",
	    "web01 needs 1038 MiB (1024 MiB memory + 14 MiB overhead), hostB "
	    "has 1037 MiB free");
	dst.free_memory_kb = 1038 * 1024;
	run();
	EXPECT("MEMORY_TIGHT");
}
END_TEST

START_TEST(test_memory_tight)
{
	dst.free_memory_kb = 1100 * 1024;
	run();
	EXPECT("MEMORY_TIGHT");
	assert_finding("MEMORY_TIGHT", RELOC_SEV_WARNING, "memory",
	    "less than 10% of free memory on hostB");
	ck_assert(!reloc_verdict_blocks(&v));
	dst.free_memory_kb = 1200 * 1024;
	run();
	expect(NULL, 0);
}
END_TEST

START_TEST(test_version)
{
	dst.hv_minor = 16;
	run();
	EXPECT("VERSION_OLDER");
	assert_finding("VERSION_OLDER", RELOC_SEV_ERROR, "version",
	    "the target hostB runs Xen 4.16, older than the source's 4.17");
	dst.hv_major = 5;
	dst.hv_minor = 0;
	run();
	EXPECT("VERSION_MAJOR");
	assert_finding("VERSION_MAJOR", RELOC_SEV_ERROR, "version",
	    "major versions differ");
	dst.hv_major = 4;
	dst.hv_minor = 19;
	run();
	EXPECT("VERSION_SKIP");
	assert_finding("VERSION_SKIP", RELOC_SEV_ERROR, "version",
	    "Xen 4.17 to 4.19 skips more than one minor version");
	dst.hv_minor = 18;
	run();
	EXPECT("VERSION_MINOR");
	assert_finding("VERSION_MINOR", RELOC_SEV_WARNING, "version",
	    "Xen 4.17 to 4.18");
	ck_assert(!reloc_verdict_blocks(&v));
}
END_TEST

START_TEST(test_family)
{
	ctx.dst_family = AF_INET6;
	run();
	EXPECT("FAMILY_MISMATCH");
	assert_finding("FAMILY_MISMATCH", RELOC_SEV_ERROR, "family",
	    "the source relocates over IPv4, the target over IPv6");
	ctx.src_family = 0;
	run();
	expect(NULL, 0);
}
END_TEST

/* ---------------------------------------------------------------- arch */

START_TEST(test_arch_differs)
{
	dst.arch = "aarch64";
	run();
	EXPECT("ARCH_DIFFERS");
	assert_finding("ARCH_DIFFERS", RELOC_SEV_ERROR, "arch",
	    "the source hostA is x86_64, the target hostB is aarch64");
}
END_TEST

START_TEST(test_arch_type)
{
	dom.type = RELOC_DOM_PV;
	dst.cap_pv = false;
	run();
	EXPECT("ARCH_TYPE");
	assert_finding("ARCH_TYPE", RELOC_SEV_ERROR, "arch",
	    "web01 is a PV domain, but Xen on hostB cannot run PV guests");
	dom.type = RELOC_DOM_PVH;
	run();
	expect(NULL, 0);
	dst.cap_hvm = false;
	run();
	EXPECT("ARCH_TYPE");
	assert_finding("ARCH_TYPE", RELOC_SEV_ERROR, "arch",
	    "web01 is a PVH domain, but Xen on hostB has no hardware "
	    "virtualization");
}
END_TEST

START_TEST(test_arch_virt_family)
{
	dom.type = RELOC_DOM_HVM;
	dst.cpu_vendor = "AuthenticAMD";
	run();
	/* The cpu check reports the vendor too: two forcible checks. */
	EXPECT("ARCH_VIRT_FAMILY", "CPU_VENDOR");
	assert_finding("ARCH_VIRT_FAMILY", RELOC_SEV_ERROR, "arch",
	    "web01 is an HVM domain running under VT-x on hostA; hostB only "
	    "has SVM");
	/* PVH state carries no VMCS/VMCB: only the vendor finding. */
	dom.type = RELOC_DOM_PVH;
	run();
	EXPECT("CPU_VENDOR");
	/* Same family, other vendor. */
	dom.type = RELOC_DOM_HVM;
	src.cpu_vendor = "HygonGenuine";
	run();
	EXPECT("CPU_VENDOR");
}
END_TEST

START_TEST(test_arch_logdirty)
{
	dom.type = RELOC_DOM_PV;
	dst.cap_shadow = false;
	run();
	EXPECT("ARCH_LOGDIRTY");
	assert_finding("ARCH_LOGDIRTY", RELOC_SEV_ERROR, "arch",
	    "live migration of a PV domain needs log-dirty mode, and Xen on "
	    "the target hostB lacks shadow paging");
	assert_fix("ARCH_LOGDIRTY", "migrate without -l");
	/* Not live: no log-dirty needed. */
	ctx.live = false;
	run();
	expect(NULL, 0);
	/* HAP is enough for PVH and HVM. */
	ctx.live = true;
	dom.type = RELOC_DOM_PVH;
	run();
	expect(NULL, 0);
	dst.cap_hap = false;
	run();
	assert_finding("ARCH_LOGDIRTY", RELOC_SEV_ERROR, "arch",
	    "lacks HAP or shadow paging");
}
END_TEST

START_TEST(test_arch_logdirty_source)
{
	dom.type = RELOC_DOM_PV;
	src.cap_shadow = false;
	run();
	EXPECT("ARCH_LOGDIRTY");
	assert_finding("ARCH_LOGDIRTY", RELOC_SEV_ERROR, "arch",
	    "Xen on the source hostA lacks shadow paging");
}
END_TEST

/* ---------------------------------------------------------------- cpu */

START_TEST(test_cpu_vendor)
{
	dst.cpu_vendor = "AuthenticAMD";
	run();
	EXPECT("CPU_VENDOR");
	assert_finding("CPU_VENDOR", RELOC_SEV_ERROR, "cpu",
	    "web01: the source hostA has GenuineIntel CPUs, the target hostB "
	    "has AuthenticAMD");
}
END_TEST

START_TEST(test_cpu_features_missing)
{
	char	*want[] = { "avx2", "fpu", "sse4_1" };
	char	*have[] = { "fpu", "sse2" };

	dom.cpu_features = want;
	dom.nr_cpu_features = 3;
	dst.cpu_features = have;
	dst.nr_cpu_features = 2;
	run();
	EXPECT("CPU_FEATURES_MISSING");
	/* Named, in Xen's featureset order. */
	assert_finding("CPU_FEATURES_MISSING", RELOC_SEV_ERROR, "cpu",
	    "web01 runs with 2 CPU features that hostB lacks: sse4_1 avx2");
	ck_assert(reloc_verdict_blocks(&v));
}
END_TEST

START_TEST(test_cpu_features_unknown_last)
{
	char	*want[] = { "zz_custom", "avx2", "aa_custom" };

	dom.cpu_features = want;
	dom.nr_cpu_features = 3;
	run();
	assert_finding("CPU_FEATURES_MISSING", RELOC_SEV_ERROR, "cpu",
	    "2 CPU features that hostB lacks: aa_custom zz_custom");
}
END_TEST

START_TEST(test_cpu_extra_debug_only)
{
	capture_start();
	run();
	expect(NULL, 0);
	ck_assert(capture_has("debug: precheck: web01: hostB has 2 CPU "
	    "features the domain does not use"));
	capture_stop();
}
END_TEST

/*
 * 22,000 vifs on a missing bridge make a verdict the wire still carries:
 * RELOC_VERDICT_PER_KIND findings, then one that counts the rest; other
 * kinds keep their own; the errors still block.
 */
START_TEST(test_verdict_coalesced)
{
	struct reloc_verdict	 vd = { NULL, 0 };
	struct reloc_sxp	*sx = NULL;
	uint8_t			*buf = NULL;
	size_t			 len, i;

	for (i = 0; i < 22000; i++)
		ck_assert_int_eq(reloc_verdict_add(&vd, RELOC_SEV_WARNING,
		    "net", "l2-bridge-missing", "create the bridge", "vif "
		    "00:16:3e:00:%02zx:%02zx uses bridge xenbr%zu, missing",
		    i / 256, i % 256, i), 0);
	ck_assert_int_eq(reloc_verdict_add(&vd, RELOC_SEV_ERROR, "mem",
	    "memory-short", NULL, "short by %d MiB", 12), 0);
	ck_assert_uint_eq(vd.nr_findings, RELOC_VERDICT_PER_KIND + 2);
	ck_assert_str_eq(vd.findings[RELOC_VERDICT_PER_KIND].message,
	    "and 21995 more like the above, not listed");
	ck_assert_str_eq(vd.findings[RELOC_VERDICT_PER_KIND].check, "net");
	ck_assert_str_eq(vd.findings[RELOC_VERDICT_PER_KIND + 1].check, "mem");
	ck_assert(reloc_verdict_blocks(&vd));
	ck_assert_int_eq(reloc_verdict_to_sxp(&vd, &sx), 0);
	ck_assert_int_eq(reloc_sxp_write(sx, (char **)&buf, &len), 0);
	ck_assert_uint_lt(len, 4096);
	free(buf);
	reloc_sxp_free(sx);
	reloc_verdict_dispose(&vd);
}
END_TEST

static Suite *
precheck_suite(void)
{
	Suite	*s = suite_create("precheck");
	TCase	*tc;

	tc = tcase_create("table");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_clean);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("lead");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_name_exists);
	tcase_add_test(tc, test_uuid_exists);
	tcase_add_test(tc, test_same_host);
	tcase_add_test(tc, test_same_host_memory);
	tcase_add_test(tc, test_name_not_forcible);
	tcase_add_test(tc, test_memory_short);
	tcase_add_test(tc, test_memory_tight);
	tcase_add_test(tc, test_version);
	tcase_add_test(tc, test_family);
	suite_add_tcase(s, tc);

	tc = tcase_create("arch_cpu");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_arch_differs);
	tcase_add_test(tc, test_arch_type);
	tcase_add_test(tc, test_arch_virt_family);
	tcase_add_test(tc, test_arch_logdirty);
	tcase_add_test(tc, test_arch_logdirty_source);
	tcase_add_test(tc, test_cpu_vendor);
	tcase_add_test(tc, test_cpu_features_missing);
	tcase_add_test(tc, test_cpu_features_unknown_last);
	tcase_add_test(tc, test_cpu_extra_debug_only);
	suite_add_tcase(s, tc);

	tc = tcase_create("verdict");
	tcase_add_test(tc, test_verdict_coalesced);
	suite_add_tcase(s, tc);

	precheck_add_cases(s);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(precheck_suite());
	int	 failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
