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
 * Who the peer is: after OpenSSL verified the chain (CA, dates, CRL),
 * the peer's certificate must name the host at the other end of the
 * socket, a host the allow-list admits, or carry a pinned key.  Each
 * refusal leaves a one-line reason naming what failed.
 */

#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tls-int.h"

#define MOD		"tls"
#define NAMES_MAX	200	/* the names a refusal lists */

/* What to do about each chain error a user will meet. */
static const struct {
	int		 err;
	const char	*fix;
} chain_fixes[] = {
	{ X509_V_ERR_CERT_HAS_EXPIRED, "renew it" },
	{ X509_V_ERR_CERT_NOT_YET_VALID, "check both hosts' clocks" },
	{ X509_V_ERR_CERT_REVOKED, "it is in xrelocd-relocation-ssl-crl" },
	{ X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
	    "its ca is not in xrelocd-relocation-ssl-ca" },
	{ X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
	    "its ca is not in xrelocd-relocation-ssl-ca" },
	{ X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT,
	    "self-signed: sign it with the ca in xrelocd-relocation-ssl-ca" },
	{ X509_V_ERR_UNABLE_TO_GET_CRL,
	    "xrelocd-relocation-ssl-crl has no crl from its ca" },
	{ X509_V_ERR_CRL_HAS_EXPIRED, "renew xrelocd-relocation-ssl-crl" },
	{ X509_V_ERR_INVALID_PURPOSE,
	    "it needs extendedKeyUsage serverAuth,clientAuth" },
};

static const char *
chain_fix(int err)
{
	size_t	i;

	for (i = 0; i < sizeof(chain_fixes) / sizeof(chain_fixes[0]); i++)
		if (chain_fixes[i].err == err)
			return chain_fixes[i].fix;
	return "check the certificate and xrelocd-relocation-ssl-ca";
}

/* The subject's common name, or its whole name when it has none. */
static const char *
subject(X509 *cert, char *buf, size_t size)
{
	X509_NAME	*name;

	if (cert == NULL || (name = X509_get_subject_name(cert)) == NULL)
		return "?";
	if (X509_NAME_get_text_by_NID(name, NID_commonName, buf,
	    (int)size) > 0)
		return buf;
	X509_NAME_oneline(name, buf, (int)size);
	return buf;
}

/* ---------------------------------------------------------------- names */

/* True when the IP subjectAltName san is the peer's address. */
static bool
ip_is_peer(const struct reloc_tls *t, const ASN1_OCTET_STRING *san)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	const unsigned char		*a = ASN1_STRING_get0_data(san);
	int				 len = ASN1_STRING_length(san);

	if (t->peer.ss_family == AF_INET) {
		sin = (const struct sockaddr_in *)(const void *)&t->peer;
		return len == 4 && memcmp(a, &sin->sin_addr, 4) == 0;
	}
	if (t->peer.ss_family != AF_INET6)
		return false;
	sin6 = (const struct sockaddr_in6 *)(const void *)&t->peer;
	if (len == 16)
		return memcmp(a, &sin6->sin6_addr, 16) == 0;
	/* An IPv4 SAN for a peer seen as ::ffff:a.b.c.d. */
	return len == 4 && IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr) &&
	    memcmp(a, &sin6->sin6_addr.s6_addr[12], 4) == 0;
}

/* Append a SAN's text to the names a refusal lists. */
static void
note(char *names, const char *text)
{
	size_t	len = strlen(names);

	if (len + strlen(text) + 3 >= NAMES_MAX)
		return;
	snprintf(names + len, NAMES_MAX - len, "%s%s", len > 0 ? ", " : "",
	    text);
}

static bool
san_admits(const struct reloc_tls *t, const GENERAL_NAME *gn, char *names)
{
	const struct sockaddr	*sa = (const struct sockaddr *)&t->peer;
	const char		*dns;
	char			 text[256];
	int			 len, af;

	if (gn->type == GEN_IPADD) {
		len = ASN1_STRING_length(gn->d.iPAddress);
		af = len == 4 ? AF_INET : AF_INET6;
		if ((len == 4 || len == 16) && inet_ntop(af,
		    ASN1_STRING_get0_data(gn->d.iPAddress), text,
		    sizeof(text)) != NULL)
			note(names, text);
		return ip_is_peer(t, gn->d.iPAddress) &&
		    reloc_allow_match(t->ctx->allow, sa, t->peerlen, t->name);
	}
	if (gn->type != GEN_DNS)
		return false;
	dns = (const char *)ASN1_STRING_get0_data(gn->d.dNSName);
	len = ASN1_STRING_length(gn->d.dNSName);
	/* A NUL inside the name would let it pass as a shorter one. */
	if (len <= 0 || (size_t)len != strlen(dns))
		return false;
	reloc_log_vis(text, sizeof(text), dns);
	note(names, text);
	return t->name != NULL && strcasecmp(dns, t->name) == 0 &&
	    reloc_allow_match(t->ctx->allow, sa, t->peerlen, dns);
}

static bool
pinned(const struct reloc_tls_ctx *ctx, const uint8_t pin[RELOC_TLS_PIN_LEN])
{
	size_t	i;

	for (i = 0; i < ctx->npins; i++)
		if (memcmp(ctx->pins[i], pin, RELOC_TLS_PIN_LEN) == 0)
			return true;
	return false;
}

/* The leaf, its chain verified: a name of this peer, or a pin. */
static bool
admit(struct reloc_tls *t, X509 *cert)
{
	GENERAL_NAMES	*sans;
	uint8_t		 pin[RELOC_TLS_PIN_LEN];
	char		 hex[2 * RELOC_TLS_PIN_LEN + 1], names[NAMES_MAX];
	char		 cn[128];
	int		 i;
	bool		 ok = false;

	names[0] = '\0';
	if (!reloc__tls_pin_of(cert, pin))
		memset(pin, 0, sizeof(pin));
	reloc__tls_pin_hex(pin, hex);
	if (pinned(t->ctx, pin)) {
		log_info(MOD, "peer %s: certificate '%s' admitted by its pin "
		    "sha256 %s", t->peerstr, subject(cert, cn, sizeof(cn)),
		    hex);
		return true;
	}
	sans = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	for (i = 0; !ok && i < sk_GENERAL_NAME_num(sans); i++)
		ok = san_admits(t, sk_GENERAL_NAME_value(sans, i), names);
	GENERAL_NAMES_free(sans);
	if (ok)
		return true;
	reloc__tls_why(t, "peer %s%s%s: certificate '%s' names %s: none is "
	    "this peer and admitted by xend-relocation-hosts-allow, and its "
	    "sha256 %s is not in xrelocd-relocation-ssl-pin", t->peerstr,
	    t->name != NULL ? " " : "", t->name != NULL ? t->name : "",
	    subject(cert, cn, sizeof(cn)), names[0] != '\0' ? names :
	    "no host (no subjectAltName)", hex);
	return false;
}

/* ---------------------------------------------------------------- verify */

int
reloc__tls_verify_cb(int ok, X509_STORE_CTX *xs)
{
	SSL		*ssl = X509_STORE_CTX_get_ex_data(xs,
			    SSL_get_ex_data_X509_STORE_CTX_idx());
	struct reloc_tls *t = ssl != NULL ? SSL_get_app_data(ssl) : NULL;
	X509		*cert = X509_STORE_CTX_get_current_cert(xs);
	int		 err = X509_STORE_CTX_get_error(xs);
	char		 cn[128];

	if (t == NULL)
		return 0;
	if (t->refused)
		return 0;
	if (!ok) {
		t->refused = true;
		reloc__tls_why(t, "peer %s: certificate '%s' refused: %s (%s)",
		    t->peerstr, subject(cert, cn, sizeof(cn)),
		    X509_verify_cert_error_string(err), chain_fix(err));
		return 0;
	}
	if (X509_STORE_CTX_get_error_depth(xs) != 0)
		return 1;
	if (admit(t, cert))
		return 1;
	t->refused = true;
	X509_STORE_CTX_set_error(xs, X509_V_ERR_APPLICATION_VERIFICATION);
	return 0;
}
