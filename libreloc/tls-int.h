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
 * What the three TLS files share: the context's fields and the peer
 * check the verify callback runs.  Only tls*.c include OpenSSL.
 */

#ifndef RELOC_TLS_INT_H
#define RELOC_TLS_INT_H

#include <sys/socket.h>

#include <netinet/in.h>

#include <openssl/ssl.h>

#include "reloc-int.h"

#define RELOC__TLS_REASON_MAX	512	/* one line, for both logs */

/*
 * Counted: its creator holds one reference and every connection made
 * from it another, so that a reload can let go of a context while
 * handshakes begun with it finish with it.
 */
struct reloc_tls_ctx {
	unsigned		 refs;
	SSL_CTX			*ssl;
	struct reloc_allow	*allow;		/* compiled from the conf */
	uint8_t			(*pins)[RELOC_TLS_PIN_LEN];
	size_t			 npins;
	char			*cert;		/* the files, for messages */
	char			*ca;
	char			*crl;
};

struct reloc_tls {
	struct reloc_tls_ctx	*ctx;
	SSL			*ssl;
	int			 fd;		/* borrowed */
	enum reloc_tls_role	 role;
	struct sockaddr_storage	 peer;
	socklen_t		 peerlen;
	char			*name;		/* the peer's name or NULL */
	char			 peerstr[INET6_ADDRSTRLEN + 8];
	bool			 refused;	/* by our verify callback */
	char			 reason[RELOC__TLS_REASON_MAX];
};

/* tls.c */
/* Parse one fingerprint word of len bytes; false when malformed. */
bool	reloc__tls_pin_parse(const char *word, size_t len,
	    uint8_t pin[RELOC_TLS_PIN_LEN]);
/* The SPKI SHA-256 of cert; false on failure. */
bool	reloc__tls_pin_of(X509 *cert, uint8_t pin[RELOC_TLS_PIN_LEN]);
/* Lower-case hex of a pin into hex (2 * RELOC_TLS_PIN_LEN + 1 bytes). */
void	reloc__tls_pin_hex(const uint8_t pin[RELOC_TLS_PIN_LEN], char *hex);

/* tls_peer.c */
/* The SSL_CTX verify callback: chain errors, then names and pins. */
int	reloc__tls_verify_cb(int ok, X509_STORE_CTX *xs);

/* tls_conn.c */
/* Set tls->reason (one line, control characters made visible). */
void	reloc__tls_why(struct reloc_tls *tls, const char *fmt, ...)
	    RELOC_PRINTF(2, 3);

#endif /* RELOC_TLS_INT_H */
