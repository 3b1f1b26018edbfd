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
 * Check suite for hv_libxl_facts.c and cpufeatures-gen.sh, the libxl
 * backend's host facts: decoded from `xl info` and /proc/cpuinfo recorded
 * on Intel and AMD Xen hosts, libxc's progress lines, bridges in a fake
 * sysfs, the host uuid.  No Xen needed.
 */

#include "config.h"

#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "check_hv_libxl.h"
#include "common.h"
#include "reloc-int.h"

#define MAX_WORDS	8

/* The fields of a recorded `xl info`, as libxl gave them to xl. */
struct xlinfo {
	char		 caps[256];
	char		 virt[256];
	char		 extra[32];
	int		 major, minor;
	uint32_t	 words[MAX_WORDS];
	size_t		 nr_words;
	uint64_t	 free_mb;
};

char *
libxl_slurp_data(const char *name)
{
	FILE	*f;
	char	*buf;
	long	 n;

	f = fopen(test_data_path(name), "r");
	ck_assert_msg(f != NULL, "cannot open %s", test_data_path(name));
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

static void
xlinfo_line(struct xlinfo *xi, const char *key, const char *val)
{
	char	*end;
	const char *p;

	if (strcmp(key, "xen_caps") == 0)
		snprintf(xi->caps, sizeof(xi->caps), "%s", val);
	else if (strcmp(key, "virt_caps") == 0)
		snprintf(xi->virt, sizeof(xi->virt), " %s ", val);
	else if (strcmp(key, "xen_extra") == 0)
		snprintf(xi->extra, sizeof(xi->extra), "%s", val);
	else if (strcmp(key, "xen_major") == 0)
		xi->major = atoi(val);
	else if (strcmp(key, "xen_minor") == 0)
		xi->minor = atoi(val);
	else if (strcmp(key, "free_memory") == 0)
		xi->free_mb = strtoull(val, NULL, 10);
	else if (strcmp(key, "hw_caps") == 0) {
		for (p = val; xi->nr_words < MAX_WORDS && *p != '\0';
		    p = *end == ':' ? end + 1 : end) {
			xi->words[xi->nr_words++] =
			    (uint32_t)strtoul(p, &end, 16);
			ck_assert_ptr_ne(end, p);
		}
	}
}

static void
xlinfo_load(const char *name, struct xlinfo *xi)
{
	char	*text = libxl_slurp_data(name), *line, *save = NULL, *colon, *v;
	size_t	 k;

	memset(xi, 0, sizeof(*xi));
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if ((colon = strchr(line, ':')) == NULL)
			continue;
		for (k = (size_t)(colon - line); k > 0 && line[k - 1] == ' ';)
			k--;
		line[k] = '\0';
		v = colon + 1 + strspn(colon + 1, " ");
		xlinfo_line(xi, line, v);
	}
	free(text);
	ck_assert_uint_eq(xi->nr_words, MAX_WORDS);
}

static bool
has_cap(const struct xlinfo *xi, const char *cap)
{
	char	 word[64];

	snprintf(word, sizeof(word), " %s ", cap);
	return strstr(xi->virt, word) != NULL;
}

static bool
has_name(char **names, size_t n, const char *name)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

/* Fill a hostinfo from recorded xl info and cpuinfo, as hv_libxl does. */
static void
host_from(const char *host, struct reloc_hostinfo *hi)
{
	struct reloc__xen_raw	 raw;
	struct xlinfo		 xi;
	char			 name[128], *cpuinfo;

	snprintf(name, sizeof(name), "libxl/%s-xl-info.txt", host);
	xlinfo_load(name, &xi);
	snprintf(name, sizeof(name), "libxl/%s-cpuinfo.txt", host);
	cpuinfo = libxl_slurp_data(name);
	memset(&raw, 0, sizeof(raw));
	raw.hostname = host;
	raw.major = xi.major;
	raw.minor = xi.minor;
	raw.extra = xi.extra;
	raw.caps = xi.caps;
	raw.featureset = xi.words;
	raw.nr_featureset = xi.nr_words;
	raw.free_kb = xi.free_mb * 1024;
	raw.cap_pv = has_cap(&xi, "pv");
	raw.cap_hvm = has_cap(&xi, "hvm");
	raw.cap_hap = has_cap(&xi, "hap");
	raw.cap_shadow = has_cap(&xi, "shadow");
	raw.cpuinfo = cpuinfo;
	memset(hi, 0, sizeof(*hi));
	ck_assert_int_eq(reloc__xenfacts_fill(&raw, hi), 0);
	free(cpuinfo);
}

static void
setup(void)
{
	log_silence();
}

START_TEST(test_feature_names)
{
	unsigned	 w, b;

	ck_assert_str_eq(reloc__xenfacts_feature_name(0, 0), "fpu");
	ck_assert_str_eq(reloc__xenfacts_feature_name(1, 19), "sse4_1");
	ck_assert_str_eq(reloc__xenfacts_feature_name(5, 5), "avx2");
	ck_assert_str_eq(reloc__xenfacts_feature_name(3, 2), "svm");
	/* Bit 10 of word 1 is reserved; bits past 31 do not exist. */
	ck_assert_ptr_null(reloc__xenfacts_feature_name(1, 10));
	ck_assert_ptr_null(reloc__xenfacts_feature_name(0, 32));
	ck_assert_int_eq(reloc__xenfacts_feature_lookup("3dnow", &w, &b), 0);
	ck_assert_uint_eq(w, 2);
	ck_assert_uint_eq(b, 31);
	/* Written 16*32+62 in Xen's header: word 17, bit 30. */
	ck_assert_int_eq(reloc__xenfacts_feature_lookup("its_no", &w, &b), 0);
	ck_assert_uint_eq(w, 17);
	ck_assert_uint_eq(b, 30);
	ck_assert_int_eq(reloc__xenfacts_feature_lookup("SSE2", &w, &b),
	    RELOC_ERR_NOENT);
}
END_TEST

START_TEST(test_features_all_bits)
{
	uint32_t	 words[24];
	char		**names;
	size_t		 n, i;
	unsigned	 w, b, prev = 0;

	memset(words, 0xff, sizeof(words));
	ck_assert_int_eq(reloc__xenfacts_features(words, 24, &names, &n), 0);
	ck_assert_uint_gt(n, 200);
	ck_assert_str_eq(names[0], "fpu");
	/* Bit order, each name once. */
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(reloc__xenfacts_feature_lookup(names[i], &w,
		    &b), 0);
		ck_assert(i == 0 || w * 32 + b > prev);
		prev = w * 32 + b;
		free(names[i]);
	}
	free(names);
	ck_assert_int_eq(reloc__xenfacts_features(words, 0, &names, &n), 0);
	ck_assert_uint_eq(n, 0);
	free(names);
}
END_TEST

START_TEST(test_intel_host)
{
	struct reloc_hostinfo	 hi;
	char			**f;
	size_t			 n;

	host_from("intel-broadwell", &hi);
	ck_assert_str_eq(hi.hostname, "intel-broadwell");
	ck_assert_str_eq(hi.hv_version, "4.17.3");
	ck_assert_uint_eq(hi.hv_major, 4);
	ck_assert_uint_eq(hi.hv_minor, 17);
	ck_assert_str_eq(hi.arch, "x86_64");
	ck_assert_str_eq(hi.caps, "xen-3.0-x86_64 hvm-3.0-x86_32 "
	    "hvm-3.0-x86_32p hvm-3.0-x86_64");
	ck_assert(hi.cap_pv && hi.cap_hvm && hi.cap_hap && hi.cap_shadow);
	ck_assert_str_eq(hi.cpu_vendor, "GenuineIntel");
	ck_assert_uint_eq(hi.free_memory_kb, 98412ull * 1024);
	f = hi.cpu_features;
	n = hi.nr_cpu_features;
	ck_assert(has_name(f, n, "sse4_1") && has_name(f, n, "sse4_2"));
	ck_assert(has_name(f, n, "avx2") && has_name(f, n, "aesni"));
	ck_assert(has_name(f, n, "vmx") && has_name(f, n, "rtm"));
	ck_assert(has_name(f, n, "itsc") && has_name(f, n, "xsaveopt"));
	/* Broadwell has no AVX-512; Xen hides osxsave from its featureset. */
	ck_assert(!has_name(f, n, "avx512f") && !has_name(f, n, "osxsave"));
	ck_assert(!has_name(f, n, "svm") && !has_name(f, n, "sse4a"));
	reloc_hostinfo_dispose(&hi);
}
END_TEST

START_TEST(test_amd_host)
{
	struct reloc_hostinfo	 hi;
	char			**f;
	size_t			 n;

	host_from("amd-epyc", &hi);
	ck_assert_str_eq(hi.hv_version, "4.17.5");
	ck_assert_str_eq(hi.cpu_vendor, "AuthenticAMD");
	ck_assert(hi.cap_hap && !hi.cap_shadow);
	f = hi.cpu_features;
	n = hi.nr_cpu_features;
	ck_assert(has_name(f, n, "svm") && has_name(f, n, "sse4a"));
	ck_assert(has_name(f, n, "avx2") && has_name(f, n, "sha"));
	ck_assert(has_name(f, n, "clwb") && has_name(f, n, "rdpid"));
	ck_assert(!has_name(f, n, "vmx") && !has_name(f, n, "rtm"));
	ck_assert(!has_name(f, n, "avx512f"));
	reloc_hostinfo_dispose(&hi);
}
END_TEST

/* What the CPU precheck will see: features of one host the other lacks. */
START_TEST(test_intel_vs_amd)
{
	struct reloc_hostinfo	 in, am;
	size_t			 i, missing = 0;

	host_from("intel-broadwell", &in);
	host_from("amd-epyc", &am);
	for (i = 0; i < in.nr_cpu_features; i++)
		if (!has_name(am.cpu_features, am.nr_cpu_features,
		    in.cpu_features[i]))
			missing++;
	ck_assert(!has_name(am.cpu_features, am.nr_cpu_features, "hle"));
	ck_assert(!has_name(am.cpu_features, am.nr_cpu_features, "invpcid"));
	ck_assert_uint_ge(missing, 10);
	reloc_hostinfo_dispose(&in);
	reloc_hostinfo_dispose(&am);
}
END_TEST

START_TEST(test_arch)
{
	char	*a;

	ck_assert_int_eq(reloc__xenfacts_arch("xen-3.0-aarch64 xen-3.0-armv7l",
	    &a), 0);
	ck_assert_str_eq(a, "aarch64");
	free(a);
	/* A Xen built without PV support lists only HVM guests. */
	ck_assert_int_eq(reloc__xenfacts_arch("hvm-3.0-x86_32 hvm-3.0-x86_32p "
	    "hvm-3.0-x86_64", &a), 0);
	ck_assert_str_eq(a, "x86_64");
	free(a);
	/* x86_32p is the PAE flavour of x86_32, not an arch. */
	ck_assert_int_eq(reloc__xenfacts_arch("hvm-3.0-x86_32 hvm-3.0-x86_32p",
	    &a), 0);
	ck_assert_str_eq(a, "x86_32");
	free(a);
	ck_assert_int_eq(reloc__xenfacts_arch("", &a), RELOC_ERR_NOENT);
	ck_assert_int_eq(reloc__xenfacts_arch("xen-3.0-", &a),
	    RELOC_ERR_NOENT);
}
END_TEST

START_TEST(test_version_and_vendor)
{
	struct reloc__xen_raw	 raw;
	struct reloc_hostinfo	 hi;
	char			*v;

	memset(&raw, 0, sizeof(raw));
	memset(&hi, 0, sizeof(hi));
	raw.major = 4;
	raw.minor = 19;
	raw.extra = "-rc";
	raw.caps = "garbage";
	capture_start();
	ck_assert_int_eq(reloc__xenfacts_fill(&raw, &hi), 0);
	ck_assert(capture_has("no guest arch"));
	capture_stop();
	ck_assert_str_eq(hi.hv_version, "4.19-rc");
	ck_assert_str_eq(hi.arch, "unknown");
	ck_assert_str_eq(hi.cpu_vendor, "unknown");
	ck_assert_uint_eq(hi.nr_cpu_features, 0);
	reloc_hostinfo_dispose(&hi);
	ck_assert_int_eq(reloc__xenfacts_cpu_vendor("processor\t: 0\n"
	    "vendor_id\t:  HygonGenuine  \nflags\t: fpu\n", &v), 0);
	ck_assert_str_eq(v, "HygonGenuine");
	free(v);
	ck_assert_int_eq(reloc__xenfacts_cpu_vendor("CPU implementer : 0x41\n",
	    &v), RELOC_ERR_NOENT);
	raw.major = -1;
	ck_assert_int_eq(reloc__xenfacts_fill(&raw, &hi), RELOC_ERR_INVAL);
	reloc_hostinfo_dispose(&hi);
}
END_TEST

/* The host uuid: a machine id or a uuid, in a file or not at all. */
START_TEST(test_host_uuid)
{
	char	 u[37], *dir, *f;

	ck_assert_int_eq(reloc__hostid_parse(
	    "0123456789ABCDEF0123456789abcdef\n", u), 0);
	ck_assert_str_eq(u, "01234567-89ab-cdef-0123-456789abcdef");
	ck_assert_int_eq(reloc__hostid_parse(
	    "6E2B1C0A-3F4D-4E5A-9B8C-7D6E5F4A3B2C", u), 0);
	ck_assert_str_eq(u, "6e2b1c0a-3f4d-4e5a-9b8c-7d6e5f4a3b2c");
	ck_assert_int_eq(reloc__hostid_parse("0123456789abcdef", u),
	    RELOC_ERR_INVAL);
	ck_assert_int_eq(reloc__hostid_parse(
	    "0123456789abcdef0123456789abcdefa", u), RELOC_ERR_INVAL);
	ck_assert_int_eq(reloc__hostid_parse(
	    "0123-456789abcdef0123456789abcdef", u), RELOC_ERR_INVAL);
	ck_assert_int_eq(reloc__hostid_parse(
	    "00000000-0000-0000-0000-000000000000", u), RELOC_ERR_INVAL);
	ck_assert_int_eq(reloc__hostid_parse(
	    "ffffffffffffffffffffffffffffffff", u), RELOC_ERR_INVAL);
	dir = test_tmpdir("hostid");
	f = write_file(dir, "machine-id", "c0ffee00c0ffee00c0ffee00c0ffee00\n");
	ck_assert_int_eq(reloc__hostid_read(f, u), 0);
	ck_assert_str_eq(u, "c0ffee00-c0ff-ee00-c0ff-ee00c0ffee00");
	free(f);
	f = write_file(dir, "empty", "");
	ck_assert_int_eq(reloc__hostid_read(f, u), RELOC_ERR_INVAL);
	free(f);
	ck_assert_int_eq(reloc__hostid_read("/nonexistent/machine-id", u),
	    RELOC_ERR_NOENT);
	ck_assert_int_eq(reloc__uuid_new(u), 0);
	ck_assert_int_eq(reloc__hostid_parse(u, u), 0);
	ck_assert_uint_eq(strlen(u), 36);
	rm_rf(dir);
	free(dir);
}
END_TEST

START_TEST(test_subnet)
{
	struct sockaddr_in	 a4, m4;
	struct sockaddr_in6	 a6, m6;
	char			*s;

	memset(&a4, 0, sizeof(a4));
	memset(&m4, 0, sizeof(m4));
	a4.sin_family = m4.sin_family = AF_INET;
	inet_pton(AF_INET, "192.0.2.77", &a4.sin_addr);
	inet_pton(AF_INET, "255.255.255.0", &m4.sin_addr);
	ck_assert_int_eq(reloc__xenfacts_subnet((struct sockaddr *)&a4,
	    (struct sockaddr *)&m4, &s), 0);
	ck_assert_str_eq(s, "192.0.2.0/24");
	free(s);
	inet_pton(AF_INET, "255.255.240.0", &m4.sin_addr);
	ck_assert_int_eq(reloc__xenfacts_subnet((struct sockaddr *)&a4,
	    (struct sockaddr *)&m4, &s), 0);
	ck_assert_str_eq(s, "192.0.0.0/20");
	free(s);
	memset(&a6, 0, sizeof(a6));
	memset(&m6, 0, sizeof(m6));
	a6.sin6_family = m6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8:0:1::42", &a6.sin6_addr);
	inet_pton(AF_INET6, "ffff:ffff:ffff:ffff::", &m6.sin6_addr);
	ck_assert_int_eq(reloc__xenfacts_subnet((struct sockaddr *)&a6,
	    (struct sockaddr *)&m6, &s), 0);
	ck_assert_str_eq(s, "2001:db8:0:1::/64");
	free(s);
}
END_TEST

static void
mkdir_p(const char *dir, const char *name, bool bridge, const char *mtu)
{
	char	 path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	if (bridge) {
		snprintf(path, sizeof(path), "%s/%s/bridge", dir, name);
		ck_assert_int_eq(mkdir(path, 0755), 0);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (mtu != NULL)
		free(write_file(path, "mtu", mtu));
}

START_TEST(test_bridges_sysfs)
{
	struct reloc_bridge	*br;
	size_t			 n;
	char			*dir = test_tmpdir("libxl-sysfs");

	mkdir_p(dir, "xrtest-xenbr0", true, "1500\n");
	mkdir_p(dir, "xrtest-eth0", false, "1500\n");
	mkdir_p(dir, "xrtest-br9k", true, "9000\n");
	mkdir_p(dir, "xrtest-nomtu", true, NULL);
	ck_assert_int_eq(reloc__xenfacts_bridges(dir, &br, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(br[0].name, "xrtest-br9k");
	ck_assert_uint_eq(br[0].mtu, 9000);
	ck_assert_str_eq(br[1].name, "xrtest-nomtu");
	ck_assert_uint_eq(br[1].mtu, 0);
	ck_assert_str_eq(br[2].name, "xrtest-xenbr0");
	ck_assert_uint_eq(br[2].mtu, 1500);
	/* No such interface has an address on this machine. */
	ck_assert_ptr_null(br[2].subnet);
	reloc__xenfacts_bridges_free(br, n);
	rm_rf(dir);
	free(dir);
	capture_start();
	ck_assert_int_eq(reloc__xenfacts_bridges("/nonexistent/xr", &br, &n),
	    RELOC_ERR_NOENT);
	ck_assert(capture_has("opendir /nonexistent/xr"));
	capture_stop();
}
END_TEST

/* Run the generator on a header; its output, or NULL if it failed. */
static char *
run_gen(const char *dir, const char *header)
{
	char	 cmd[1024], *out = NULL;
	char	*hdr = write_file(dir, "cpufeatureset.h", header);
	size_t	 len = 0;
	FILE	*p, *mem = open_memstream(&out, &len);
	int	 c, st;

	snprintf(cmd, sizeof(cmd), "sh %s/libreloc/cpufeatures-gen.sh %s "
	    "test 2>/dev/null", TOP_SRCDIR, hdr);
	ck_assert_ptr_nonnull(p = popen(cmd, "r"));
	while ((c = fgetc(p)) != EOF)
		fputc(c, mem);
	st = pclose(p);
	fclose(mem);
	free(hdr);
	if (st != 0) {
		free(out);
		return NULL;
	}
	return out;
}

START_TEST(test_generator)
{
	char	*dir = test_tmpdir("libxl-gen"), *out;

	out = run_gen(dir, "/* words */\n"
	    "XEN_CPUFEATURE(SSE2,          0*32+26) /*A  SSE2 */\n"
	    "XEN_CPUFEATURE(FPU,           0*32+ 0) /*A  FPU */\n"
	    "XEN_CPUFEATURE(ITS_NO,       16*32+62) /*!A word 17 */\n"
	    "XEN_CPUFEATURE(3DNOW,         2*32+31) /*A  3DNow! */\n");
	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(strstr(out, "{   0 * 32 +  0, \"fpu\" },\n"
	    "\t{   0 * 32 + 26, \"sse2\" },\n"
	    "\t{   2 * 32 + 31, \"3dnow\" },\n"
	    "\t{  17 * 32 + 30, \"its_no\" },\n};"));
	ck_assert_ptr_nonnull(strstr(out, "RELOC_CPUFEATURES_WORDS\t18"));
	free(out);
	ck_assert_ptr_null(run_gen(dir, "XEN_CPUFEATURE(BAD, 1<<3)\n"));
	ck_assert_ptr_null(run_gen(dir, "nothing here\n"));
	rm_rf(dir);
	free(dir);
}
END_TEST

#ifdef HAVE_XEN
/*
 * Without Xen (no privcmd) libxl refuses a context: the backend must say
 * so through our sink, with libxl's own words and its error code.
 */
START_TEST(test_open_without_xen)
{
	void	*priv = NULL;
	int	 rc;

	if (access("/dev/xen/privcmd", F_OK) == 0)
		return;
	capture_start();
	reloc_log_set_level(RELOC_LOG_DEBUG);
	rc = reloc__hv_libxl_ops.open(NULL, &priv);
	ck_assert_int_eq(rc, RELOC_ERR_HV);
	ck_assert_ptr_null(priv);
	ck_assert(capture_has("err: hv: libxl_ctx_alloc: ERROR_FAIL (-3)"));
	ck_assert(capture_has("hv: libxl: "));
	capture_stop();
}
END_TEST
#endif

static Suite *
hv_libxl_suite(void)
{
	Suite	*s = suite_create("hv_libxl");
	TCase	*tc;

	tc = tcase_create("features");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_feature_names);
	tcase_add_test(tc, test_features_all_bits);
	tcase_add_test(tc, test_generator);
	suite_add_tcase(s, tc);
	tc = tcase_create("host_facts");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_intel_host);
	tcase_add_test(tc, test_amd_host);
	tcase_add_test(tc, test_intel_vs_amd);
	tcase_add_test(tc, test_arch);
	tcase_add_test(tc, test_version_and_vendor);
	tcase_add_test(tc, test_subnet);
	tcase_add_test(tc, test_host_uuid);
	tcase_add_test(tc, test_bridges_sysfs);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, libxl_progress_tcase());
#ifdef HAVE_XEN
	tc = tcase_create("backend");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_open_without_xen);
	suite_add_tcase(s, tc);
#endif
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(hv_libxl_suite());
	int	 failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
