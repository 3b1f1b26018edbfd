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
 * The TLS context of a host, built once from the configuration: the
 * protocol floor, this host's certificate and key checked against each
 * other, the trusted CAs, the CRL and the pins.  Also the mode and pin
 * syntax that conf_keys.c checks.
 */

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "tls-int.h"

#define MOD		"tls"

#define CERT_KEY	"xend-relocation-server-ssl-cert-file"
#define KEY_KEY		"xend-relocation-server-ssl-key-file"
#define CA_KEY		"xrelocd-relocation-ssl-ca"
#define CRL_KEY		"xrelocd-relocation-ssl-crl"
#define TLS_READ_BUF	(256 * 1024)	/* read ahead, bytes */
#define TLS13_SUITES	"TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:" \
			    "TLS_CHACHA20_POLY1305_SHA256"

static const char *const mode_names[] = {
	[RELOC_TLS_DISABLED] = "disabled",
	[RELOC_TLS_OPPORTUNISTIC] = "opportunistic",
	[RELOC_TLS_REQUIRED] = "required",
};

#define NMODES	(sizeof(mode_names) / sizeof(mode_names[0]))

/* ---------------------------------------------------------------- syntax */

int
reloc_tls_mode_parse(const char *s, enum reloc_tls_mode *mode_r)
{
	size_t	i;

	if (s == NULL)
		return RELOC_ERR_INVAL;
	for (i = 0; i < NMODES; i++) {
		if (strcmp(s, mode_names[i]) == 0) {
			*mode_r = (enum reloc_tls_mode)i;
			return 0;
		}
	}
	return RELOC_ERR_INVAL;
}

const char *
reloc_tls_mode_name(enum reloc_tls_mode mode)
{
	return (unsigned)mode < NMODES ? mode_names[mode] : "unknown";
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* 64 hex digits, colons allowed between byte pairs. */
bool
reloc__tls_pin_parse(const char *word, size_t len,
    uint8_t pin[RELOC_TLS_PIN_LEN])
{
	size_t	i = 0, n = 0;
	int	hi, lo;

	while (i < len && n < RELOC_TLS_PIN_LEN) {
		if (n > 0 && word[i] == ':' && ++i == len)
			return false;
		if (i + 1 >= len || (hi = hexval(word[i])) < 0 ||
		    (lo = hexval(word[i + 1])) < 0)
			return false;
		pin[n++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	return i == len && n == RELOC_TLS_PIN_LEN;
}

int
reloc_tls_pins_check(const char *spec, size_t *at_r, size_t *len_r)
{
	uint8_t	pin[RELOC_TLS_PIN_LEN];
	size_t	i = 0, len;

	if (spec == NULL)
		return RELOC_ERR_INVAL;
	for (;;) {
		i += strspn(spec + i, " \t\r\n");
		if (spec[i] == '\0')
			return 0;
		len = strcspn(spec + i, " \t\r\n");
		if (!reloc__tls_pin_parse(spec + i, len, pin)) {
			*at_r = i;
			*len_r = len;
			return RELOC_ERR_INVAL;
		}
		i += len;
	}
}

bool
reloc__tls_pin_of(X509 *cert, uint8_t pin[RELOC_TLS_PIN_LEN])
{
	unsigned char	*der = NULL;
	unsigned int	 mdlen = 0;
	int		 len;
	bool		 ok;

	/* The whole DER SubjectPublicKeyInfo, as openssl pkey prints it. */
	if ((len = i2d_PUBKEY(X509_get0_pubkey(cert), &der)) <= 0)
		return false;
	ok = EVP_Digest(der, (size_t)len, pin, &mdlen, EVP_sha256(), NULL) &&
	    mdlen == RELOC_TLS_PIN_LEN;
	OPENSSL_free(der);
	return ok;
}

void
reloc__tls_pin_hex(const uint8_t pin[RELOC_TLS_PIN_LEN], char *hex)
{
	size_t	i;

	for (i = 0; i < RELOC_TLS_PIN_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", pin[i]);
}

int
reloc_tls_pin_of_file(const char *path, uint8_t *out)
{
	FILE	*f;
	X509	*cert;
	bool	 ok;

	if (path == NULL || out == NULL)
		return RELOC_ERR_INVAL;
	if ((f = fopen(path, "r")) == NULL)
		return RELOC_ERR_NOENT;
	cert = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (cert == NULL) {
		ERR_clear_error();
		return RELOC_ERR_INVAL;
	}
	ok = reloc__tls_pin_of(cert, out);
	X509_free(cert);
	return ok ? 0 : RELOC_ERR_INVAL;
}

/* ---------------------------------------------------------------- files */

/* OpenSSL's reason for the last failure, its queue then emptied. */
static const char *
ssl_err(void)
{
	const char	*s = ERR_reason_error_string(ERR_peek_last_error());

	ERR_clear_error();
	return s != NULL ? s : "unknown error";
}

/* 0 when path can be read; else logged with the key's name. */
static int
readable(const char *key, const char *path, bool *dir_r)
{
	struct stat	st;
	FILE		*f;

	if (path[0] == '\0') {
		log_errx(MOD, "%s is not set: tls needs it", key);
		return RELOC_ERR_CONFIG;
	}
	if (stat(path, &st) == -1 || (!S_ISDIR(st.st_mode) &&
	    (f = fopen(path, "r")) == NULL)) {
		log_err(MOD, "%s %s: cannot read it", key, path);
		return RELOC_ERR_CONFIG;
	}
	if (!S_ISDIR(st.st_mode))
		fclose(f);
	else if (dir_r == NULL) {
		log_errx(MOD, "%s %s: is a directory, give a file", key, path);
		return RELOC_ERR_CONFIG;
	}
	if (dir_r != NULL)
		*dir_r = S_ISDIR(st.st_mode);
	return 0;
}

/*
 * Keys are read unattended: an encrypted one is refused.  Without a
 * callback OpenSSL would ask for its passphrase on the terminal, and
 * block the daemon's event loop on a reload.
 */
static int
no_passphrase(char *buf, int size, int rwflag, void *arg)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)arg;
	return -1;
}

static EVP_PKEY *
read_key(const char *path)
{
	EVP_PKEY	*key;
	FILE		*f;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	key = PEM_read_PrivateKey(f, NULL, no_passphrase, NULL);
	fclose(f);
	return key;
}

/*
 * A private key other users of this host can read is a key they can
 * use: say so, as sshd does for host keys (it refuses them; a daemon
 * that ran with such a key yesterday keeps running, warned).
 */
static void
key_mode(const char *path)
{
	struct stat	st;

	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    (st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
		log_warnx(MOD, "%s %s: mode %04o lets other users of this "
		    "host read or change the private key: chmod 600 %s",
		    KEY_KEY, path, (unsigned)(st.st_mode & 07777), path);
}

/* This host's certificate (with its chain) and the key that goes with it. */
static int
load_own(SSL_CTX *ssl, const char *cert, const char *key)
{
	EVP_PKEY	*pkey = NULL;
	int		 rc;

	if ((rc = readable(CERT_KEY, cert, NULL)) < 0 ||
	    (rc = readable(KEY_KEY, key, NULL)) < 0)
		return rc;
	key_mode(key);
	rc = RELOC_ERR_CONFIG;
	SSL_CTX_set_default_passwd_cb(ssl, no_passphrase);
	if (SSL_CTX_use_certificate_chain_file(ssl, cert) != 1) {
		log_errx(MOD, "%s %s: not a pem certificate (%s): give this "
		    "host's certificate", CERT_KEY, cert, ssl_err());
		goto out;
	}
	if ((pkey = read_key(key)) == NULL) {
		log_errx(MOD, "%s %s: not a pem private key (%s), or it is "
		    "encrypted: give the key without a passphrase", KEY_KEY,
		    key, ssl_err());
		goto out;
	}
	if (X509_check_private_key(SSL_CTX_get0_certificate(ssl), pkey) !=
	    1 || SSL_CTX_use_PrivateKey(ssl, pkey) != 1) {
		log_errx(MOD, "%s %s: the key does not match the certificate "
		    "in %s (%s): give the key the certificate was made for",
		    KEY_KEY, key, cert, ssl_err());
		goto out;
	}
	rc = 0;
out:
	EVP_PKEY_free(pkey);
	return rc;
}

static int
load_ca(SSL_CTX *ssl, const char *ca)
{
	bool	dir;
	int	rc, r;

	if ((rc = readable(CA_KEY, ca, &dir)) < 0)
		return rc;
	r = dir ? SSL_CTX_load_verify_locations(ssl, NULL, ca) :
	    SSL_CTX_load_verify_locations(ssl, ca, NULL);
	if (r != 1) {
		log_errx(MOD, "%s %s: no pem certificate in it (%s): give the "
		    "ca that signs the hosts' certificates", CA_KEY, ca,
		    ssl_err());
		return RELOC_ERR_CONFIG;
	}
	return 0;
}

/* A CRL out of its dates: peers that load it refuse every certificate. */
static int
crl_dates(const char *path, X509_CRL *crl)
{
	const ASN1_TIME	*next = X509_CRL_get0_nextUpdate(crl);
	char		 issuer[256];

	X509_NAME_oneline(X509_CRL_get_issuer(crl), issuer, sizeof(issuer));
	if (X509_cmp_current_time(X509_CRL_get0_lastUpdate(crl)) > 0) {
		log_errx(MOD, "%s %s: the crl of %s is not valid yet: check "
		    "this host's clock, or give the current crl", CRL_KEY,
		    path, issuer);
		return RELOC_ERR_CONFIG;
	}
	if (next != NULL && X509_cmp_current_time(next) < 0) {
		log_errx(MOD, "%s %s: the crl of %s has expired (next update "
		    "was due): give the ca's current crl", CRL_KEY, path,
		    issuer);
		return RELOC_ERR_CONFIG;
	}
	return 0;
}

/* The end of a PEM file, or a block that does not parse. */
static bool
pem_at_end(void)
{
	unsigned long	code = ERR_peek_last_error();

	return ERR_GET_LIB(code) == ERR_LIB_PEM &&
	    ERR_GET_REASON(code) == PEM_R_NO_START_LINE;
}

/*
 * Every CRL in the file, each parsed and in its dates; with one, leaf
 * certificates are checked.
 */
static int
load_crl(SSL_CTX *ssl, const char *path)
{
	X509_STORE	*store = SSL_CTX_get_cert_store(ssl);
	X509_CRL	*crl;
	FILE		*f;
	unsigned	 n = 0;
	int		 rc = 0;

	if (path[0] == '\0')
		return 0;
	if ((rc = readable(CRL_KEY, path, NULL)) < 0)
		return rc;
	if ((f = fopen(path, "r")) == NULL)
		return RELOC_ERR_CONFIG;
	ERR_clear_error();
	while (rc == 0 && (crl = PEM_read_X509_CRL(f, NULL, NULL, NULL)) !=
	    NULL) {
		if ((rc = crl_dates(path, crl)) == 0 &&
		    X509_STORE_add_crl(store, crl) == 1)
			n++;
		X509_CRL_free(crl);
	}
	fclose(f);
	if (rc < 0)
		return rc;
	if (n == 0 || !pem_at_end()) {
		log_errx(MOD, "%s %s: %s (%s): give the ca's crl in pem, or "
		    "leave the key out", CRL_KEY, path, n == 0 ? "no pem crl "
		    "in it" : "a crl in it does not parse", ssl_err());
		return RELOC_ERR_CONFIG;
	}
	ERR_clear_error();
	X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
	return 0;
}

/* ---------------------------------------------------------------- context */

static int
load_pins(struct reloc_tls_ctx *ctx, const char *spec)
{
	size_t	i = 0, len, at;

	if (reloc_tls_pins_check(spec, &at, &len) < 0)
		return RELOC_ERR_CONFIG;
	if ((ctx->pins = calloc(strlen(spec) / 64 + 1,
	    sizeof(*ctx->pins))) == NULL)
		return RELOC_ERR_NOMEM;
	for (;;) {
		i += strspn(spec + i, " \t\r\n");
		if (spec[i] == '\0')
			return 0;
		len = strcspn(spec + i, " \t\r\n");
		reloc__tls_pin_parse(spec + i, len, ctx->pins[ctx->npins++]);
		i += len;
	}
}

static SSL_CTX *
ssl_ctx(void)
{
	SSL_CTX	*ssl;

	if ((ssl = SSL_CTX_new(TLS_method())) == NULL)
		return NULL;
	/* 1.3 is chosen whenever both ends have it. */
	if (SSL_CTX_set_min_proto_version(ssl, TLS1_2_VERSION) != 1) {
		SSL_CTX_free(ssl);
		return NULL;
	}
	SSL_CTX_set_options(ssl, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	/*
	 * TLS 1.3: AES-128-GCM first.  A domain's memory is encrypted once
	 * and decrypted once per move, and AES-128 (10 rounds) does 12-15%
	 * more bytes a second than AES-256 (14 rounds) with AES-NI, either
	 * way; both are TLS 1.3's own suites, and the X25519 exchange
	 * gives the keys 128-bit strength anyway.  The server's order
	 * decides.
	 */
	if (SSL_CTX_set_ciphersuites(ssl, TLS13_SUITES) != 1) {
		SSL_CTX_free(ssl);
		return NULL;
	}
	SSL_CTX_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/*
	 * A domain's stream comes in records of 16 KiB: read ahead into a
	 * large buffer, many records a read(2), instead of two reads (the
	 * header, the rest) each.  Every read of a connection goes through
	 * OpenSSL before any poll(), so what it holds is never missed.
	 */
	SSL_CTX_set_read_ahead(ssl, 1);
	SSL_CTX_set_default_read_buffer_len(ssl, TLS_READ_BUF);
	/* One connection per migration: nothing to resume. */
	SSL_CTX_set_session_cache_mode(ssl, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(ssl, 0);
	SSL_CTX_set_verify(ssl, SSL_VERIFY_PEER |
	    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, reloc__tls_verify_cb);
	return ssl;
}

int
reloc_tls_ctx_new(const struct reloc_conf *conf, struct reloc_tls_ctx **ctx_r)
{
	struct reloc_tls_ctx	*ctx;
	int			 rc;

	if (conf == NULL || ctx_r == NULL)
		return RELOC_ERR_INVAL;
	if ((ctx = calloc(1, sizeof(*ctx))) == NULL)
		return RELOC_ERR_NOMEM;
	ctx->refs = 1;
#define STR(k)	reloc_conf_str(conf, (k))
	/* The conf may go first (a reload): hold its allow-list. */
	ctx->allow = reloc__allow_hold(reloc_conf_allow(conf));
	rc = RELOC_ERR_NOMEM;
	if ((ctx->cert = strdup(STR(RELOC_CK_SSL_CERT_FILE))) == NULL ||
	    (ctx->ca = strdup(STR(RELOC_CK_SSL_CA))) == NULL ||
	    (ctx->crl = strdup(STR(RELOC_CK_SSL_CRL))) == NULL)
		goto out;
	if ((ctx->ssl = ssl_ctx()) == NULL) {
		log_errx(MOD, "cannot make a tls context: %s", ssl_err());
		rc = RELOC_ERR_NOMEM;
		goto out;
	}
	if ((rc = load_own(ctx->ssl, STR(RELOC_CK_SSL_CERT_FILE),
	    STR(RELOC_CK_SSL_KEY_FILE))) < 0 ||
	    (rc = load_ca(ctx->ssl, STR(RELOC_CK_SSL_CA))) < 0 ||
	    (rc = load_crl(ctx->ssl, STR(RELOC_CK_SSL_CRL))) < 0 ||
	    (rc = load_pins(ctx, STR(RELOC_CK_SSL_PIN))) < 0)
		goto out;
#undef STR
	rc = 0;
out:
	if (rc == 0)
		*ctx_r = ctx;
	else
		reloc_tls_ctx_free(ctx);
	return rc;
}

void
reloc_tls_ctx_free(struct reloc_tls_ctx *ctx)
{
	if (ctx == NULL || --ctx->refs > 0)
		return;
	SSL_CTX_free(ctx->ssl);
	reloc_allow_free(ctx->allow);
	free(ctx->pins);
	free(ctx->cert);
	free(ctx->ca);
	free(ctx->crl);
	free(ctx);
}
