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
 * libreloc: mutual TLS for relocation (tls.c, tls_conn.c, tls_peer.c).
 * A context built once from the configuration, then one connection
 * object per socket that wraps OpenSSL's SSL and knows nothing of the
 * wire protocol: the channel, the listener and the stream pump read and
 * write through it.  Included by reloc.h.
 */

#ifndef RELOC_TLS_H
#define RELOC_TLS_H

/*
 * xrelocd-relocation-ssl-mode.  REQUIRED: migrations only over TLS, the
 * plain port takes none.  OPPORTUNISTIC (the default): TLS when this
 * host has a certificate and the peer or the user asks for it, plain
 * otherwise, so a configuration without certificates works as before.
 * DISABLED: never TLS.
 */
enum reloc_tls_mode {
	RELOC_TLS_DISABLED,
	RELOC_TLS_OPPORTUNISTIC,
	RELOC_TLS_REQUIRED,
};

/* Parse "required", "opportunistic", "disabled".  RELOC_ERR_INVAL else. */
int reloc_tls_mode_parse(const char *s, enum reloc_tls_mode *mode_r);
/* The name of a mode, as written in the config; static. */
const char *reloc_tls_mode_name(enum reloc_tls_mode mode);

/* A pin: the SHA-256 of a certificate's DER SubjectPublicKeyInfo. */
#define RELOC_TLS_PIN_LEN	32

/*
 * Check an xrelocd-relocation-ssl-pin value: white-space separated
 * fingerprints, each 64 hex digits (either case, colons between byte
 * pairs allowed), the form that
 *	openssl x509 -pubkey -noout | openssl pkey -pubin -outform der |
 *	openssl dgst -sha256
 * prints after "= ".  The empty string is no pin.  On RELOC_ERR_INVAL,
 * *at_r and *len_r give the offset and length of the first bad word.
 * Does not block.
 */
int reloc_tls_pins_check(const char *spec, size_t *at_r, size_t *len_r);

/*
 * Compute the pin of the certificate in PEM file PATH into
 * out[RELOC_TLS_PIN_LEN], for tests and xrelocd's messages.
 * RELOC_ERR_NOENT when unreadable, RELOC_ERR_INVAL when not a PEM
 * certificate.  Blocks on file I/O.
 */
int reloc_tls_pin_of_file(const char *path, uint8_t *out);

/*
 * The TLS context of a host: its certificate and key
 * (xend-relocation-server-ssl-cert-file and -key-file, for both the
 * server and the client role), the CAs it trusts
 * (xrelocd-relocation-ssl-ca, a PEM file or a c_rehash'ed directory),
 * the CRL (xrelocd-relocation-ssl-crl; when set, every certificate of
 * the chain is checked against it), the pins
 * (xrelocd-relocation-ssl-pin) and the allow-list.  TLS 1.2 at least,
 * 1.3 preferred.
 */
struct reloc_tls_ctx;

/*
 * Build the context from conf, which may be freed before it (the
 * context holds its own reference to conf's allow-list).  Every problem
 * is logged (module "tls") naming the key and the file and what is
 * wrong with it: unreadable, not PEM, the key not matching the
 * certificate, no CA, a CRL file with a block that does not parse or a
 * CRL out of its dates; the call then fails with RELOC_ERR_CONFIG.  A
 * certificate, a key and a CA are all required.  Blocks on file I/O.
 * The caller holds one reference.
 */
int reloc_tls_ctx_new(const struct reloc_conf *conf,
    struct reloc_tls_ctx **ctx_r);
/*
 * Whether peers would accept this host's own certificate, checked as
 * they check it: valid now, its chain verified against the context's
 * own CA and CRL (not revoked), and an extendedKeyUsage that allows
 * both serverAuth and clientAuth (a host receives and sends
 * migrations).  0, or RELOC_ERR_CONFIG with the reason logged (module
 * "tls"), naming the key and the file and the fix.  xrelocd checks so
 * before it uses a context; tests skip it to play a bad peer.  Does
 * not block.
 */
int reloc_tls_ctx_check(const struct reloc_tls_ctx *ctx);
/*
 * Drop the caller's reference; NULL is a no-op.  Every connection made
 * by reloc_tls_new() holds another until reloc_tls_free(), so a context
 * dropped while handshakes use it lives until the last of them ends:
 * they finish with the certificates, CA, CRL, pins and allow-list they
 * began with.  Not thread-safe.
 */
void reloc_tls_ctx_free(struct reloc_tls_ctx *ctx);

/* One TLS connection over a socket. */
struct reloc_tls;

enum reloc_tls_role {
	RELOC_TLS_CLIENT,	/* the source: it connected */
	RELOC_TLS_SERVER,	/* the target: it accepted */
};

/*
 * Who the peer is, for the certificate check.  sa is the address the
 * socket is connected to (getpeername()); name is the peer's
 * forward-confirmed name on the server role, the host name the user
 * gave on the client role, or NULL.  Both are copied.
 */
struct reloc_tls_peer {
	const struct sockaddr	*sa;
	socklen_t		 salen;
	const char		*name;
};

/* Flags of reloc_tls_new(). */
#define RELOC_TLS_KTLS	0x1	/* ask OpenSSL for kernel TLS */

/*
 * Wrap fd, a connected stream socket that the caller keeps owning (it
 * is never closed here) and that is made non-blocking.  The connection
 * holds a reference to ctx.  The peer is checked during
 * reloc_tls_handshake().  Does not block.
 */
int reloc_tls_new(struct reloc_tls_ctx *ctx, int fd, enum reloc_tls_role role,
    const struct reloc_tls_peer *peer, unsigned flags,
    struct reloc_tls **tls_r);
/*
 * Free without sending anything, not even a close_notify (see
 * reloc_tls_shutdown()): a process that forked a child which goes on
 * with the connection frees its copy so.  NULL: no-op.
 */
void reloc_tls_free(struct reloc_tls *tls);

/*
 * Handshake within timeout_ms (the caller's HELLO timeout; <= 0 means
 * no deadline), then check the peer: its chain must verify against the
 * CA (and the CRL), and its certificate must either name the peer --
 * an IP subjectAltName equal to the peer's address, or a DNS one equal
 * to the peer's name, that the allow-list admits with the same rules as
 * reloc_allow_match() -- or have an SPKI SHA-256 listed as a pin.
 * Returns 0, RELOC_ERR_DENIED (the peer's certificate was refused, by
 * us or by the peer), RELOC_ERR_PROTO (not TLS, or a TLS error),
 * RELOC_ERR_TIMEOUT, RELOC_ERR_CLOSED or RELOC_ERR_IO; then
 * reloc_tls_reason() says why in one line naming the name or
 * fingerprint that failed; the caller logs it.  Under TLS 1.3 the
 * client's handshake ends before the server has checked it, so a
 * server's refusal reaches the client as RELOC_ERR_DENIED from its
 * first reloc_tls_read() or reloc_tls_write() instead.  Blocks in
 * poll() up to the deadline.
 */
int reloc_tls_handshake(struct reloc_tls *tls, int timeout_ms);

/*
 * One step of the handshake and the peer check of reloc_tls_handshake()
 * that never blocks, for an event loop: 0 when done (the peer checked),
 * RELOC_ERR_AGAIN when the socket must first become readable
 * (*events_r POLLIN) or writable (POLLOUT), else an error of
 * reloc_tls_handshake() with its reason.  The deadline is the caller's.
 * A refusal has queued the alert on the socket already.
 */
int reloc_tls_handshake_step(struct reloc_tls *tls, short *events_r);

/*
 * Read and write through fd from now on: the same socket under another
 * number (the connection passed to a worker process, which inherited
 * tls across fork() and dup()ed the socket).  The caller keeps owning
 * fd.  0, RELOC_ERR_INVAL or RELOC_ERR_NOMEM.  Does not block.
 */
int reloc_tls_set_fd(struct reloc_tls *tls, int fd);

/*
 * The last failure's reason: one line, lower case, never NULL ("" when
 * none); borrowed, valid until the next call on tls.
 */
const char *reloc_tls_reason(const struct reloc_tls *tls);

/* After the handshake: "TLSv1.3" and the cipher's name; borrowed. */
const char *reloc_tls_version(const struct reloc_tls *tls);
const char *reloc_tls_cipher(const struct reloc_tls *tls);

/*
 * Read or write at most len bytes without blocking.  0 with *n_r > 0
 * on progress; RELOC_ERR_AGAIN when the socket must first become
 * readable (*events_r POLLIN) or writable (POLLOUT), whatever the call
 * was; RELOC_ERR_CLOSED on the peer's close_notify or end of file;
 * RELOC_ERR_PROTO or RELOC_ERR_IO on failure, with a reason.
 */
int reloc_tls_read(struct reloc_tls *tls, void *buf, size_t len,
    size_t *n_r, short *events_r);
int reloc_tls_write(struct reloc_tls *tls, const void *buf, size_t len,
    size_t *n_r, short *events_r);

/*
 * Send close_notify (once, without waiting for the peer's).  0 or
 * RELOC_ERR_AGAIN with *events_r as above.  Does not block.
 */
int reloc_tls_shutdown(struct reloc_tls *tls, short *events_r);

/*
 * Whether the kernel does the record layer after the handshake: when
 * reloc_tls_new() had RELOC_TLS_KTLS and the kernel and OpenSSL both
 * offer it for the negotiated cipher, *send_r and *recv_r tell each
 * direction.  Where it is not, reads and writes still go through
 * OpenSSL.  Does not block.
 */
void reloc_tls_ktls(const struct reloc_tls *tls, bool *send_r, bool *recv_r);

/*
 * Whether OpenSSL holds received application data not yet read
 * (SSL_has_pending): with kernel TLS for receiving, the socket can be
 * read directly only when it holds none.  Does not block.
 */
bool reloc_tls_pending(const struct reloc_tls *tls);

#endif /* RELOC_TLS_H */
