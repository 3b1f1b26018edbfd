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
 * The precheck suite's fixture: a context built by hand (a source hostA,
 * a target hostB, a domain web01 that passes every check until a test
 * breaks one fact) and assertions on the findings.
 */

#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "common.h"
#include "precheck_fixture.h"

char			*tmp;
char			*img;
char			*src_feats[] = { "fpu", "sse2", "sse4_1", "avx2" };
char			*dst_feats[] = { "fpu", "sse2", "sse4_1", "avx2" };
char			*dom_feats[] = { "fpu", "sse2" };
struct reloc_bridge	 src_br[2], dst_br[2];
struct reloc_vif	 vifs[2];
struct reloc_disk	 disks[2];
struct reloc_passdev	 pass[2];
struct reloc_domain	 others[1];
struct reloc_hostinfo	 src, dst;
struct reloc_domain	 dom;
struct reloc_precheck_ctx ctx;
struct reloc_verdict	 v;

static void
host_init(struct reloc_hostinfo *hi, char *name, char **feats,
    struct reloc_bridge *br)
{
	memset(hi, 0, sizeof(*hi));
	hi->hostname = name;
	hi->hv_version = "4.17.0";
	hi->hv_major = 4;
	hi->hv_minor = 17;
	hi->arch = "x86_64";
	hi->caps = "xen-3.0-x86_64 hvm-3.0-x86_64";
	hi->cap_pv = hi->cap_hvm = hi->cap_hap = hi->cap_shadow = true;
	hi->cpu_vendor = "GenuineIntel";
	hi->cpu_features = feats;
	hi->nr_cpu_features = 4;
	hi->free_memory_kb = 16ull * 1024 * 1024;
	br[0] = (struct reloc_bridge){ "xenbr0", "192.0.2.0/24", 1500 };
	br[1] = (struct reloc_bridge){ "xenbr6", "2001:db8:1::/64", 1500 };
	hi->bridges = br;
	hi->nr_bridges = 2;
}

/* A domain that passes every check on hostB. */
void
setup(void)
{
	log_silence();
	tmp = test_tmpdir("precheck");
	img = write_file(tmp, "web01.img", "0123456789");
	host_init(&src, "hostA", src_feats, src_br);
	host_init(&dst, "hostB", dst_feats, dst_br);
	memset(&dom, 0, sizeof(dom));
	dom.name = "web01";
	strcpy(dom.uuid, "6f1e7f64-0d5e-4c5a-9a52-3a0b8e8f0a01");
	dom.type = RELOC_DOM_PVH;
	dom.memory_kb = 1024 * 1024;
	dom.vcpus = 2;
	vifs[0] = (struct reloc_vif){ "00:16:3e:00:00:01", "xenbr0",
	    "192.0.2.10" };
	vifs[1] = (struct reloc_vif){ "00:16:3e:00:00:02", "xenbr6",
	    "2001:db8:1::10" };
	dom.vifs = vifs;
	dom.nr_vifs = 1;
	disks[0] = (struct reloc_disk){ "xvda", img, false, 10 };
	disks[1] = (struct reloc_disk){ "hdc", NULL, true, 0 };
	dom.disks = disks;
	dom.nr_disks = 1;
	pass[0] = (struct reloc_passdev){ "pci", "0000:03:00.0", false };
	pass[1] = (struct reloc_passdev){ "usb", "1-2", false };
	dom.passdevs = pass;
	dom.cpu_features = dom_feats;
	dom.nr_cpu_features = 2;
	memset(&ctx, 0, sizeof(ctx));
	ctx.dom = &dom;
	ctx.live = true;
	ctx.src = &src;
	ctx.dst = &dst;
	ctx.src_family = ctx.dst_family = AF_INET;
	memset(&v, 0, sizeof(v));
}

void
teardown(void)
{
	reloc_verdict_dispose(&v);
	rm_rf(tmp);
	free(tmp);
	free(img);
}

void
run(void)
{
	reloc_verdict_dispose(&v);
	ck_assert_int_eq(reloc_precheck_run(&ctx, &v), 0);
}

const struct reloc_finding *
find(const char *code)
{
	size_t	 i;

	for (i = 0; i < v.nr_findings; i++)
		if (strcmp(v.findings[i].code, code) == 0)
			return &v.findings[i];
	return NULL;
}

size_t
count(const char *code)
{
	size_t	 i, n = 0;

	for (i = 0; i < v.nr_findings; i++)
		if (strcmp(v.findings[i].code, code) == 0)
			n++;
	return n;
}

/* Exactly these findings (codes, in any order), and nothing else. */
void
expect(const char *const *codes, size_t n)
{
	size_t	 i;

	for (i = 0; v.nr_findings != n && i < v.nr_findings; i++)
		fprintf(stderr, "  finding %s: %s\n", v.findings[i].code,
		    v.findings[i].message);
	ck_assert_uint_eq(v.nr_findings, n);
	for (i = 0; i < n; i++)
		ck_assert_msg(find(codes[i]) != NULL, "no %s", codes[i]);
}


/* The finding code, of severity sev, whose message holds text. */
void
assert_finding(const char *code, enum reloc_severity sev, const char *check,
    const char *text)
{
	const struct reloc_finding	*f = find(code);

	ck_assert_msg(f != NULL, "no %s", code);
	ck_assert_int_eq(f->severity, sev);
	ck_assert_str_eq(f->check, check);
	ck_assert_msg(strstr(f->message, text) != NULL, "%s: '%s' lacks '%s'",
	    code, f->message, text);
	ck_assert_msg(sev == RELOC_SEV_WARNING || *f->fix != '\0',
	    "%s has no fix", code);
	ck_assert(!f->forced);
}

void
assert_fix(const char *code, const char *text)
{
	const struct reloc_finding	*f = find(code);

	ck_assert_msg(f != NULL, "no %s", code);
	ck_assert_msg(strstr(f->fix, text) != NULL, "%s: fix '%s' lacks '%s'",
	    code, f->fix, text);
}
