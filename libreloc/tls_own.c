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
 * This host's own certificate as its peers will check it: its dates,
 * its chain against our own CA and CRL, and its purposes, both of them,
 * since xrelocd is the TLS server of the migrations it receives and the
 * client of those it sends.
 */

#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tls-int.h"

#define MOD		"tls"

#define CERT_KEY	"xend-relocation-server-ssl-cert-file"
#define CA_KEY		"xrelocd-relocation-ssl-ca"
#define CRL_KEY		"xrelocd-relocation-ssl-crl"

/* The purposes a peer checks our certificate for, with the EKU's name. */
static const struct {
	int		 purpose;
	const char	*eku;
	const char	*role;
} purposes[] = {
	{ X509_PURPOSE_SSL_SERVER, "serverAuth", "receives migrations" },
	{ X509_PURPOSE_SSL_CLIENT, "clientAuth", "sends migrations" },
};

static const char *
cn_of(X509 *cert, char *buf, size_t size)
{
	X509_NAME	*name = X509_get_subject_name(cert);

	if (name == NULL || X509_NAME_get_text_by_NID(name, NID_commonName,
	    buf, (int)size) <= 0)
		snprintf(buf, size, "?");
	return buf;
}

static const char *
time_text(const ASN1_TIME *t, char *buf, size_t size)
{
	BIO	*b;
	int	 n = 0;

	buf[0] = '\0';
	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return buf;
	if (ASN1_TIME_print(b, t) == 1 &&
	    (n = BIO_read(b, buf, (int)size - 1)) < 0)
		n = 0;
	buf[n] = '\0';
	BIO_free(b);
	return buf;
}

/* Valid now: peers check the dates with their own clocks. */
static int
check_dates(const struct reloc_tls_ctx *ctx, X509 *cert)
{
	char	cn[128], when[64];

	if (X509_cmp_current_time(X509_get0_notAfter(cert)) < 0) {
		log_errx(MOD, "%s %s: certificate '%s' expired on %s: peers "
		    "refuse it; renew it", CERT_KEY, ctx->cert,
		    cn_of(cert, cn, sizeof(cn)),
		    time_text(X509_get0_notAfter(cert), when, sizeof(when)));
		return RELOC_ERR_CONFIG;
	}
	if (X509_cmp_current_time(X509_get0_notBefore(cert)) > 0) {
		log_errx(MOD, "%s %s: certificate '%s' is not valid before "
		    "%s: peers refuse it; check this host's clock, or make it "
		    "valid from now", CERT_KEY, ctx->cert,
		    cn_of(cert, cn, sizeof(cn)),
		    time_text(X509_get0_notBefore(cert), when, sizeof(when)));
		return RELOC_ERR_CONFIG;
	}
	return 0;
}

static bool
crl_error(int err)
{
	switch (err) {
	case X509_V_ERR_UNABLE_TO_GET_CRL:
	case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
	case X509_V_ERR_CRL_HAS_EXPIRED:
	case X509_V_ERR_CRL_NOT_YET_VALID:
	case X509_V_ERR_CRL_SIGNATURE_FAILURE:
	case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
		return true;
	}
	return false;
}

/* Why the chain did not verify for purposes[i], said for the user. */
static void
verify_failed(const struct reloc_tls_ctx *ctx, X509 *cert, size_t i, int err)
{
	const char	*why = X509_verify_cert_error_string(err);
	char		 cn[128];

	cn_of(cert, cn, sizeof(cn));
	if (err == X509_V_ERR_CERT_REVOKED)
		log_errx(MOD, "%s %s: certificate '%s' is revoked by %s %s: "
		    "peers refuse it; give this host a new certificate",
		    CERT_KEY, ctx->cert, cn, CRL_KEY, ctx->crl);
	else if (err == X509_V_ERR_INVALID_PURPOSE)
		log_errx(MOD, "%s %s: certificate '%s' is not for %s "
		    "(its extendedKeyUsage leaves out %s), and this host both "
		    "receives and sends migrations: make it with "
		    "extendedKeyUsage serverAuth,clientAuth", CERT_KEY,
		    ctx->cert, cn, purposes[i].eku, purposes[i].eku);
	else if (crl_error(err))
		log_errx(MOD, "%s %s: cannot check certificate '%s' of %s "
		    "against it (%s): give the current crl of the ca that "
		    "signed it", CRL_KEY, ctx->crl, cn, ctx->cert, why);
	else
		log_errx(MOD, "%s %s: certificate '%s' does not verify "
		    "against %s %s (%s): peers would refuse it; give a "
		    "certificate that ca signed, or add its ca", CERT_KEY,
		    ctx->cert, cn, CA_KEY, ctx->ca, why);
}

/* The chain from our certificate to our CA, as a peer builds it. */
static int
check_chain(const struct reloc_tls_ctx *ctx, X509 *cert)
{
	X509_STORE_CTX	*xs = NULL;
	STACK_OF(X509)	*chain = NULL;
	size_t		 i;
	int		 rc = 0, err;

	(void)SSL_CTX_get0_chain_certs(ctx->ssl, &chain);
	for (i = 0; rc == 0 && i < sizeof(purposes) / sizeof(purposes[0]);
	    i++) {
		if ((xs = X509_STORE_CTX_new()) == NULL ||
		    X509_STORE_CTX_init(xs, SSL_CTX_get_cert_store(ctx->ssl),
		    cert, chain) != 1 ||
		    X509_STORE_CTX_set_purpose(xs, purposes[i].purpose) != 1) {
			rc = RELOC_ERR_NOMEM;
		} else if (X509_verify_cert(xs) != 1) {
			err = X509_STORE_CTX_get_error(xs);
			verify_failed(ctx, cert, i, err);
			rc = RELOC_ERR_CONFIG;
		}
		X509_STORE_CTX_free(xs);
		xs = NULL;
	}
	ERR_clear_error();
	return rc;
}

int
reloc_tls_ctx_check(const struct reloc_tls_ctx *ctx)
{
	X509	*cert;
	int	 rc;

	if (ctx == NULL)
		return RELOC_ERR_INVAL;
	if ((cert = SSL_CTX_get0_certificate(ctx->ssl)) == NULL)
		return RELOC_ERR_INVAL;
	if ((rc = check_dates(ctx, cert)) < 0)
		return rc;
	return check_chain(ctx, cert);
}
