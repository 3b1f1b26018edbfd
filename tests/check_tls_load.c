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
 * The TLS suite's fixture and its load cases: certificates made once by
 * scripts/lab-ca.sh, each end's config, and a context refused at load
 * with a message naming the file and what is wrong with it.
 */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_tls.h"
#include "common.h"
#include "reloc.h"

#define ALLOW		"'192.0.2.0/24 ^host[a-c]\\\\.lab$'"

char	*tls_dir;

/* SIGPIPE ignored: a refused peer's socket is closed under it. */
void
tls_make_certs(void)
{
	char	*cmd;

	signal(SIGPIPE, SIG_IGN);
	tls_dir = test_tmpdir("tls");
	if (asprintf(&cmd, "sh %s/scripts/lab-ca.sh -d %s testset",
	    TOP_SRCDIR, tls_dir) < 0)
		abort();
	if (system(cmd) != 0) {
		fprintf(stderr, "%s failed\n", cmd);
		abort();
	}
	free(cmd);
}

void
tls_remove_certs(void)
{
	rm_rf(tls_dir);
	free(tls_dir);
	tls_dir = NULL;
}

struct reloc_conf *
tls_conf_of(const struct side *s)
{
	struct reloc_conf	*conf = NULL;
	char			*text;
	int			 n;

	n = asprintf(&text, "(xend-relocation-server-ssl-cert-file %s/%s.pem)\n"
	    "(xend-relocation-server-ssl-key-file %s/%s.key)\n"
	    "(xrelocd-relocation-ssl-ca %s/ca.pem)\n"
	    "(xrelocd-relocation-ssl-crl %s/crl.pem)\n"
	    "(xend-relocation-hosts-allow %s)\n%s", tls_dir, s->cert, tls_dir,
	    s->key != NULL ? s->key : s->cert, tls_dir, tls_dir, ALLOW,
	    s->conf != NULL ? s->conf : "");
	ck_assert_int_ge(n, 0);
	ck_assert_int_eq(reloc_conf_load_mem("t.sxp", text, strlen(text),
	    &conf), 0);
	free(text);
	return conf;
}

/* ---------------------------------------------------------------- load */

/* want_at with each @ standing for the CA's directory, into want. */
static void
expand_at(const char *want_at, char *want, size_t size)
{
	size_t	n = 0;

	for (; *want_at != '\0' && n < size - 256; want_at++)
		if (*want_at == '@')
			n += (size_t)snprintf(want + n, size - n, "%s",
			    tls_dir);
		else
			want[n++] = *want_at;
	want[n] = '\0';
}

/*
 * The configuration of a side with cert and key, plus extra (@: the
 * CA's directory) when not NULL.
 */
static struct reloc_conf *
conf_with(const char *cert, const char *key, const char *extra)
{
	struct side	s = { .cert = cert, .key = key };
	char		more[1024];

	if (extra != NULL) {
		expand_at(extra, more, sizeof(more));
		s.conf = more;
	}
	return tls_conf_of(&s);
}

/* The context is refused at load, with the expected message. */
static void
load_bad(const char *cert, const char *key, const char *extra,
    const char *want_at)
{
	struct reloc_conf	*conf = conf_with(cert, key, extra);
	struct reloc_tls_ctx	*ctx = NULL;
	char			 want[1024];

	expand_at(want_at, want, sizeof(want));
	capture_start();
	ck_assert_int_eq(reloc_tls_ctx_new(conf, &ctx), RELOC_ERR_CONFIG);
	ck_assert_ptr_null(ctx);
	if (!capture_has(want))
		ck_abort_msg("want \"%s\" in:\n%s", want, capture_text());
	capture_stop();
	reloc_conf_free(conf);
}

/*
 * The context loads (a peer playing a bad host can use it), but its own
 * certificate fails reloc_tls_ctx_check(), with the expected message.
 */
static void
own_bad(const char *cert, const char *extra, const char *want_at)
{
	struct reloc_conf	*conf = conf_with(cert, NULL, extra);
	struct reloc_tls_ctx	*ctx = NULL;
	char			 want[1024];

	expand_at(want_at, want, sizeof(want));
	capture_start();
	ck_assert_int_eq(reloc_tls_ctx_new(conf, &ctx), 0);
	ck_assert_int_eq(reloc_tls_ctx_check(ctx), RELOC_ERR_CONFIG);
	if (!capture_has(want))
		ck_abort_msg("want \"%s\" in:\n%s", want, capture_text());
	capture_stop();
	reloc_tls_ctx_free(ctx);
	reloc_conf_free(conf);
}

START_TEST(test_wrong_key_file)
{
	load_bad("hostA.lab", "hostB.lab", NULL, "err: tls: "
	    "xend-relocation-server-ssl-key-file @/hostB.lab.key: the key "
	    "does not match the certificate in @/hostA.lab.pem");
	load_bad("hostA.lab", "nokey", NULL, "err: tls: "
	    "xend-relocation-server-ssl-key-file @/nokey.key: cannot read "
	    "it: No such file or directory");
	load_bad("hostA.lab", "../hostA.lab.pem", NULL, "err: tls: "
	    "xend-relocation-server-ssl-key-file @/../hostA.lab.pem.key: "
	    "cannot read it");
	load_bad("ca.key", "ca", NULL, "err: tls: "
	    "xend-relocation-server-ssl-cert-file @/ca.key.pem: cannot read "
	    "it");
}
END_TEST

/* An encrypted key is refused at once, never prompted for. */
START_TEST(test_encrypted_key)
{
	char	*cmd;

	if (asprintf(&cmd, "openssl pkey -in %s/hostA.lab.key -aes256 "
	    "-passout pass:secret -out %s/enc.key", tls_dir, tls_dir) < 0)
		abort();
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	load_bad("hostA.lab", "enc", NULL, "err: tls: "
	    "xend-relocation-server-ssl-key-file @/enc.key: not a pem private "
	    "key");
	load_bad("hostA.lab", "enc", NULL, "or it is encrypted: give the key "
	    "without a passphrase");
}
END_TEST

START_TEST(test_bad_ca_crl)
{
	load_bad("hostA.lab", NULL, "(xrelocd-relocation-ssl-ca '')",
	    "err: tls: xrelocd-relocation-ssl-ca is not set: tls needs it");
	load_bad("hostA.lab", NULL, "(xrelocd-relocation-ssl-crl "
	    "/nonexistent/crl.pem)", "err: tls: xrelocd-relocation-ssl-crl "
	    "/nonexistent/crl.pem: cannot read it");
}
END_TEST

#define CERT_FILE	"err: tls: xend-relocation-server-ssl-cert-file "

START_TEST(test_own_dates)
{
	own_bad("expired", NULL, CERT_FILE "@/expired.pem: certificate "
	    "'hostB.lab' expired on Jan  1 00:00:00 2021 GMT: peers refuse "
	    "it; renew it");
	own_bad("notyet", NULL, CERT_FILE "@/notyet.pem: certificate "
	    "'hostB.lab' is not valid before Jan  1 00:00:00 2099 GMT: peers "
	    "refuse it; check this host's clock, or make it valid from now");
}
END_TEST

START_TEST(test_own_chain)
{
	own_bad("unknown", NULL, CERT_FILE "@/unknown.pem: certificate "
	    "'hostB.lab' does not verify against xrelocd-relocation-ssl-ca "
	    "@/ca.pem (unable to get local issuer certificate): peers would "
	    "refuse it; give a certificate that ca signed, or add its ca");
	own_bad("revoked", NULL, CERT_FILE "@/revoked.pem: certificate "
	    "'hostB.lab' is revoked by xrelocd-relocation-ssl-crl @/crl.pem: "
	    "peers refuse it; give this host a new certificate");
}
END_TEST

/* The daemon is both the tls server and the tls client. */
START_TEST(test_own_purpose)
{
	own_bad("server-only", NULL, CERT_FILE "@/server-only.pem: "
	    "certificate 'hostA.lab' is not for clientAuth (its "
	    "extendedKeyUsage leaves out clientAuth), and this host both "
	    "receives and sends migrations: make it with extendedKeyUsage "
	    "serverAuth,clientAuth");
	own_bad("client-only", NULL, CERT_FILE "@/client-only.pem: "
	    "certificate 'hostA.lab' is not for serverAuth (its "
	    "extendedKeyUsage leaves out serverAuth)");
}
END_TEST

START_TEST(test_own_good)
{
	struct side		 s = { .cert = "hostA.lab" };
	struct reloc_conf	*conf = tls_conf_of(&s);
	struct reloc_tls_ctx	*ctx = NULL;

	capture_start();
	ck_assert_int_eq(reloc_tls_ctx_new(conf, &ctx), 0);
	ck_assert_int_eq(reloc_tls_ctx_check(ctx), 0);
	ck_assert_uint_eq(capture_count("err: "), 0);
	capture_stop();
	reloc_tls_ctx_free(ctx);
	reloc_conf_free(conf);
}
END_TEST

/* A CRL that does not parse, out of its dates, or of another CA. */
START_TEST(test_bad_crl)
{
	char	*cmd;

	free(write_file(tls_dir, "junk-crl.pem", "not a crl\n"));
	load_bad("hostA.lab", NULL, "(xrelocd-relocation-ssl-crl "
	    "@/junk-crl.pem)", "err: tls: xrelocd-relocation-ssl-crl "
	    "@/junk-crl.pem: no pem crl in it");
	/* A good CRL, then a block cut short. */
	ck_assert_int_eq(asprintf(&cmd, "cd %s && { cat crl.pem; printf "
	    "'%%s\\n' '-----BEGIN X509 CRL-----' MIIBbad= "
	    "'-----END X509 CRL-----'; } >cut-crl.pem", tls_dir) > 0, 1);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	load_bad("hostA.lab", NULL, "(xrelocd-relocation-ssl-crl "
	    "@/cut-crl.pem)", "err: tls: xrelocd-relocation-ssl-crl "
	    "@/cut-crl.pem: a crl in it does not parse");
	load_bad("hostA.lab", NULL, "(xrelocd-relocation-ssl-crl "
	    "@/crl-expired.pem)", "err: tls: xrelocd-relocation-ssl-crl "
	    "@/crl-expired.pem: the crl of /CN=xrelocd lab CA ");
	load_bad("hostA.lab", NULL, "(xrelocd-relocation-ssl-crl "
	    "@/crl-expired.pem)", " has expired (next update was due): give "
	    "the ca's current crl");
	own_bad("hostA.lab", "(xrelocd-relocation-ssl-crl @/other/crl.pem)",
	    "err: tls: xrelocd-relocation-ssl-crl @/other/crl.pem: cannot "
	    "check certificate 'hostA.lab' of @/hostA.lab.pem against it "
	    "(unable to get certificate CRL): give the current crl of the ca "
	    "that signed it");
}
END_TEST

TCase *
tls_load_tcase(void)
{
	TCase	*tc = tcase_create("load");

	tcase_add_unchecked_fixture(tc, tls_make_certs, tls_remove_certs);
	tcase_add_test(tc, test_wrong_key_file);
	tcase_add_test(tc, test_encrypted_key);
	tcase_add_test(tc, test_bad_ca_crl);
	tcase_add_test(tc, test_own_dates);
	tcase_add_test(tc, test_own_chain);
	tcase_add_test(tc, test_own_purpose);
	tcase_add_test(tc, test_own_good);
	tcase_add_test(tc, test_bad_crl);
	return tc;
}
