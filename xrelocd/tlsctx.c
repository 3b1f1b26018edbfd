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
 * The daemon's TLS context: which configurations ask for one, and
 * building it at start, for xrelocd -n and on reload, where it is swapped
 * in only once built.  Workers inherit it across fork().
 */

#include <stddef.h>

#include "xrelocd.h"
#include "log.h"

enum reloc_tls_mode
tlsctx_mode(const struct reloc_conf *conf)
{
	enum reloc_tls_mode	mode = RELOC_TLS_OPPORTUNISTIC;

	/* conf_keys.c checked the value when the file was loaded. */
	(void)reloc_tls_mode_parse(reloc_conf_str(conf, RELOC_CK_SSL_MODE),
	    &mode);
	return mode;
}

bool
tlsctx_wanted(const struct reloc_conf *conf)
{
	enum reloc_tls_mode	mode = tlsctx_mode(conf);

	if (mode == RELOC_TLS_DISABLED)
		return false;
	/* A certificate alone: xm migrate -s may use it. */
	return mode == RELOC_TLS_REQUIRED ||
	    reloc_conf_bool(conf, RELOC_CK_SSL_SERVER) ||
	    reloc_conf_bool(conf, RELOC_CK_SSL) ||
	    *reloc_conf_str(conf, RELOC_CK_SSL_CERT_FILE) != '\0';
}

int
tlsctx_build(const struct reloc_conf *conf, const char *path,
    struct reloc_tls_ctx **ctx_r, struct xrelocd_why *why)
{
	*ctx_r = NULL;
	if (!tlsctx_wanted(conf))
		return 0;
	/* Peers would refuse what fails the check: refuse it here first. */
	if (reloc_tls_ctx_new(conf, ctx_r) == 0 &&
	    reloc_tls_ctx_check(*ctx_r) == 0)
		return 0;
	reloc_tls_ctx_free(*ctx_r);
	*ctx_r = NULL;
	xrelocd_why_set(why, 0, "%s asks for tls (xend-relocation-ssl-server, "
	    "xend-relocation-ssl, a certificate file or "
	    "xrelocd-relocation-ssl-mode required) but its certificate, key, "
	    "ca or crl cannot be used (the file is named above): fix that "
	    "file, or set xrelocd-relocation-ssl-mode disabled", path);
	return -1;
}
