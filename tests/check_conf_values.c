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
 * Check suite for conf.c, continued: the values each key takes and the
 * errors its bad values get (part of check_conf).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_conf.h"
#include "common.h"
#include "reloc.h"

/* SPKI sha256 fingerprints, as openssl dgst prints them, and with colons. */
#define PIN_A	"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
#define PIN_B_COLONS	"60:30:3A:E2:2B:99:8A:52:3E:F1:B7:F6:A1:06:" \
	"D3:8C:51:91:50:14:07:BE:89:B2:6D:46:21:3B:5E:76:01:D2"

/* ---------------------------------------------------------------- values */

START_TEST(test_bool_words)
{
	static const char *const yes[] = { "yes", "YES", "true", "On", "1" };
	static const char *const no[] = { "no", "No", "FALSE", "off", "0" };
	struct reloc_conf	*conf;
	char			 text[128];
	size_t			 i;

	for (i = 0; i < 5; i++) {
		snprintf(text, sizeof(text), "(xrelocd-auto-tunnel %s)\n"
		    "(xend-relocation-ssl %s)", yes[i], no[i]);
		conf = conf_load_ok(text);
		ck_assert(reloc_conf_bool(conf, RELOC_CK_AUTO_TUNNEL));
		ck_assert(!reloc_conf_bool(conf, RELOC_CK_SSL));
		reloc_conf_free(conf);
	}
}
END_TEST

START_TEST(test_int_bounds)
{
	struct reloc_conf	*conf;

	conf = conf_load_ok("(xend-relocation-port 1) (xrelocd-max-pending 1024)"
	    "(xrelocd-max-rounds 1000) (xrelocd-io-timeout 3600)"
	    "(xend-relocation-ssl-port 65535) (xrelocd-hello-timeout 600)"
	    "(xrelocd-max-migrations 64) (xrelocd-max-downtime 0)"
	    "(xrelocd-precopy-timeout 86400)");
	ck_assert_int_eq(reloc_conf_int(conf, RELOC_CK_RELOCATION_PORT), 1);
	ck_assert_int_eq(reloc_conf_int(conf, RELOC_CK_MAX_PENDING), 1024);
	ck_assert_int_eq(reloc_conf_int(conf, RELOC_CK_MAX_ROUNDS), 1000);
	ck_assert_int_eq(reloc_conf_int(conf, RELOC_CK_IO_TIMEOUT), 3600);
	ck_assert_int_eq(reloc_conf_int(conf, RELOC_CK_SSL_PORT), 65535);
	ck_assert_int_eq(reloc_conf_int(conf, RELOC_CK_HELLO_TIMEOUT), 600);
	ck_assert_int_eq(reloc_conf_int(conf, RELOC_CK_MAX_MIGRATIONS), 64);
	ck_assert_int_eq(reloc_conf_int(conf, RELOC_CK_MAX_DOWNTIME), 0);
	ck_assert_int_eq(reloc_conf_int(conf, RELOC_CK_PRECOPY_TIMEOUT),
	    86400);
	reloc_conf_free(conf);
}
END_TEST

static const struct {
	const char	*key;
	const char	*value;		/* as written in the file */
	const char	*msg;		/* after "t.sxp:1:COL: KEY: " */
} bad_values[] = {
	{ "xend-relocation-server", "maybe", "'maybe' is not a boolean "
	    "(yes/no, true/false, on/off, 1/0)" },
	{ "xend-relocation-port", "70000", "70000 out of range 1..65535" },
	{ "xend-relocation-port", "0", "0 out of range 1..65535" },
	{ "xend-relocation-port", "-1", "-1 out of range 1..65535" },
	{ "xend-relocation-port", "99999999999999999999999",
	    "99999999999999999999999 out of range 1..65535" },
	{ "xend-relocation-port", "0x1f42", "'0x1f42' is not a decimal "
	    "integer" },
	{ "xend-relocation-port", "+8002", "'+8002' is not a decimal integer" },
	{ "xend-relocation-port", "8002.0", "'8002.0' is not a decimal "
	    "integer" },
	{ "xend-relocation-port", "''", "'' is not a decimal integer" },
	{ "xend-relocation-address", "'eth0 eth1'", "'eth0 eth1' is not an "
	    "address, host or interface name" },
	{ "xend-relocation-ssl-server", "2", "'2' is not a boolean" },
	{ "xend-relocation-ssl-port", "65536", "65536 out of range 1..65535" },
	{ "xend-relocation-server-ssl-key-file", "(a)", "value must be an "
	    "atom, not a list" },
	{ "xend-relocation-server-ssl-cert-file", "'a\\0b'", "value contains "
	    "a NUL byte" },
	{ "xend-relocation-ssl", "nope", "'nope' is not a boolean" },
	{ "xrelocd-backend", "xl", "'xl' is not a backend (libxl, sim)" },
	{ "xrelocd-control-socket", "x.sock", "'x.sock' is not an absolute "
	    "path" },
	{ "xrelocd-control-socket", "/run/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxx.sock", "path is longer than 107 bytes" },
	{ "xrelocd-log-level", "loud", "'loud' is not a log level (err, warn, "
	    "info, debug)" },
	{ "xrelocd-pid-file", "run/x.pid", "'run/x.pid' is not an absolute "
	    "path" },
	{ "xrelocd-sim-dir", "''", "'' is not an absolute path" },
	{ "xrelocd-state-dir", "var/lib/xrelocd", "'var/lib/xrelocd' is not "
	    "an absolute path" },
	{ "xrelocd-max-pending", "1025", "1025 out of range 1..1024" },
	{ "xrelocd-max-pending", "0", "0 out of range 1..1024" },
	{ "xrelocd-max-pending-per-peer", "0", "0 out of range 1..1024" },
	{ "xrelocd-max-name-lookups", "65", "65 out of range 1..64" },
	{ "xrelocd-evacuate-targets", "'hostB hostC:0'", "'hostC:0' is not "
	    "HOST or HOST:PORT (a port from 1 to 65535)" },
	{ "xrelocd-evacuate-targets", ":8002", "':8002' is not HOST or "
	    "HOST:PORT" },
	{ "xrelocd-evacuate-targets", "'hostB:80x'", "'hostB:80x' is not" },
	{ "xrelocd-hello-timeout", "601", "601 out of range 1..600" },
	{ "xrelocd-io-timeout", "3601", "3601 out of range 1..3600" },
	{ "xrelocd-io-timeout", "30s", "'30s' is not a decimal integer" },
	{ "xrelocd-max-migrations", "65", "65 out of range 1..64" },
	{ "xrelocd-max-incoming", "0", "0 out of range 1..64" },
	{ "xrelocd-max-incoming-per-peer", "65", "65 out of range 1..64" },
	{ "xrelocd-busy-wait", "86401", "86401 out of range 0..86400" },
	{ "xrelocd-auto-tunnel", "y", "'y' is not a boolean" },
	{ "xrelocd-tunnel-script", "xrelocd-tunnel", "'xrelocd-tunnel' is not "
	    "an absolute path" },
	{ "xrelocd-max-rounds", "1001", "1001 out of range 1..1000" },
	{ "xrelocd-max-downtime", "-1", "-1 out of range 0..3600000" },
	{ "xrelocd-max-downtime", "3600001",
	    "3600001 out of range 0..3600000" },
	{ "xrelocd-precopy-timeout", "86401", "86401 out of range 0..86400" },
	{ "xrelocd-precopy-timeout", "1s", "'1s' is not a decimal integer" },
	{ "xrelocd-max-rounds", "0", "0 out of range 1..1000" },
	{ "xrelocd-relocation-compression", "gzip", "'gzip' is not a "
	    "compression (none, lz4, zstd, auto)" },
	{ "xrelocd-relocation-ssl-ca", "ca.pem", "'ca.pem' is not an "
	    "absolute path" },
	{ "xrelocd-relocation-ssl-crl", "crl.pem", "'crl.pem' is not an "
	    "absolute path" },
	{ "xrelocd-relocation-ssl-mode", "yes", "'yes' is not a mode "
	    "(required, opportunistic, disabled)" },
	{ "xrelocd-relocation-ssl-pin", "'" PIN_A " 12ab'", "'12ab' is not a "
	    "sha256 fingerprint (64 hex digits, as openssl dgst -sha256 prints "
	    "it)" },
	{ "xrelocd-relocation-ssl-pin", PIN_A "0", "'" PIN_A "0' is not a "
	    "sha256 fingerprint" },
	{ "xrelocd-relocation-streams", "17", "17 out of range 1..16" },
	{ "xrelocd-relocation-streams", "0", "0 out of range 1..16" },
};

/* Names, addresses with a port, IPv6 addresses (no port). */
START_TEST(test_evacuate_targets)
{
	struct reloc_conf	*conf;

	conf = conf_load_ok("(xrelocd-evacuate-targets "
	    "'hostB  10.0.0.3:8003\tfe80::1 hostC:65535')");
	ck_assert_str_eq(reloc_conf_str(conf, RELOC_CK_EVACUATE_TARGETS),
	    "hostB  10.0.0.3:8003\tfe80::1 hostC:65535");
	reloc_conf_free(conf);
}
END_TEST

/* Modes, CA and CRL paths, several pins in either spelling. */
START_TEST(test_ssl_values)
{
	struct reloc_conf	*conf;
	enum reloc_tls_mode	 mode;

	conf = conf_load_ok("(xrelocd-relocation-ssl-mode required)\n"
	    "(xrelocd-relocation-ssl-ca /etc/xen/ca)\n"
	    "(xrelocd-relocation-ssl-crl /etc/xen/ca/crl.pem)\n"
	    "(xrelocd-relocation-ssl-pin '" PIN_A "\n " PIN_B_COLONS "')");
	ck_assert_int_eq(reloc_tls_mode_parse(reloc_conf_str(conf,
	    RELOC_CK_SSL_MODE), &mode), 0);
	ck_assert_int_eq(mode, RELOC_TLS_REQUIRED);
	ck_assert_str_eq(reloc_conf_str(conf, RELOC_CK_SSL_CA), "/etc/xen/ca");
	ck_assert_str_eq(reloc_conf_str(conf, RELOC_CK_SSL_CRL),
	    "/etc/xen/ca/crl.pem");
	reloc_conf_free(conf);
	ck_assert_int_eq(reloc_tls_mode_parse("disabled", &mode), 0);
	ck_assert_str_eq(reloc_tls_mode_name(mode), "disabled");
	ck_assert_int_eq(reloc_tls_mode_parse("Required", &mode),
	    RELOC_ERR_INVAL);
}
END_TEST

START_TEST(test_bad_value)
{
	char	text[512], want[512];
	size_t	i = (size_t)_i;

	snprintf(text, sizeof(text), "(%s %s)", bad_values[i].key,
	    bad_values[i].value);
	conf_load_bad(text);
	snprintf(want, sizeof(want), "err: conf: t.sxp:1:%zu: %s: %s",
	    strlen(bad_values[i].key) + 3, bad_values[i].key,
	    bad_values[i].msg);
	if (!capture_has(want))
		ck_abort_msg("want \"%s\" in:\n%s", want, capture_text());
	ck_assert_uint_eq(capture_count("err: "), 1);
	capture_stop();
}
END_TEST

/* Every key appears in the table above with at least one bad value. */
START_TEST(test_bad_value_covers_keys)
{
	enum reloc_conf_key	k;
	size_t			i;
	bool			found;

	for (k = 0; k < RELOC_CK__COUNT; k++) {
		if (k == RELOC_CK_RELOCATION_HOSTS_ALLOW)
			continue;	/* test_bad_allow */
		found = false;
		for (i = 0; i < sizeof(bad_values) / sizeof(bad_values[0]); i++)
			found |= strcmp(bad_values[i].key,
			    reloc_conf_key_name(k)) == 0;
		ck_assert_msg(found, "%s has no bad value test",
		    reloc_conf_key_name(k));
	}
}
END_TEST

/* The allow-list is compiled once, with the place of its value. */
START_TEST(test_bad_allow)
{
	conf_load_bad("\n(xend-relocation-hosts-allow '^ok$ ([')");
	ck_assert(capture_has("t.sxp:2:30: bad regular expression"));
	capture_stop();
}
END_TEST

START_TEST(test_log_level_names)
{
	struct reloc_conf	*conf = conf_load_ok("(xrelocd-log-level DEBUG)");

	ck_assert_str_eq(reloc_conf_str(conf, RELOC_CK_LOG_LEVEL), "DEBUG");
	reloc_conf_free(conf);
}
END_TEST

/* Two keys naming one port or one file: refused at the second key. */
START_TEST(test_clash)
{
	struct reloc_conf	*conf;

	capture_start();
	conf_load_bad("(xend-relocation-server yes)\n"
	    "(xend-relocation-ssl-server yes)\n"
	    "(xend-relocation-ssl-port 8002)\n");
	ck_assert(capture_has("err: conf: t.sxp:3:2: xend-relocation-ssl-port "
	    "8002 is also xend-relocation-port (its default): the plain and "
	    "the tls relocation servers listen on the same address and cannot "
	    "share a port: give each its own (defaults 8002 and 8003)"));
	capture_clear();
	conf_load_bad("(xend-relocation-ssl-port 9000)\n"
	    "(xend-relocation-server yes)\n(xend-relocation-ssl-server yes)\n"
	    "  (xend-relocation-port 9000)\n");
	ck_assert(capture_has("err: conf: t.sxp:4:4: xend-relocation-port "
	    "9000 is also xend-relocation-ssl-port (line 1): "));
	capture_clear();
	conf_load_bad("(xrelocd-control-socket /run/x)\n"
	    "(xrelocd-pid-file /run/x)\n");
	ck_assert(capture_has("err: conf: t.sxp:2:2: xrelocd-pid-file /run/x "
	    "is also xrelocd-control-socket (line 1): one file cannot be both "
	    "the control socket and the pid file: give each its own path"));
	capture_stop();
	/* Only one of the servers listens: nothing to share. */
	conf = conf_load_ok("(xend-relocation-server yes)\n"
	    "(xend-relocation-ssl-port 8002)\n");
	reloc_conf_free(conf);
	conf = conf_load_ok("(xend-relocation-server yes)\n"
	    "(xend-relocation-ssl-server yes)\n"
	    "(xrelocd-relocation-ssl-mode disabled)\n"
	    "(xend-relocation-ssl-port 8002)\n");
	reloc_conf_free(conf);
}
END_TEST

TCase *
conf_values_tcase(void)
{
	TCase	*tc = tcase_create("values");

	tcase_add_checked_fixture(tc, log_silence, NULL);
	tcase_add_test(tc, test_bool_words);
	tcase_add_test(tc, test_int_bounds);
	tcase_add_test(tc, test_ssl_values);
	tcase_add_test(tc, test_evacuate_targets);
	tcase_add_loop_test(tc, test_bad_value, 0,
	    (int)(sizeof(bad_values) / sizeof(bad_values[0])));
	tcase_add_test(tc, test_bad_value_covers_keys);
	tcase_add_test(tc, test_bad_allow);
	tcase_add_test(tc, test_log_level_names);
	tcase_add_test(tc, test_clash);
	return tc;
}
