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
 * Check suite for conf.c and conf_keys.c: the real xend configs parse
 * with warnings only, defaults, every key's bad values and their messages
 * with places, shapes of forms, unknown and duplicate keys, formatting.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_conf.h"
#include "common.h"
#include "reloc.h"

struct reloc_conf *
conf_load_ok(const char *text)
{
	struct reloc_conf	*conf = NULL;

	ck_assert_int_eq(reloc_conf_load_mem("t.sxp", text, strlen(text),
	    &conf), 0);
	ck_assert_ptr_nonnull(conf);
	return conf;
}

/* Load text that must fail; the log holds the reasons. */
void
conf_load_bad(const char *text)
{
	struct reloc_conf	*conf = NULL;

	capture_start();
	ck_assert_int_eq(reloc_conf_load_mem("t.sxp", text, strlen(text),
	    &conf), RELOC_ERR_CONFIG);
	ck_assert_ptr_null(conf);
}

/* ---------------------------------------------------------------- xend */

static struct reloc_conf *
load_xend(const char *name, size_t unknown)
{
	struct reloc_conf	*conf = NULL;
	const char		*path = test_data_path(name);

	capture_start();
	ck_assert_int_eq(reloc_conf_load(path, &conf), 0);
	ck_assert_uint_eq(capture_count("warn: conf:"), unknown);
	ck_assert_uint_eq(capture_count("unknown key"), unknown);
	ck_assert_uint_eq(capture_count("err:"), 0);
	capture_stop();
	ck_assert_str_eq(reloc_conf_source(conf), path);
	return conf;
}

START_TEST(test_xend_30)
{
	struct reloc_conf	*conf;

	conf = load_xend("xend/xend-config-3.0.sxp", 6);
	ck_assert(capture_has("xend-config-3.0.sxp:18:2: unknown key "
	    "'xend-http-server' ignored"));
	ck_assert(reloc_conf_bool(conf, RELOC_CK_RELOCATION_SERVER));
	ck_assert_str_eq(reloc_conf_str(conf, RELOC_CK_RELOCATION_ADDRESS),
	    "localhost");
	ck_assert(reloc_allow_is_open(reloc_conf_allow(conf)));
	reloc_conf_free(conf);
}
END_TEST

START_TEST(test_xend_44)
{
	struct reloc_conf	*conf;

	conf = load_xend("xend/xend-config-4.4.sxp", 7);
	ck_assert(reloc_conf_bool(conf, RELOC_CK_RELOCATION_SERVER));
	ck_assert_str_eq(reloc_conf_str(conf,
	    RELOC_CK_RELOCATION_HOSTS_ALLOW),
	    "^localhost$ ^localhost\\.localdomain$");
	ck_assert(!reloc_allow_is_open(reloc_conf_allow(conf)));
	ck_assert_uint_eq(reloc_allow_count(reloc_conf_allow(conf)), 2);
	ck_assert_int_eq(reloc_conf_int(conf, RELOC_CK_RELOCATION_PORT), 8002);
	reloc_conf_free(conf);
}
END_TEST

/* Every xend key switched on, and xen-api-server's nested lists. */
START_TEST(test_xend_44_uncommented)
{
	struct reloc_conf	*conf;

	conf = load_xend("xend/xend-config-4.4-uncommented.sxp", 33);
	ck_assert(capture_has("unknown key 'xen-api-server' ignored"));
	ck_assert(capture_has("unknown key 'loglevel' ignored"));
	ck_assert(!reloc_conf_bool(conf, RELOC_CK_SSL_SERVER));
	ck_assert_int_eq(reloc_conf_int(conf, RELOC_CK_SSL_PORT), 8003);
	ck_assert_str_eq(reloc_conf_str(conf, RELOC_CK_SSL_KEY_FILE),
	    "xmlrpc.key");
	ck_assert_str_eq(reloc_conf_str(conf, RELOC_CK_SSL_CERT_FILE),
	    "xmlrpc.crt");
	ck_assert_str_eq(reloc_conf_str(conf, RELOC_CK_RELOCATION_ADDRESS),
	    "");
	reloc_conf_free(conf);
}
END_TEST

/* ---------------------------------------------------------------- defaults */

START_TEST(test_defaults)
{
	struct reloc_conf	*conf = NULL;

	ck_assert_int_eq(reloc_conf_new_default(&conf), 0);
	ck_assert(!reloc_conf_bool(conf, RELOC_CK_RELOCATION_SERVER));
	ck_assert_int_eq(reloc_conf_int(conf, RELOC_CK_RELOCATION_PORT), 8002);
	ck_assert_str_eq(reloc_conf_str(conf, RELOC_CK_RELOCATION_ADDRESS), "");
	ck_assert_str_eq(reloc_conf_str(conf,
	    RELOC_CK_RELOCATION_HOSTS_ALLOW), "");
	ck_assert(reloc_allow_is_open(reloc_conf_allow(conf)));
	ck_assert(!reloc_conf_bool(conf, RELOC_CK_SSL_SERVER));
	ck_assert_int_eq(reloc_conf_int(conf, RELOC_CK_SSL_PORT), 8003);
	ck_assert_str_eq(reloc_conf_str(conf, RELOC_CK_SSL_KEY_FILE), "");
	ck_assert_str_eq(reloc_conf_str(conf, RELOC_CK_SSL_CERT_FILE), "");
	ck_assert(!reloc_conf_bool(conf, RELOC_CK_SSL));
	ck_assert_str_eq(reloc_conf_str(conf, RELOC_CK_BACKEND), "libxl");
	ck_assert_str_eq(reloc_conf_str(conf, RELOC_CK_CONTROL_SOCKET),
	    "/run/xrelocd/xrelocd.sock");
	ck_assert_str_eq(reloc_conf_str(conf, RELOC_CK_LOG_LEVEL), "info");
	ck_assert_str_eq(reloc_conf_str(conf, RELOC_CK_PID_FILE),
	    "/run/xrelocd.pid");
	ck_assert_str_eq(reloc_conf_str(conf, RELOC_CK_SIM_DIR),
	    "/var/lib/xrelocd/sim");
	ck_assert_str_eq(reloc_conf_str(conf, RELOC_CK_STATE_DIR),
	    "/var/lib/xrelocd");
	ck_assert_int_eq(reloc_conf_int(conf, RELOC_CK_MAX_PENDING), 16);
	ck_assert_int_eq(reloc_conf_int(conf, RELOC_CK_HELLO_TIMEOUT), 10);
	ck_assert_int_eq(reloc_conf_int(conf, RELOC_CK_IO_TIMEOUT), 30);
	ck_assert_int_eq(reloc_conf_int(conf, RELOC_CK_MAX_MIGRATIONS), 4);
	ck_assert(!reloc_conf_bool(conf, RELOC_CK_AUTO_TUNNEL));
	ck_assert_str_eq(reloc_conf_str(conf, RELOC_CK_TUNNEL_SCRIPT),
	    XENSCRIPTSDIR "/xrelocd-tunnel");
	ck_assert_int_eq(reloc_conf_int(conf, RELOC_CK_MAX_ROUNDS), 5);
	ck_assert_str_eq(reloc_conf_str(conf, RELOC_CK_SSL_CA), "");
	ck_assert_str_eq(reloc_conf_str(conf, RELOC_CK_SSL_CRL), "");
	ck_assert_str_eq(reloc_conf_str(conf, RELOC_CK_SSL_MODE),
	    "opportunistic");
	ck_assert_str_eq(reloc_conf_str(conf, RELOC_CK_SSL_PIN), "");
	ck_assert_str_eq(reloc_conf_source(conf), "");
	reloc_conf_free(conf);
}
END_TEST

/* An empty file, or only comments and unknown keys, means the defaults. */
START_TEST(test_empty_file)
{
	struct reloc_conf	*conf = conf_load_ok("# nothing\n");

	ck_assert_int_eq(reloc_conf_int(conf, RELOC_CK_MAX_ROUNDS), 5);
	ck_assert_str_eq(reloc_conf_source(conf), "t.sxp");
	reloc_conf_free(conf);
}
END_TEST

START_TEST(test_keys_table)
{
	enum reloc_conf_key	 k, got;
	const char		*name;

	for (k = 0; k < RELOC_CK__COUNT; k++) {
		name = reloc_conf_key_name(k);
		ck_assert_ptr_nonnull(name);
		/* Fails unless the table is sorted: lookup is a bsearch. */
		ck_assert_int_eq(reloc_conf_key_lookup(name, &got), 0);
		ck_assert_int_eq(got, k);
	}
	ck_assert_int_eq(reloc_conf_key_lookup("xend-port", &got),
	    RELOC_ERR_NOENT);
	ck_assert_ptr_null(reloc_conf_key_name(RELOC_CK__COUNT));
	ck_assert_int_eq(reloc_conf_key_type(RELOC_CK_RELOCATION_PORT),
	    RELOC_CT_INT);
	ck_assert_int_eq(reloc_conf_key_type(RELOC_CK_AUTO_TUNNEL),
	    RELOC_CT_BOOL);
	ck_assert_int_eq(reloc_conf_key_type(RELOC_CK_SIM_DIR), RELOC_CT_STR);
}
END_TEST

/* ---------------------------------------------------------------- forms */

START_TEST(test_shapes)
{
	conf_load_bad("(xend-relocation-port)");
	ck_assert(capture_has("t.sxp:1:1: xend-relocation-port: missing "
	    "value"));
	capture_stop();
	conf_load_bad("(xend-relocation-port 8002 8003)");
	ck_assert(capture_has("t.sxp:1:28: xend-relocation-port: more than "
	    "one value"));
	capture_stop();
	conf_load_bad("(xend-relocation-port (8002))");
	ck_assert(capture_has("t.sxp:1:23: xend-relocation-port: value must "
	    "be an atom, not a list"));
	capture_stop();
	conf_load_bad("  ()");
	ck_assert(capture_has("t.sxp:1:3: empty form, expected (key value)"));
	capture_stop();
	conf_load_bad("xend-relocation-port 8002");
	ck_assert(capture_has("t.sxp:1:1: expected (key value), found "
	    "'xend-relocation-port'"));
	ck_assert(capture_has("t.sxp:1:22: expected (key value), found "
	    "'8002'"));
	capture_stop();
	conf_load_bad("((xend-relocation-port) 8002)");
	ck_assert(capture_has("t.sxp:1:2: a key must be an atom, not a list"));
	capture_stop();
}
END_TEST

START_TEST(test_three_errors)
{
	static const char	text[] =
	    "# three mistakes, one per line\n"
	    "(xend-relocation-port 70000)\n"
	    "(xend-relocation-server  perhaps)\n"
	    "(xend-port 8000)\n"
	    "(xrelocd-max-rounds)\n"
	    "(xrelocd-backend sim)\n";

	conf_load_bad(text);
	ck_assert(capture_has("t.sxp:2:23: xend-relocation-port: 70000 out "
	    "of range 1..65535"));
	ck_assert(capture_has("t.sxp:3:26: xend-relocation-server: 'perhaps' "
	    "is not a boolean"));
	ck_assert(capture_has("t.sxp:5:1: xrelocd-max-rounds: missing value"));
	ck_assert(capture_has("warn: conf: t.sxp:4:2: unknown key 'xend-port' "
	    "ignored"));
	ck_assert_uint_eq(capture_count("err: conf:"), 3);
	capture_stop();
}
END_TEST

/* Syntax errors come from the reader, with their places, and stop there. */
START_TEST(test_syntax_error)
{
	conf_load_bad("(xend-relocation-port 8002\n(xrelocd-backend 'sim)\n");
	ck_assert(capture_has("err: sxp: t.sxp:2:18: unterminated string"));
	capture_stop();
}
END_TEST

START_TEST(test_unknown_nested)
{
	struct reloc_conf	*conf;

	capture_start();
	conf = conf_load_ok("(xen-api-server ((9363 pam '^localhost$ example\\\\."
	    "com$') (unix none)))\n(odd)\n(xend-relocation-port 8010)");
	ck_assert_uint_eq(capture_count("unknown key"), 2);
	ck_assert(capture_has("t.sxp:1:2: unknown key 'xen-api-server' "
	    "ignored"));
	ck_assert(capture_has("t.sxp:2:2: unknown key 'odd' ignored"));
	ck_assert_int_eq(reloc_conf_int(conf, RELOC_CK_RELOCATION_PORT), 8010);
	capture_stop();
	reloc_conf_free(conf);
}
END_TEST

START_TEST(test_duplicate)
{
	struct reloc_conf	*conf;

	capture_start();
	conf = conf_load_ok("(xend-relocation-port 8010)\n"
	    "(xend-relocation-port 8020)\n");
	ck_assert(capture_has("warn: conf: t.sxp:2:23: xend-relocation-port: "
	    "duplicate key replaces the value at line 1"));
	ck_assert_uint_eq(capture_count("warn:"), 1);
	ck_assert_int_eq(reloc_conf_int(conf, RELOC_CK_RELOCATION_PORT), 8020);
	capture_stop();
	reloc_conf_free(conf);
}
END_TEST

START_TEST(test_load_missing)
{
	struct reloc_conf	*conf = NULL;

	capture_start();
	ck_assert_int_eq(reloc_conf_load("/nonexistent/xend-config.sxp",
	    &conf), RELOC_ERR_NOENT);
	ck_assert(capture_has("/nonexistent/xend-config.sxp: No such file"));
	capture_stop();
	ck_assert_ptr_null(conf);
}
END_TEST

/* ---------------------------------------------------------------- files */

/* The shipped sample: no warning, the relocation server on, else defaults. */
START_TEST(test_sample)
{
	struct reloc_conf	*conf = NULL;

	capture_start();
	ck_assert_int_eq(reloc_conf_load(TOP_SRCDIR "/etc/xend-config.sxp",
	    &conf), 0);
	ck_assert_str_eq(capture_text(), "");
	capture_stop();
	ck_assert(reloc_conf_bool(conf, RELOC_CK_RELOCATION_SERVER));
	ck_assert_uint_eq(reloc_allow_count(reloc_conf_allow(conf)), 2);
	ck_assert_int_eq(reloc_conf_int(conf, RELOC_CK_RELOCATION_PORT), 8002);
	ck_assert_str_eq(reloc_conf_str(conf, RELOC_CK_BACKEND), "libxl");
	reloc_conf_free(conf);
}
END_TEST

START_TEST(test_full)
{
	struct reloc_conf	*conf = NULL;

	capture_start();
	ck_assert_int_eq(reloc_conf_load(test_data_path("conf/full.sxp"),
	    &conf), 0);
	ck_assert_str_eq(capture_text(), "");
	capture_stop();
	ck_assert(reloc_conf_bool(conf, RELOC_CK_RELOCATION_SERVER));
	ck_assert_int_eq(reloc_conf_int(conf, RELOC_CK_RELOCATION_PORT), 9002);
	ck_assert_str_eq(reloc_conf_str(conf, RELOC_CK_RELOCATION_ADDRESS),
	    "eth1");
	ck_assert_str_eq(reloc_conf_str(conf,
	    RELOC_CK_RELOCATION_HOSTS_ALLOW),
	    "192.0.2.0/24 ^node[0-9]+\\.example\\.org$");
	ck_assert(reloc_allow_needs_name(reloc_conf_allow(conf)));
	ck_assert(reloc_conf_bool(conf, RELOC_CK_SSL_SERVER));
	ck_assert_int_eq(reloc_conf_int(conf, RELOC_CK_SSL_PORT), 9003);
	ck_assert_str_eq(reloc_conf_str(conf, RELOC_CK_SSL_KEY_FILE),
	    "/etc/xrelocd/key.pem");
	ck_assert_str_eq(reloc_conf_str(conf, RELOC_CK_SSL_CERT_FILE),
	    "/etc/xrelocd/cert with space.pem");
	ck_assert(reloc_conf_bool(conf, RELOC_CK_SSL));
	ck_assert_str_eq(reloc_conf_str(conf, RELOC_CK_BACKEND), "sim");
	ck_assert_str_eq(reloc_conf_str(conf, RELOC_CK_CONTROL_SOCKET),
	    "/tmp/xrelocd.sock");
	ck_assert_str_eq(reloc_conf_str(conf, RELOC_CK_LOG_LEVEL), "debug");
	ck_assert_str_eq(reloc_conf_str(conf, RELOC_CK_PID_FILE),
	    "/tmp/xrelocd.pid");
	ck_assert_str_eq(reloc_conf_str(conf, RELOC_CK_SIM_DIR), "/tmp/sim");
	ck_assert_str_eq(reloc_conf_str(conf, RELOC_CK_STATE_DIR), "/tmp/state");
	ck_assert_int_eq(reloc_conf_int(conf, RELOC_CK_MAX_PENDING), 100);
	ck_assert_int_eq(reloc_conf_int(conf, RELOC_CK_HELLO_TIMEOUT), 5);
	ck_assert_int_eq(reloc_conf_int(conf, RELOC_CK_IO_TIMEOUT), 60);
	ck_assert_int_eq(reloc_conf_int(conf, RELOC_CK_MAX_MIGRATIONS), 8);
	ck_assert(reloc_conf_bool(conf, RELOC_CK_AUTO_TUNNEL));
	ck_assert_str_eq(reloc_conf_str(conf, RELOC_CK_TUNNEL_SCRIPT),
	    "/usr/local/etc/xen/scripts/xrelocd-tunnel");
	ck_assert_int_eq(reloc_conf_int(conf, RELOC_CK_MAX_ROUNDS), 30);
	reloc_conf_free(conf);
}
END_TEST

START_TEST(test_three_errors_file)
{
	struct reloc_conf	*conf = NULL;
	const char		*path = test_data_path("conf/three-errors.sxp");
	char			 want[4200];

	capture_start();
	ck_assert_int_eq(reloc_conf_load(path, &conf), RELOC_ERR_CONFIG);
	ck_assert_ptr_null(conf);
	snprintf(want, sizeof(want), "err: conf: %s:3:23: "
	    "xend-relocation-port: 70000 out of range 1..65535", path);
	ck_assert(capture_has(want));
	snprintf(want, sizeof(want), "err: conf: %s:5:18: xrelocd-backend: "
	    "'xen' is not a backend (libxl, sim)", path);
	ck_assert(capture_has(want));
	snprintf(want, sizeof(want), "err: conf: %s:7:2: xrelocd-io-timeout: "
	    "missing value", path);
	ck_assert(capture_has(want));
	snprintf(want, sizeof(want), "warn: conf: %s:6:2: unknown key "
	    "'xend-port' ignored", path);
	ck_assert(capture_has(want));
	snprintf(want, sizeof(want), "warn: conf: %s:8:30: "
	    "xend-relocation-hosts-allow: duplicate key replaces the value at "
	    "line 4", path);
	ck_assert(capture_has(want));
	ck_assert_uint_eq(capture_count("err:"), 3);
	ck_assert_uint_eq(capture_count("warn:"), 2);
	capture_stop();
}
END_TEST

/* ---------------------------------------------------------------- format */

START_TEST(test_format)
{
	struct reloc_conf	*conf;
	char			*t;

	conf = conf_load_ok("(xend-relocation-server on)"
	    "(xend-relocation-hosts-allow '^a$ ^b\\\\.c$')"
	    "(xrelocd-max-rounds 007)");
	ck_assert_int_eq(reloc_conf_format(conf, RELOC_CK_RELOCATION_SERVER,
	    &t), 0);
	ck_assert_str_eq(t, "yes");
	free(t);
	ck_assert_int_eq(reloc_conf_format(conf, RELOC_CK_MAX_ROUNDS, &t), 0);
	ck_assert_str_eq(t, "7");
	free(t);
	ck_assert_int_eq(reloc_conf_format(conf, RELOC_CK_BACKEND, &t), 0);
	ck_assert_str_eq(t, "libxl");
	free(t);
	ck_assert_int_eq(reloc_conf_format(conf,
	    RELOC_CK_RELOCATION_HOSTS_ALLOW, &t), 0);
	ck_assert_str_eq(t, "\"^a$ ^b\\\\.c$\"");
	free(t);
	ck_assert_int_eq(reloc_conf_format(conf, RELOC_CK_SSL_KEY_FILE, &t),
	    0);
	ck_assert_str_eq(t, "\"\"");
	free(t);
	ck_assert_int_eq(reloc_conf_format(conf, RELOC_CK__COUNT, &t),
	    RELOC_ERR_INVAL);
	reloc_conf_free(conf);
}
END_TEST

/* What format writes, loaded again, gives the same value. */
START_TEST(test_format_round_trip)
{
	struct reloc_conf	*conf, *back;
	enum reloc_conf_key	 k;
	char			*text, *t1, *t2;

	conf = conf_load_ok("(xend-relocation-hosts-allow '10.0.0.0/8 ^h\\\\.x$')"
	    "(xend-relocation-server-ssl-key-file '/etc/x y/k.pem')"
	    "(xend-relocation-port 8100) (xrelocd-auto-tunnel yes)");
	for (k = 0; k < RELOC_CK__COUNT; k++) {
		ck_assert_int_eq(reloc_conf_format(conf, k, &t1), 0);
		if (asprintf(&text, "(%s %s)", reloc_conf_key_name(k), t1) < 0)
			ck_abort();
		back = conf_load_ok(text);
		ck_assert_int_eq(reloc_conf_format(back, k, &t2), 0);
		ck_assert_str_eq(t1, t2);
		ck_assert_str_eq(reloc_conf_str(conf, k),
		    reloc_conf_str(back, k));
		reloc_conf_free(back);
		free(text);
		free(t1);
		free(t2);
	}
	reloc_conf_free(conf);
}
END_TEST

static Suite *
conf_suite(void)
{
	Suite	*s = suite_create("conf");
	TCase	*tc;

	tc = tcase_create("xend");
	tcase_add_checked_fixture(tc, log_silence, NULL);
	tcase_add_test(tc, test_xend_30);
	tcase_add_test(tc, test_xend_44);
	tcase_add_test(tc, test_xend_44_uncommented);
	suite_add_tcase(s, tc);

	tc = tcase_create("defaults");
	tcase_add_checked_fixture(tc, log_silence, NULL);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_empty_file);
	tcase_add_test(tc, test_keys_table);
	suite_add_tcase(s, tc);

	suite_add_tcase(s, conf_values_tcase());

	tc = tcase_create("forms");
	tcase_add_checked_fixture(tc, log_silence, NULL);
	tcase_add_test(tc, test_shapes);
	tcase_add_test(tc, test_three_errors);
	tcase_add_test(tc, test_syntax_error);
	tcase_add_test(tc, test_unknown_nested);
	tcase_add_test(tc, test_duplicate);
	tcase_add_test(tc, test_load_missing);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_add_checked_fixture(tc, log_silence, NULL);
	tcase_add_test(tc, test_sample);
	tcase_add_test(tc, test_full);
	tcase_add_test(tc, test_three_errors_file);
	suite_add_tcase(s, tc);

	tc = tcase_create("format");
	tcase_add_checked_fixture(tc, log_silence, NULL);
	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_format_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(conf_suite());
	int	 failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
