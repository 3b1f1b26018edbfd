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
 * Check suite for domain.c and domain_sxp.c: names, deep copy and release,
 * the wire form's round trip (with a large binary config blob), strict
 * values with places, and tolerance of fields from newer peers.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "common.h"
#include "reloc.h"

#define UUID	"6e2b1c0a-3f4d-4e5a-9b8c-7d6e5f4a3b2c"

static char *
xstrdup(const char *s)
{
	char	*p = strdup(s);

	ck_assert_ptr_nonnull(p);
	return p;
}

static char **
strv(size_t n, const char *const *s)
{
	char	**v = calloc(n, sizeof(*v));
	size_t	  i;

	ck_assert_ptr_nonnull(v);
	for (i = 0; i < n; i++)
		v[i] = xstrdup(s[i]);
	return v;
}

/* A domain using every field, with a config blob holding every byte. */
static void
make_domain(struct reloc_domain *d, size_t blob_len)
{
	static const char *const feats[] = { "sse4_1", "avx2", "aes" };
	size_t	i;

	memset(d, 0, sizeof(*d));
	d->domid = 4294967295u;
	d->name = xstrdup("web01");
	memcpy(d->uuid, UUID, sizeof(d->uuid));
	d->type = RELOC_DOM_PVH;
	d->state = RELOC_DS_PAUSED;
	d->memory_kb = UINT64_MAX;
	d->vcpus = 8;
	d->nr_vifs = 2;
	d->vifs = calloc(2, sizeof(*d->vifs));
	d->vifs[0].mac = xstrdup("00:16:3e:00:00:01");
	d->vifs[0].bridge = xstrdup("xenbr0");
	d->vifs[0].ip = xstrdup("10.0.0.5");
	d->vifs[1].mac = xstrdup("00:16:3e:00:00:02");
	d->vifs[1].bridge = xstrdup("br (odd) 'name'");
	d->nr_disks = 1;
	d->disks = calloc(1, sizeof(*d->disks));
	d->disks[0].vdev = xstrdup("hdc");
	d->disks[0].removable = true;
	d->disks[0].size = 123456789;
	d->nr_passdevs = 1;
	d->passdevs = calloc(1, sizeof(*d->passdevs));
	d->passdevs[0].kind = xstrdup("usb");
	d->passdevs[0].id = xstrdup("1-2");
	d->passdevs[0].migratable = true;
	d->nr_cpu_features = 3;
	d->cpu_features = strv(3, feats);
	d->config_len = blob_len;
	d->config = malloc(blob_len + 1);
	ck_assert_ptr_nonnull(d->config);
	for (i = 0; i < blob_len; i++)
		d->config[i] = (char)(i * 131 + (i >> 8));
	d->config[blob_len] = '\0';
}

static void
assert_str_eq0(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		ck_assert_ptr_eq(a, b);
	else
		ck_assert_str_eq(a, b);
}

static void
assert_domain_eq(const struct reloc_domain *a, const struct reloc_domain *b)
{
	size_t	i;

	ck_assert_uint_eq(a->domid, b->domid);
	assert_str_eq0(a->name, b->name);
	ck_assert_str_eq(a->uuid, b->uuid);
	ck_assert_int_eq(a->type, b->type);
	ck_assert_int_eq(a->state, b->state);
	ck_assert(a->memory_kb == b->memory_kb);
	ck_assert_uint_eq(a->vcpus, b->vcpus);
	ck_assert_uint_eq(a->nr_vifs, b->nr_vifs);
	for (i = 0; i < a->nr_vifs; i++) {
		assert_str_eq0(a->vifs[i].mac, b->vifs[i].mac);
		assert_str_eq0(a->vifs[i].bridge, b->vifs[i].bridge);
		assert_str_eq0(a->vifs[i].ip, b->vifs[i].ip);
	}
	ck_assert_uint_eq(a->nr_disks, b->nr_disks);
	for (i = 0; i < a->nr_disks; i++) {
		assert_str_eq0(a->disks[i].vdev, b->disks[i].vdev);
		assert_str_eq0(a->disks[i].path, b->disks[i].path);
		ck_assert(a->disks[i].removable == b->disks[i].removable);
		ck_assert(a->disks[i].size == b->disks[i].size);
	}
	ck_assert_uint_eq(a->nr_passdevs, b->nr_passdevs);
	for (i = 0; i < a->nr_passdevs; i++) {
		assert_str_eq0(a->passdevs[i].kind, b->passdevs[i].kind);
		assert_str_eq0(a->passdevs[i].id, b->passdevs[i].id);
		ck_assert(a->passdevs[i].migratable ==
		    b->passdevs[i].migratable);
	}
	ck_assert_uint_eq(a->nr_cpu_features, b->nr_cpu_features);
	for (i = 0; i < a->nr_cpu_features; i++)
		ck_assert_str_eq(a->cpu_features[i], b->cpu_features[i]);
	ck_assert_uint_eq(a->config_len, b->config_len);
	if (a->config == NULL || b->config == NULL)
		ck_assert_ptr_eq(a->config, b->config);
	else
		ck_assert(memcmp(a->config, b->config, a->config_len) == 0);
}

/* to_sxp, write, read, from_sxp: what the peer will see. */
static void
wire(const struct reloc_domain *d, struct reloc_domain *back)
{
	struct reloc_sxp	*sxp = NULL, *root = NULL;
	char			*buf;
	size_t			 len;

	ck_assert_int_eq(reloc_domain_to_sxp(d, &sxp), 0);
	ck_assert_int_eq(reloc_sxp_write(sxp, &buf, &len), 0);
	ck_assert_int_eq(reloc_sxp_read_mem("peer", buf, len, &root), 0);
	ck_assert_int_eq(reloc_domain_from_sxp(reloc_sxp_nth(root, 0), back),
	    0);
	reloc_sxp_free(root);
	reloc_sxp_free(sxp);
	free(buf);
}

/* Parse text as a domain that must be refused. */
static void
domain_bad(const char *text, const char *msg)
{
	struct reloc_sxp	*root = NULL;
	struct reloc_domain	 d;

	memset(&d, 0x5a, sizeof(d));
	ck_assert_int_eq(reloc_sxp_read_mem("peer", text, strlen(text), &root),
	    0);
	capture_start();
	ck_assert_int_eq(reloc_domain_from_sxp(reloc_sxp_nth(root, 0), &d),
	    RELOC_ERR_PROTO);
	if (!capture_has(msg))
		ck_abort_msg("want \"%s\" in:\n%s", msg, capture_text());
	capture_stop();
	/* Written only on success. */
	ck_assert_uint_eq(d.domid, 0x5a5a5a5a);
	reloc_sxp_free(root);
}

/* ---------------------------------------------------------------- names */

START_TEST(test_names)
{
	ck_assert_str_eq(reloc_dom_type_name(RELOC_DOM_PV), "pv");
	ck_assert_str_eq(reloc_dom_type_name(RELOC_DOM_PVH), "pvh");
	ck_assert_str_eq(reloc_dom_type_name(RELOC_DOM_HVM), "hvm");
	ck_assert_str_eq(reloc_dom_type_name((enum reloc_dom_type)7), "?");
	ck_assert_str_eq(reloc_dom_state_name(RELOC_DS_RUNNING), "running");
	ck_assert_str_eq(reloc_dom_state_name(RELOC_DS_PAUSED), "paused");
	ck_assert_str_eq(reloc_dom_state_name(RELOC_DS_SUSPENDED),
	    "suspended");
	ck_assert_str_eq(reloc_dom_state_name(RELOC_DS_SHUTDOWN), "shutdown");
}
END_TEST

/* ---------------------------------------------------------------- copy */

START_TEST(test_uuid_valid)
{
	ck_assert(reloc_domain_uuid_valid(
	    "6f2b1c3e-0a4d-4e5f-8a9b-1c2d3e4f5a6b"));
	ck_assert(reloc_domain_uuid_valid(
	    "6F2B1C3E-0A4D-4E5F-8A9B-1C2D3E4F5A6B"));
	ck_assert(!reloc_domain_uuid_valid(""));
	ck_assert(!reloc_domain_uuid_valid("web01"));
	ck_assert(!reloc_domain_uuid_valid("1"));
	ck_assert(!reloc_domain_uuid_valid(
	    "6f2b1c3e-0a4d-4e5f-8a9b-1c2d3e4f5a6"));
	ck_assert(!reloc_domain_uuid_valid(
	    "6f2b1c3e-0a4d-4e5f-8a9b-1c2d3e4f5a6b0"));
	ck_assert(!reloc_domain_uuid_valid(
	    "6f2b1c3e00a4d-4e5f-8a9b-1c2d3e4f5a6b"));
	ck_assert(!reloc_domain_uuid_valid(
	    "6f2b1c3g-0a4d-4e5f-8a9b-1c2d3e4f5a6b"));
}
END_TEST

START_TEST(test_copy)
{
	struct reloc_domain	d, c;

	make_domain(&d, 1000);
	ck_assert_int_eq(reloc_domain_copy(&d, &c), 0);
	assert_domain_eq(&d, &c);
	ck_assert_ptr_ne(c.name, d.name);
	ck_assert_ptr_ne(c.vifs, d.vifs);
	ck_assert_ptr_ne(c.vifs[0].mac, d.vifs[0].mac);
	ck_assert_ptr_ne(c.cpu_features[0], d.cpu_features[0]);
	ck_assert_ptr_ne(c.config, d.config);
	reloc_domain_dispose(&d);
	/* The copy stands alone once the original is gone. */
	ck_assert_str_eq(c.vifs[1].bridge, "br (odd) 'name'");
	reloc_domain_dispose(&c);
	reloc_domain_dispose(&c);
	ck_assert_ptr_null(c.name);
	ck_assert_uint_eq(c.nr_vifs, 0);
}
END_TEST

START_TEST(test_copy_empty)
{
	struct reloc_domain	d, c;

	memset(&d, 0, sizeof(d));
	d.name = xstrdup("tiny");
	ck_assert_int_eq(reloc_domain_copy(&d, &c), 0);
	assert_domain_eq(&d, &c);
	ck_assert_ptr_null(c.vifs);
	ck_assert_ptr_null(c.config);
	reloc_domain_dispose(&c);
	reloc_domain_dispose(&d);
}
END_TEST

/* ---------------------------------------------------------------- wire */

START_TEST(test_domain_round_trip)
{
	struct reloc_domain	d, back;

	make_domain(&d, 64 * 1024);
	wire(&d, &back);
	assert_domain_eq(&d, &back);
	reloc_domain_dispose(&back);
	reloc_domain_dispose(&d);
}
END_TEST

START_TEST(test_domain_minimal)
{
	struct reloc_domain	d, back;

	memset(&d, 0, sizeof(d));
	d.name = xstrdup("min");
	memcpy(d.uuid, UUID, sizeof(d.uuid));
	d.type = RELOC_DOM_HVM;
	d.state = RELOC_DS_SUSPENDED;
	wire(&d, &back);
	assert_domain_eq(&d, &back);
	ck_assert_ptr_null(back.config);
	ck_assert_ptr_null(back.cpu_features);
	reloc_domain_dispose(&back);
	reloc_domain_dispose(&d);
}
END_TEST

START_TEST(test_domain_form)
{
	struct reloc_domain	 d;
	struct reloc_sxp	*sxp;
	char			*buf;

	memset(&d, 0, sizeof(d));
	d.domid = 7;
	d.name = xstrdup("web01");
	memcpy(d.uuid, UUID, sizeof(d.uuid));
	d.type = RELOC_DOM_PV;
	d.memory_kb = 1048576;
	d.vcpus = 2;
	ck_assert_int_eq(reloc_domain_to_sxp(&d, &sxp), 0);
	ck_assert_int_eq(reloc_sxp_write(sxp, &buf, NULL), 0);
	ck_assert_str_eq(buf, "(domain (domid 7) (name web01) (uuid " UUID ")"
	    " (type pv) (state running) (memory-kb 1048576) (vcpus 2) (vifs)"
	    " (disks) (passthrough) (cpu-features))");
	free(buf);
	reloc_sxp_free(sxp);
	reloc_domain_dispose(&d);
}
END_TEST

/* Fields and records a newer peer may add are skipped. */
START_TEST(test_domain_unknown_fields)
{
	static const char	text[] =
	    "(domain (name web01) (uuid " UUID ") (type hvm)"
	    " (numa (node 0 (cpus 0 1))) future-atom"
	    " (vifs (vif (mac m1) (bridge b) (rate 10)) (vtpm x)"
	    " (vif (mac m2)))"
	    " (cpu-features) (new-thing))";
	struct reloc_sxp	*root = NULL;
	struct reloc_domain	 d;

	ck_assert_int_eq(reloc_sxp_read_mem("peer", text, strlen(text),
	    &root), 0);
	ck_assert_int_eq(reloc_domain_from_sxp(reloc_sxp_nth(root, 0), &d), 0);
	ck_assert_str_eq(d.name, "web01");
	ck_assert_int_eq(d.type, RELOC_DOM_HVM);
	ck_assert_int_eq(d.state, RELOC_DS_RUNNING);
	ck_assert_uint_eq(d.nr_vifs, 2);
	ck_assert_str_eq(d.vifs[1].mac, "m2");
	ck_assert_ptr_null(d.vifs[1].bridge);
	ck_assert_uint_eq(d.nr_cpu_features, 0);
	reloc_domain_dispose(&d);
	reloc_sxp_free(root);
}
END_TEST

START_TEST(test_domain_errors)
{
	domain_bad("(domain (uuid " UUID ") (type pv))",
	    "peer:1:1: name: missing");
	domain_bad("(domain (name a) (type pv))", "peer:1:1: uuid: missing");
	domain_bad("(domain (name a) (uuid " UUID "))",
	    "peer:1:1: type: missing");
	domain_bad("(domain (name a) (uuid " UUID ") (type pv)\n"
	    " (memory-kb 12x))", "peer:2:13: memory-kb: '12x' is not a decimal "
	    "number");
	domain_bad("(domain (name a) (uuid " UUID ") (type pv)\n"
	    " (domid 4294967296))", "peer:2:9: domid: 4294967296 out of range "
	    "0..4294967295");
	domain_bad("(domain (name a) (uuid " UUID ") (type pv)"
	    " (memory-kb 18446744073709551616))", "memory-kb: "
	    "'18446744073709551616' is too large");
	domain_bad("(domain (name a) (uuid 6e2b1c0a-3f4d) (type pv))",
	    "peer:1:24: uuid: not a uuid");
	domain_bad("(domain (name a) (uuid " UUID ") (type xen))",
	    "type: unknown value 'xen'");
	domain_bad("(domain (name a) (uuid " UUID ") (type pv) (state gone))",
	    "state: unknown value 'gone'");
	domain_bad("(domain (name (a)) (uuid " UUID ") (type pv))",
	    "peer:1:15: name: expected an atom, not a list");
	domain_bad("(domain (name a b) (uuid " UUID ") (type pv))",
	    "peer:1:9: name: expected (name VALUE)");
	domain_bad("(domain (name 'a\\0b') (uuid " UUID ") (type pv))",
	    "name: contains a NUL byte");
	domain_bad("(domain (name a) (name b) (uuid " UUID ") (type pv))",
	    "peer:1:18: name: given twice");
	domain_bad("(domain (name a) (uuid " UUID ") (type pv)"
	    " (disks (disk (removable maybe))))", "removable: unknown value "
	    "'maybe'");
	domain_bad("(domain (name a) (uuid " UUID ") (type pv)"
	    " (cpu-features sse (x)))", "cpu-features: expected an atom");
	domain_bad("(dom (name a))", "peer:1:1: domain: expected (domain ...)");
	domain_bad("domain", "domain: expected (domain ...)");
}
END_TEST

/* ---------------------------------------------------------------- host */

static void
make_host(struct reloc_hostinfo *h)
{
	static const char *const feats[] = { "fpu", "sse4_1", "avx512f" };

	memset(h, 0, sizeof(*h));
	h->hostname = xstrdup("hostb.example.org");
	h->hv_version = xstrdup("4.17.5");
	h->hv_major = 4;
	h->hv_minor = 17;
	h->arch = xstrdup("x86_64");
	h->caps = xstrdup("xen-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_64");
	h->cap_pv = true;
	h->cap_hvm = true;
	h->cap_hap = true;
	h->cpu_vendor = xstrdup("GenuineIntel");
	h->nr_cpu_features = 3;
	h->cpu_features = strv(3, feats);
	h->free_memory_kb = 8u << 20;
	h->nr_bridges = 2;
	h->bridges = calloc(2, sizeof(*h->bridges));
	h->bridges[0].name = xstrdup("xenbr0");
	h->bridges[0].subnet = xstrdup("10.0.0.0/24");
	h->bridges[0].mtu = 1500;
	h->bridges[1].name = xstrdup("xenbr1");
	h->bridges[1].mtu = 9000;
}

START_TEST(test_host_round_trip)
{
	struct reloc_hostinfo	 h, back;
	struct reloc_sxp	*sxp = NULL, *root = NULL;
	char			*buf;
	size_t			 len, i;

	make_host(&h);
	ck_assert_int_eq(reloc_hostinfo_to_sxp(&h, &sxp), 0);
	ck_assert_int_eq(reloc_sxp_write(sxp, &buf, &len), 0);
	ck_assert(strstr(buf, "(cap-shadow no)") != NULL);
	ck_assert(strstr(buf, "(bridge (name xenbr0) (subnet 10.0.0.0/24) "
	    "(mtu 1500))") != NULL);
	ck_assert_int_eq(reloc_sxp_read_mem("peer", buf, len, &root), 0);
	ck_assert_int_eq(reloc_hostinfo_from_sxp(reloc_sxp_nth(root, 0),
	    &back), 0);
	ck_assert_str_eq(back.hostname, h.hostname);
	ck_assert_str_eq(back.hv_version, "4.17.5");
	ck_assert_uint_eq(back.hv_major, 4);
	ck_assert_uint_eq(back.hv_minor, 17);
	ck_assert_str_eq(back.caps, h.caps);
	ck_assert(back.cap_pv && back.cap_hvm && back.cap_hap);
	ck_assert(!back.cap_shadow);
	ck_assert_str_eq(back.cpu_vendor, "GenuineIntel");
	ck_assert_uint_eq(back.nr_cpu_features, 3);
	for (i = 0; i < 3; i++)
		ck_assert_str_eq(back.cpu_features[i], h.cpu_features[i]);
	ck_assert(back.free_memory_kb == h.free_memory_kb);
	ck_assert_uint_eq(back.nr_bridges, 2);
	ck_assert_str_eq(back.bridges[0].subnet, "10.0.0.0/24");
	ck_assert_ptr_null(back.bridges[1].subnet);
	ck_assert_uint_eq(back.bridges[1].mtu, 9000);
	reloc_hostinfo_dispose(&back);
	reloc_hostinfo_dispose(&back);
	reloc_hostinfo_dispose(&h);
	reloc_sxp_free(root);
	reloc_sxp_free(sxp);
	free(buf);
}
END_TEST

/* host-uuid is optional: absent when unknown, "" from older peers. */
START_TEST(test_host_uuid)
{
	static const char	old[] = "(host (hostname a))";
	static const char	bad[] = "(host (hostname a) (host-uuid x))";
	struct reloc_hostinfo	 h, back;
	struct reloc_sxp	*sxp = NULL, *root = NULL;
	char			*buf;
	size_t			 len;

	make_host(&h);
	ck_assert_int_eq(reloc_hostinfo_to_sxp(&h, &sxp), 0);
	ck_assert_int_eq(reloc_sxp_write(sxp, &buf, &len), 0);
	ck_assert_ptr_null(strstr(buf, "host-uuid"));
	reloc_sxp_free(sxp);
	free(buf);
	strcpy(h.host_uuid, UUID);
	ck_assert_int_eq(reloc_hostinfo_to_sxp(&h, &sxp), 0);
	ck_assert_int_eq(reloc_sxp_write(sxp, &buf, &len), 0);
	ck_assert_ptr_nonnull(strstr(buf, "(host-uuid " UUID ")"));
	ck_assert_int_eq(reloc_sxp_read_mem("peer", buf, len, &root), 0);
	ck_assert_int_eq(reloc_hostinfo_from_sxp(reloc_sxp_nth(root, 0),
	    &back), 0);
	ck_assert_str_eq(back.host_uuid, UUID);
	reloc_hostinfo_dispose(&back);
	reloc_sxp_free(root);
	ck_assert_int_eq(reloc_sxp_read_mem("peer", old, strlen(old), &root),
	    0);
	ck_assert_int_eq(reloc_hostinfo_from_sxp(reloc_sxp_nth(root, 0),
	    &back), 0);
	ck_assert_str_eq(back.host_uuid, "");
	reloc_hostinfo_dispose(&back);
	reloc_sxp_free(root);
	ck_assert_int_eq(reloc_sxp_read_mem("peer", bad, strlen(bad), &root),
	    0);
	capture_start();
	ck_assert_int_eq(reloc_hostinfo_from_sxp(reloc_sxp_nth(root, 0),
	    &back), RELOC_ERR_PROTO);
	ck_assert(capture_has("host-uuid: not a uuid"));
	capture_stop();
	reloc_sxp_free(root);
	reloc_sxp_free(sxp);
	free(buf);
	reloc_hostinfo_dispose(&h);
}
END_TEST

START_TEST(test_host_errors)
{
	static const char	text[] = "(host (hv-major 4) (bridges (bridge "
				    "(name b) (mtu -1))))";
	struct reloc_sxp	*root = NULL;
	struct reloc_hostinfo	 h;

	ck_assert_int_eq(reloc_sxp_read_mem("peer", text, strlen(text),
	    &root), 0);
	capture_start();
	ck_assert_int_eq(reloc_hostinfo_from_sxp(reloc_sxp_nth(root, 0), &h),
	    RELOC_ERR_PROTO);
	ck_assert(capture_has("peer:1:51: mtu: '-1' is not a decimal number"));
	capture_stop();
	reloc_sxp_free(root);
}
END_TEST

static Suite *
domain_suite(void)
{
	Suite	*s = suite_create("domain");
	TCase	*tc;

	tc = tcase_create("domain");
	tcase_add_checked_fixture(tc, log_silence, NULL);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_uuid_valid);
	tcase_add_test(tc, test_copy);
	tcase_add_test(tc, test_copy_empty);
	tcase_add_test(tc, test_domain_round_trip);
	tcase_add_test(tc, test_domain_minimal);
	tcase_add_test(tc, test_domain_form);
	tcase_add_test(tc, test_domain_unknown_fields);
	tcase_add_test(tc, test_domain_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("host");
	tcase_add_checked_fixture(tc, log_silence, NULL);
	tcase_add_test(tc, test_host_round_trip);
	tcase_add_test(tc, test_host_uuid);
	tcase_add_test(tc, test_host_errors);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(domain_suite());
	int	 failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
