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
 * Check suite for xm: argument parsing, the formatting of sizes, rates,
 * summaries and JSON, and the client end to end against a fake control
 * server (a forked child on a temporary UNIX socket answering canned
 * XML-RPC): a job that moves, one that fails with findings, one whose
 * owner is unknown.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "common.h"
#include "xm.h"
#include "xm_fake.h"

/* Every builder call in the fixtures must succeed. */
#define OK(e)	ck_assert_int_eq((e), 0)

/* ------------------------------------------------------------ parsing */

static int
parse_argv(struct xm_migrate_opts *o, char *err, size_t size, int argc,
    char **argv)
{
	FILE	*f = fmemopen(err, size - 1, "w");
	int	 rc;

	rc = xm_migrate_parse(argc, argv, o, f);
	fclose(f);
	return rc;
}

static int
parse(struct xm_migrate_opts *o, char *err, size_t size, ...)
{
	char	*argv[32];
	va_list	 ap;
	int	 argc = 0;

	va_start(ap, size);
	while ((argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	return parse_argv(o, err, size, argc, argv);
}

START_TEST(test_parse_permuted)
{
	struct xm_migrate_opts	o;
	char			err[256] = "";

	/* xend's own example order: options after the domain. */
	ck_assert_int_eq(parse(&o, err, sizeof(err), "migrate", "7", "-l",
	    "hostB", NULL), 0);
	ck_assert_str_eq(o.domain, "7");
	ck_assert_str_eq(o.host, "hostB");
	ck_assert(o.live);
	ck_assert_int_eq(o.port, 0);
	ck_assert_int_eq(o.node, -1);
	ck_assert_str_eq(o.priority, "standard");
}
END_TEST

START_TEST(test_parse_all)
{
	struct xm_migrate_opts	o;
	char			err[256] = "";

	ck_assert_int_eq(parse(&o, err, sizeof(err), "migrate", "--live",
	    "--port=8003", "-n", "2", "-s", "-c", "--rate=100", "--check",
	    "--force", "cpu", "--force=storage", "--json", "--priority",
	    "high", "web01", "hostB", NULL), 0);
	ck_assert(o.live && o.ssl && o.chs && o.check && o.json);
	ck_assert_int_eq(o.port, 8003);
	ck_assert_int_eq(o.node, 2);
	ck_assert_int_eq(o.rate, 100);
	ck_assert_uint_eq(o.nr_force, 2);
	ck_assert_str_eq(o.force[0], "cpu");
	ck_assert_str_eq(o.force[1], "storage");
	ck_assert_str_eq(o.priority, "high");
	ck_assert_int_eq(parse(&o, err, sizeof(err), "migrate", "-p", "8004",
	    "-r", "50", "web01", "hostB", NULL), 0);
	ck_assert_int_eq(o.port, 8004);
	ck_assert_int_eq(o.rate, 50);
	ck_assert_ptr_null(o.compress);
	ck_assert_int_eq(parse(&o, err, sizeof(err), "migrate",
	    "--streams=16", "web01", "hostB", NULL), 0);
	ck_assert_int_eq(o.streams, 16);
}
END_TEST

/* -z CODEC, -zCODEC, --compress=CODEC; a bare -z or --compress is zstd. */
START_TEST(test_parse_compress)
{
	struct xm_migrate_opts	o;
	char			err[64];

	ck_assert_int_eq(parse(&o, err, sizeof(err), "migrate", "-z", "lz4",
	    "web01", "hostB", NULL), 0);
	ck_assert_str_eq(o.compress, "lz4");
	ck_assert_str_eq(o.domain, "web01");
	ck_assert_int_eq(parse(&o, err, sizeof(err), "migrate", "-l", "-z",
	    "web01", "hostB", NULL), 0);
	ck_assert_str_eq(o.compress, "zstd");
	ck_assert_str_eq(o.domain, "web01");
	ck_assert_str_eq(o.host, "hostB");
	ck_assert_int_eq(parse(&o, err, sizeof(err), "migrate", "web01", "-z",
	    "auto", "-r", "125", "hostB", NULL), 0);
	ck_assert_str_eq(o.compress, "auto");
	ck_assert_int_eq(o.rate, 125);
	ck_assert_str_eq(o.host, "hostB");
	ck_assert_int_eq(parse(&o, err, sizeof(err), "migrate",
	    "--compress=none", "web01", "hostB", NULL), 0);
	ck_assert_str_eq(o.compress, "none");
	ck_assert_int_eq(parse(&o, err, sizeof(err), "migrate", "--compress",
	    "web01", "hostB", NULL), 0);
	ck_assert_str_eq(o.compress, "zstd");
	ck_assert_int_eq(parse(&o, err, sizeof(err), "migrate", "-zlz4",
	    "web01", "hostB", NULL), 0);
	ck_assert_str_eq(o.compress, "lz4");
}
END_TEST

/* Usage errors and the text that must name what was wrong. */
static const struct {
	const char	*args[6];
	const char	*want;
} bad_args[] = {
	{ { "migrate", "--bogus", "a", "b" }, "unknown option '--bogus'" },
	{ { "migrate", "a", "b", "-p" }, "option '-p' needs a value" },
	{ { "migrate", "--port=x", "a", "b" }, "-p: 'x' is not a number" },
	{ { "migrate", "--priority", "urgent", "a", "b" },
	    "--priority: 'urgent'" },
	{ { "migrate", "--rate", "-5", "a", "b" }, "-r: '-5'" },
	{ { "migrate", "--compress=gzip", "a", "b" },
	    "--compress: 'gzip' is not none, lz4, zstd or auto" },
	{ { "migrate", "--streams", "0", "a", "b" },
	    "--streams: '0' is not a number from 1 to 16" },
	{ { "migrate", "--streams=17", "a", "b" },
	    "--streams: '17' is not a number from 1 to 16" },
	{ { "migrate", "-l", "web01" }, "expected DOMAIN and HOST, got 1" },
	/* The codec is the last word: no DOMAIN, no crash. */
	{ { "migrate", "-z", "zstd" }, "expected DOMAIN and HOST, got 0" },
	{ { "migrate", "a", "-z", "lz4" }, "expected DOMAIN and HOST, got 1" },
	{ { "migrate", "a", "b", "c" }, "expected DOMAIN and HOST, got 3" },
	/* A word after -z that is no codec, one word too many: that one. */
	{ { "migrate", "-z", "gzip", "a", "b" },
	    "-z: 'gzip' is not none, lz4, zstd or auto" },
};

START_TEST(test_parse_errors)
{
	struct xm_migrate_opts	o;
	char			err[256], *argv[6];
	int			argc;

	memset(err, 0, sizeof(err));
	for (argc = 0; argc < 6 && bad_args[_i].args[argc] != NULL; argc++)
		argv[argc] = (char *)bad_args[_i].args[argc];
	argv[argc] = NULL;
	ck_assert_int_eq(parse_argv(&o, err, sizeof(err), argc, argv),
	    XM_EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(err, bad_args[_i].want));
}
END_TEST

START_TEST(test_parse_help)
{
	struct xm_migrate_opts	o;
	char			err[64];

	ck_assert_int_eq(parse(&o, err, sizeof(err), "migrate", "--help",
	    NULL), -1);
}
END_TEST

START_TEST(test_request)
{
	struct xm_migrate_opts	 o;
	struct reloc_xv		*p, *st;
	char			 err[64];
	int64_t			 v;
	bool			 b;

	ck_assert_int_eq(parse(&o, err, sizeof(err), "migrate", "-l",
	    "--force", "cpu", "web01", "hostB", NULL), 0);
	ck_assert_int_eq(xm_migrate_request(&o, &p), 0);
	ck_assert_uint_eq(reloc_xv_len(p), 1);
	st = reloc_xv_nth(p, 0, NULL);
	ck_assert_str_eq(reloc_xv_member_string(st, "domain"), "web01");
	ck_assert_str_eq(reloc_xv_member_string(st, "host"), "hostB");
	OK(reloc_xv_member_bool(st, "live", &b));
	ck_assert(b);
	OK(reloc_xv_member_int(st, "node", &v));
	ck_assert_int_eq(v, -1);
	ck_assert_str_eq(reloc_xv_get_string(reloc_xv_nth(reloc_xv_member(st,
	    "force"), 0, NULL)), "cpu");
	ck_assert_str_eq(reloc_xv_member_string(st, "priority"), "standard");
	reloc_xv_free(p);
}
END_TEST

/* ------------------------------------------------------------ formatting */

START_TEST(test_fmt_sizes)
{
	char	buf[64];

	xm_fmt_bytes(512, buf, sizeof(buf));
	ck_assert_str_eq(buf, "512 B");
	xm_fmt_bytes(1536, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1.50 KiB");
	xm_fmt_bytes(512ULL << 20, buf, sizeof(buf));
	ck_assert_str_eq(buf, "512 MiB");
	xm_fmt_bytes(1149239296ULL, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1.07 GiB");
	xm_fmt_rate(118200000, buf, sizeof(buf));
	ck_assert_str_eq(buf, "118.2 MB/s");
	xm_fmt_ms(4200, buf, sizeof(buf));
	ck_assert_str_eq(buf, "4.2 s");
	xm_fmt_ms(18.4, buf, sizeof(buf));
	ck_assert_str_eq(buf, "18 ms");
	ck_assert_str_eq(xm_state_flags("running"), "r-----");
	ck_assert_str_eq(xm_state_flags("paused"), "--p---");
	ck_assert_str_eq(xm_state_flags("???"), "------");
}
END_TEST


START_TEST(test_fmt_summary)
{
	struct reloc_xv	*st = fake_status("done", 0, "");
	struct reloc_xv	*sm;
	char		 buf[512];

	fake_add_summary(st);
	xm_fmt_summary(st, buf, sizeof(buf));
	ck_assert_str_eq(buf, "web01 moved to hostB: total 4.2 s, downtime "
	    "18 ms, 1.07 GiB sent in 4 rounds (1.05 x memory)");
	/* Compressed: the bytes on the wire and the codec. */
	sm = reloc_xv_member(st, "summary");
	ck_assert_int_eq(reloc_xv_struct_set_i8(sm, "wire-bytes",
	    222298112LL), 0);
	ck_assert_int_eq(reloc_xv_struct_set_string(sm, "codec", "zstd"), 0);
	xm_fmt_summary(st, buf, sizeof(buf));
	ck_assert_str_eq(buf, "web01 moved to hostB: total 4.2 s, downtime "
	    "18 ms, 1.07 GiB sent in 4 rounds (1.05 x memory), 212 MiB on "
	    "the wire (zstd)");
	/* Asked, not taken: why. */
	ck_assert_int_eq(reloc_xv_struct_set_string(sm, "codec", "none"), 0);
	ck_assert_int_eq(reloc_xv_struct_set_string(sm, "note", "hostB does "
	    "not offer compression: sending uncompressed"), 0);
	xm_fmt_summary(st, buf, sizeof(buf));
	ck_assert_str_eq(buf, "web01 moved to hostB: total 4.2 s, downtime "
	    "18 ms, 1.07 GiB sent in 4 rounds (1.05 x memory); hostB does not "
	    "offer compression: sending uncompressed");
	reloc_xv_free(st);
	/* The streams: as many as asked, or fewer, which is said. */
	st = fake_status("done", 0, "");
	fake_add_summary(st);
	sm = reloc_xv_member(st, "summary");
	ck_assert_int_eq(reloc_xv_struct_set_int(sm, "streams", 4), 0);
	ck_assert_int_eq(reloc_xv_struct_set_int(sm, "streams-asked", 4), 0);
	xm_fmt_summary(st, buf, sizeof(buf));
	ck_assert_str_eq(buf, "web01 moved to hostB: total 4.2 s, downtime "
	    "18 ms, 1.07 GiB sent in 4 rounds (1.05 x memory), over 4 "
	    "streams");
	ck_assert_int_eq(reloc_xv_struct_set_int(sm, "streams", 1), 0);
	xm_fmt_summary(st, buf, sizeof(buf));
	ck_assert_str_eq(buf, "web01 moved to hostB: total 4.2 s, downtime "
	    "18 ms, 1.07 GiB sent in 4 rounds (1.05 x memory), over 1 "
	    "stream (hostB takes no more)");
	reloc_xv_free(st);
}
END_TEST

START_TEST(test_fmt_progress)
{
	struct reloc_xv	*st = fake_status("streaming", -1, "");
	char		 buf[512];

	fake_add_progress(st);
	xm_fmt_progress(st, buf, sizeof(buf));
	ck_assert_str_eq(buf, "web01 -> hostB: precopy round 2, sent "
	    "768.0/1024.0 MiB, 4.8 MiB left, 118.2 MB/s, dirtying 10.2 "
	    "MB/s");
	reloc_xv_free(st);
	st = fake_status("precheck", -1, "");
	xm_fmt_progress(st, buf, sizeof(buf));
	ck_assert_str_eq(buf, "web01 -> hostB: precheck");
	reloc_xv_free(st);
}
END_TEST

START_TEST(test_json)
{
	struct reloc_xv	*st = fake_status("failed", 1, "say \"no\"\n");
	char		 buf[4096];
	FILE		*f;

	fake_add_finding(st, "error", "cpu", "CPU_FEATURES_MISSING",
	    "hostB lacks avx2", "--force cpu");
	memset(buf, 0, sizeof(buf));
	f = fmemopen(buf, sizeof(buf) - 1, "w");
	xm_json_write(f, st);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "\"job\": 1,"));
	ck_assert_ptr_nonnull(strstr(buf, "\"live\": true,"));
	ck_assert_ptr_nonnull(strstr(buf,
	    "\"message\": \"say \\\"no\\\"\\n\""));
	ck_assert_ptr_nonnull(strstr(buf,
	    "\"code\": \"CPU_FEATURES_MISSING\""));
	ck_assert_int_eq(buf[0], '{');
	ck_assert_str_eq(buf + strlen(buf) - 2, "}\n");
	reloc_xv_free(st);
}
END_TEST

/* ------------------------------------------------------------ client */

static char	*tmpdir;
static char	 sockpath[256];
static pid_t	 server = -1;

static void
server_setup(void)
{
	log_silence();
	tmpdir = test_tmpdir("xm");
	snprintf(sockpath, sizeof(sockpath), "%s/xrelocd.sock", tmpdir);
	server = fake_server_start(sockpath, true);
}

static void
server_teardown(void)
{
	fake_server_stop(server);
	server = -1;
	rm_rf(tmpdir);
	free(tmpdir);
	tmpdir = NULL;
}

/* Run an xm function with output captured in out/err. */
static int
run(int (*fn)(struct xm *, int, char **), bool tty, char *out, char *err,
    size_t size, ...)
{
	struct xm	 xm;
	char		*argv[16];
	va_list		 ap;
	int		 argc = 0, rc;

	va_start(ap, size);
	while ((argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	memset(out, 0, size);
	memset(err, 0, size);
	xm.socket = sockpath;
	xm.out = fmemopen(out, size - 1, "w");
	xm.err = fmemopen(err, size - 1, "w");
	xm.tty = tty;
	rc = fn(&xm, argc, argv);
	fclose(xm.out);
	fclose(xm.err);
	return rc;
}

START_TEST(test_e2e_moved)
{
	char	out[4096], err[4096];

	ck_assert_int_eq(run(xm_migrate, true, out, err, sizeof(out),
	    "migrate", "-l", "web01", "hostB", NULL), XM_EXIT_OK);
	/* The progress line was drawn with \r, then the summary. */
	ck_assert_ptr_nonnull(strstr(out, "\rweb01 -> hostB: precopy round 2"));
	ck_assert_ptr_nonnull(strstr(out, "web01 moved to hostB: total 4.2 s, "
	    "downtime 18 ms, 1.07 GiB sent in 4 rounds (1.05 x memory)\n"));
	ck_assert_str_eq(err, "");
}
END_TEST

/* The calls of METHOD ("status" or "wait") the fake server got. */
static int64_t
fake_calls(const char *method)
{
	struct xm	 xm = { sockpath, stdout, stderr, false };
	struct reloc_xv	*v = NULL;
	int64_t		 n = -1;

	ck_assert_int_eq(xm_rpc_call(&xm, "fake.calls", NULL, &v), 0);
	ck_assert_int_eq(reloc_xv_member_int(v, method, &n), 0);
	reloc_xv_free(v);
	return n;
}

/* One xrelocd.job.wait per change of the job (2 for web01), no polls. */
START_TEST(test_e2e_waits_per_change)
{
	char	out[4096], err[4096];

	ck_assert_int_eq(run(xm_migrate, true, out, err, sizeof(out),
	    "migrate", "-l", "web01", "hostB", NULL), XM_EXIT_OK);
	ck_assert_ptr_nonnull(strstr(out, "web01 moved to hostB"));
	ck_assert_int_ge(fake_calls("wait"), 1);
	ck_assert_int_le(fake_calls("wait"), 2);
	ck_assert_int_eq(fake_calls("status"), 0);
	ck_assert_str_eq(err, "");
}
END_TEST

/* An xrelocd without xrelocd.job.wait is polled, with the same output. */
START_TEST(test_e2e_old_daemon)
{
	char	out[4096], err[4096];

	fake_server_stop(server);
	unlink(sockpath);
	server = fake_server_start(sockpath, false);
	ck_assert_int_eq(run(xm_migrate, true, out, err, sizeof(out),
	    "migrate", "-l", "web01", "hostB", NULL), XM_EXIT_OK);
	ck_assert_ptr_nonnull(strstr(out, "\rweb01 -> hostB: precopy round 2"));
	ck_assert_ptr_nonnull(strstr(out, "web01 moved to hostB: total 4.2 s, "
	    "downtime 18 ms, 1.07 GiB sent in 4 rounds (1.05 x memory)\n"));
	ck_assert_str_eq(err, "");
	/* One try of the new method, then polls until the job ended. */
	ck_assert_int_eq(fake_calls("wait"), 1);
	ck_assert_int_eq(fake_calls("status"), 2);
}
END_TEST

START_TEST(test_e2e_failed)
{
	char	out[4096], err[4096];

	ck_assert_int_eq(run(xm_migrate, false, out, err, sizeof(out),
	    "migrate", "db01", "hostB", "--live", NULL), XM_EXIT_FAILED);
	/* Not a tty: no progress line; each finding printed once. */
	ck_assert_ptr_null(strchr(out, '\r'));
	ck_assert_str_eq(out, "warning: media: a CD-ROM image is inserted "
	    "[MEDIA_INSERTED]\n    fix: eject it\n"
	    "error: cpu: hostB lacks avx2 [CPU_FEATURES_MISSING]\n"
	    "    fix: --force cpu\n");
	ck_assert_str_eq(err, "web01 did not move to hostB: hostB refused: 1 "
	    "precheck error; it runs here as before\n");
}
END_TEST

START_TEST(test_e2e_failed_json)
{
	char	out[4096], err[4096];

	ck_assert_int_eq(run(xm_migrate, true, out, err, sizeof(out),
	    "migrate", "--json", "db01", "hostB", NULL), XM_EXIT_FAILED);
	ck_assert_int_eq(out[0], '{');
	ck_assert_ptr_nonnull(strstr(out, "\"state\": \"failed\""));
	ck_assert_ptr_nonnull(strstr(out, "\"outcome\": 1,"));
	ck_assert_ptr_nonnull(strstr(out,
	    "\"code\": \"CPU_FEATURES_MISSING\""));
	ck_assert_ptr_null(strchr(out, '\r'));
}
END_TEST

START_TEST(test_e2e_unknown)
{
	char	out[4096], err[4096];

	ck_assert_int_eq(run(xm_migrate, false, out, err, sizeof(out),
	    "migrate", "-l", "mail01", "hostB", NULL), XM_EXIT_UNKNOWN);
	ck_assert_ptr_nonnull(strstr(err, "the final handshake with hostB "
	    "broke: GO sent, no DONE: web01 may run on hostB"));
}
END_TEST

START_TEST(test_e2e_fault)
{
	char	out[4096], err[4096];

	ck_assert_int_eq(run(xm_migrate, false, out, err, sizeof(out),
	    "migrate", "nosuch", "hostB", NULL), XM_EXIT_FAILED);
	ck_assert_str_eq(err, "Error: no domain nosuch here\n");
}
END_TEST

START_TEST(test_e2e_list)
{
	char	out[4096], err[4096];

	ck_assert_int_eq(run(xm_list, false, out, err, sizeof(out), "list",
	    NULL), 0);
	ck_assert_int_eq(strncmp(out, "Name ", 5), 0);
	ck_assert_ptr_nonnull(strstr(out, "ID   Mem VCPUs      State   "
	    "Time(s)\n"));
	ck_assert_ptr_nonnull(strstr(out, "\nweb01 "));
	ck_assert_ptr_nonnull(strstr(out, "    5  1024     2     r-----"));
	ck_assert_ptr_nonnull(strstr(out, "--p---"));
	ck_assert_int_eq(run(xm_list, false, out, err, sizeof(out), "list",
	    "6", NULL), 0);
	ck_assert_ptr_null(strstr(out, "web01"));
	ck_assert_ptr_nonnull(strstr(out, "db01"));
	ck_assert_int_eq(run(xm_list, false, out, err, sizeof(out), "list",
	    "ghost", NULL), XM_EXIT_FAILED);
	ck_assert_str_eq(err, "Error: the domain 'ghost' does not exist.\n");
}
END_TEST

START_TEST(test_no_daemon)
{
	char	out[4096], err[4096];

	/* Nobody listens here any more. */
	server_teardown();
	tmpdir = test_tmpdir("xm");
	ck_assert_int_eq(run(xm_list, false, out, err, sizeof(out), "list",
	    NULL), XM_EXIT_FAILED);
	ck_assert_ptr_nonnull(strstr(err, sockpath));
	ck_assert_ptr_nonnull(strstr(err, "is xrelocd running?"));
}
END_TEST

static Suite *
xm_suite(void)
{
	Suite	*s = suite_create("xm");
	TCase	*tc;

	tc = tcase_create("parse");
	tcase_add_test(tc, test_parse_permuted);
	tcase_add_test(tc, test_parse_all);
	tcase_add_loop_test(tc, test_parse_errors, 0,
	    sizeof(bad_args) / sizeof(bad_args[0]));
	tcase_add_test(tc, test_parse_help);
	tcase_add_test(tc, test_parse_compress);
	tcase_add_test(tc, test_request);
	suite_add_tcase(s, tc);

	tc = tcase_create("format");
	tcase_add_test(tc, test_fmt_sizes);
	tcase_add_test(tc, test_fmt_summary);
	tcase_add_test(tc, test_fmt_progress);
	tcase_add_test(tc, test_json);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, xm_budget_tcase());
	suite_add_tcase(s, xm_failed_tcase());
	tc = tcase_create("client");
	tcase_add_checked_fixture(tc, server_setup, server_teardown);
	tcase_add_test(tc, test_e2e_moved);
	tcase_add_test(tc, test_e2e_waits_per_change);
	tcase_add_test(tc, test_e2e_old_daemon);
	tcase_add_test(tc, test_e2e_failed);
	tcase_add_test(tc, test_e2e_failed_json);
	tcase_add_test(tc, test_e2e_unknown);
	tcase_add_test(tc, test_e2e_fault);
	tcase_add_test(tc, test_e2e_list);
	tcase_add_test(tc, test_no_daemon);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(xm_suite());
	int	 failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
