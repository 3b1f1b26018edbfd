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
 * The wire: the relocation protocol, the message channel over a socket,
 * and XML-RPC over HTTP for the control socket.
 * Included by reloc.h; include that.
 */

#ifndef RELOC_PROTO_H
#define RELOC_PROTO_H

#ifndef RELOC_H
#error "include reloc.h, not reloc_proto.h"
#endif

/* ---------------------------------------------------------------- proto.c */

/*
 * The wire protocol.  Every control message is a fixed 12-byte header
 * (magic "XRLC", version, type, body length; network byte order) and an
 * S-expression body whose head atom is the message's name, e.g.
 * (hello (proto 1) ...).  After STREAM the bytes are the backend's stream
 * until its own end, then control messages resume.
 *
 * Bump RELOC_PROTO_VERSION when the header or a message's meaning changes.
 */
#define RELOC_PROTO_MAGIC	0x58524c43u	/* "XRLC" */
#define RELOC_PROTO_VERSION	3
#define RELOC_PROTO_HDR_LEN	12
#define RELOC_PROTO_MAX_LEN	(1u << 20)	/* body bytes, hard limit */

enum reloc_msg_type {
	RELOC_MSG_HELLO = 1,	/* both ways: versions, host facts */
	RELOC_MSG_PRECHECK,	/* source -> target: domain description */
	RELOC_MSG_VERDICT,	/* target -> source: findings; also in
				   place of READY when the recheck fails */
	RELOC_MSG_STREAM,	/* source -> target: stream follows */
	RELOC_MSG_READY,	/* target -> source: restored, paused */
	RELOC_MSG_GO,		/* source -> target: take ownership */
	RELOC_MSG_DONE,		/* target -> source: running there */
	RELOC_MSG_ERROR,	/* either way: abort, with a reason;
				   (code -18) in place of the target's
				   HELLO: busy, retry later */
	RELOC_MSG_QUERY,	/* source daemon -> target daemon, in place
				   of HELLO: what became of migration ID? */
	RELOC_MSG_ANSWER,	/* target -> source: from its journal */
	RELOC_MSG_DECLINED,	/* target -> source after GO: not taken
				   over, the incoming copy is destroyed */
	RELOC_MSG_JOIN,		/* source -> target, in place of HELLO:
				   an extra stream of migration ID; the
				   target echoes it once the lane joined */
	RELOC_MSG__MAX
};

/* "hello", "precheck", ...; NULL for an unknown type. */
const char *reloc_msg_name(enum reloc_msg_type type);

/*
 * The worker channel between a worker process and its daemon uses the
 * same framing with its own magic ("XRLW") and message set, so that no
 * worker message is ever valid on the relocation port, nor the reverse.
 * Its one message carries the migration record, (migration ...).
 */
#define RELOC_WCHAN_MAGIC	0x58524c57u	/* "XRLW" */
#define RELOC_WCHAN_VERSION	1

enum reloc_wmsg_type {
	RELOC_WMSG_RECORD = 1,	/* worker -> daemon: the record, whole */
	RELOC_WMSG_ADMIT,	/* target worker -> daemon, after the
				   source's HELLO: may it run?  (admit
				   (migration ID) (priority high)); answered
				   with one byte, see xrelocd's admit.c */
	RELOC_WMSG_JOINED,	/* target worker -> daemon: its connection
				   is an extra stream, joined; no HELLO,
				   no migration of its own */
	RELOC_WMSG__MAX
};

/* As reloc_proto_encode and _decode, for the worker channel. */
int reloc_wchan_encode(enum reloc_wmsg_type type, const struct reloc_sxp *body,
    uint8_t **buf_r, size_t *len_r);
int reloc_wchan_decode(const uint8_t *buf, size_t len,
    enum reloc_wmsg_type *type_r, struct reloc_sxp **body_r, size_t *used_r);

/* Encode a header for a body of len bytes into buf. */
int reloc_proto_hdr_encode(uint8_t buf[RELOC_PROTO_HDR_LEN],
    enum reloc_msg_type type, size_t len);
/*
 * Check and decode a header.  Bad magic, an unknown version or type, or a
 * length over RELOC_PROTO_MAX_LEN are RELOC_ERR_PROTO, logged naming peer.
 */
int reloc_proto_hdr_decode(const char *peer, const uint8_t *buf, size_t len,
    enum reloc_msg_type *type_r, uint32_t *len_r);
/*
 * Header and body in one malloc'ed buffer.  body must be a list headed by
 * the message's name (else RELOC_ERR_INVAL); NULL sends just (name).
 */
int reloc_proto_encode(enum reloc_msg_type type, const struct reloc_sxp *body,
    uint8_t **buf_r, size_t *len_r);
/*
 * Decode one whole message from buf.  RELOC_ERR_AGAIN when buf holds less
 * than a message; *used_r is the number of bytes it took.  The body must be
 * one list headed by the message's name.
 */
int reloc_proto_decode(const char *peer, const uint8_t *buf, size_t len,
    enum reloc_msg_type *type_r, struct reloc_sxp **body_r, size_t *used_r);

/* ---------------------------------------------------------------- chan.c */

/*
 * A blocking message channel over a connected socket, with a deadline on
 * every read and write (poll).  Used by the migration workers.
 */
struct reloc_chan;

/*
 * Take ownership of fd (closed on failure too).  peer names the other end
 * in log messages; NULL uses its address.  timeout_ms <= 0: no deadline.
 */
int reloc_chan_new(int fd, const char *peer, int timeout_ms,
    struct reloc_chan **chan_r);
/*
 * Connect to host:port (any family), within timeout_ms; blocks.  host is
 * a name, an address or a bracketed IPv6 address.  Each address the name
 * resolves to is tried in turn; the error is that of the last one tried:
 * RELOC_ERR_NONAME (name not resolved), RELOC_ERR_REFUSED (nothing
 * listens), RELOC_ERR_TIMEOUT (no answer: packets dropped),
 * RELOC_ERR_UNREACHABLE (no route), or another reloc_err.  The errno
 * text is logged (module "chan").  On success *chan_r is the caller's.
 */
int reloc_chan_connect(const char *host, const char *port, int timeout_ms,
    struct reloc_chan **chan_r);
/* Close the socket and free.  NULL is a no-op. */
void reloc_chan_free(struct reloc_chan *chan);
int reloc_chan_fd(const struct reloc_chan *chan);
const char *reloc_chan_peer(const struct reloc_chan *chan);
void reloc_chan_set_timeout(struct reloc_chan *chan, int timeout_ms);
/* Local and remote addresses of the socket (borrowed). */
const struct sockaddr *reloc_chan_local_addr(const struct reloc_chan *chan,
    socklen_t *len_r);
const struct sockaddr *reloc_chan_remote_addr(const struct reloc_chan *chan,
    socklen_t *len_r);

/*
 * Run TLS on chan from now on (reloc_tls.h): wrap its socket with a
 * connection of ctx in role (RELOC_TLS_CLIENT on the source, which
 * connected; RELOC_TLS_SERVER on the target), then handshake and check
 * the peer's certificate within timeout_ms (<= 0: no deadline; the
 * target passes its HELLO timeout).  name is the peer's name for the
 * check (the host the user gave on the client, the forward-confirmed
 * name or NULL on the server); it is copied.  chan's TLS connection
 * holds a reference to ctx.  Afterwards every message and
 * reloc_chan_tls()'s stream go through TLS with the same deadlines,
 * and the socket is non-blocking.  On failure the reason is logged
 * (module "chan") and kept in reloc_chan_tls_reason(); a refused
 * handshake was closed with close_notify, end of file and a short
 * drain (at most 0.5 s) so that the peer reads the alert; chan is then
 * only good for reloc_chan_free().  Errors: RELOC_ERR_INVAL (no ctx,
 * TLS already started), RELOC_ERR_DENIED (a certificate refused, by
 * either side), RELOC_ERR_PROTO (the peer does not speak TLS),
 * RELOC_ERR_TIMEOUT, RELOC_ERR_CLOSED, RELOC_ERR_IO, RELOC_ERR_NOMEM.
 * Under TLS 1.3 a server's refusal of the client reaches the client
 * as RELOC_ERR_DENIED from its first receive instead.  Blocks in
 * poll().
 */
int reloc_chan_start_tls(struct reloc_chan *chan, struct reloc_tls_ctx *ctx,
    enum reloc_tls_role role, const char *name, int timeout_ms);
/*
 * Go on over tls, whose handshake and peer check are done already
 * (reloc_tls_handshake_step() in the daemon's event loop, before it
 * forked the worker that holds chan): chan owns tls from now on and
 * frees it, and tls reads and writes chan's socket, made non-blocking,
 * whatever fd it was made on.  Errors: RELOC_ERR_INVAL (no tls, or TLS
 * already started; tls stays the caller's), RELOC_ERR_IO,
 * RELOC_ERR_NOMEM.  Does not block.
 */
int reloc_chan_adopt_tls(struct reloc_chan *chan, struct reloc_tls *tls);
/* The TLS connection of chan (borrowed), or NULL when chan is plain. */
struct reloc_tls *reloc_chan_tls(const struct reloc_chan *chan);
/* Why the last TLS step of chan failed: one line, "" when none; borrowed. */
const char *reloc_chan_tls_reason(const struct reloc_chan *chan);

#define RELOC_CHAN_HEARD_MAX	16

/*
 * The first bytes (at most RELOC_CHAN_HEARD_MAX) received on chan while
 * it was plain, to tell what answered when it is no xrelocd: *bytes_r
 * is borrowed from chan; returns how many, 0 when none.  Does not
 * block.
 */
size_t reloc_chan_heard(const struct reloc_chan *chan,
    const uint8_t **bytes_r);

/*
 * Send one message.  On failure reloc_chan_sent_nothing() tells whether
 * no byte of it reached the kernel: the commit handshake needs to know.
 */
int reloc_chan_send(struct reloc_chan *chan, enum reloc_msg_type type,
    const struct reloc_sxp *body);
bool reloc_chan_sent_nothing(const struct reloc_chan *chan);
/* Send (error (code C) (message M)). */
int reloc_chan_send_error(struct reloc_chan *chan, int code,
    const char *fmt, ...) RELOC_PRINTF(3, 4);
/*
 * Receive one message.  End of file is RELOC_ERR_CLOSED, the deadline
 * RELOC_ERR_TIMEOUT, garbage RELOC_ERR_PROTO.
 */
int reloc_chan_recv(struct reloc_chan *chan, enum reloc_msg_type *type_r,
    struct reloc_sxp **body_r);
/*
 * Receive a message of the given type.  A peer's ERROR is logged with its
 * reason and returned as RELOC_ERR_DENIED (its message in *why_r if not
 * NULL, malloc'ed), or as RELOC_ERR_BUSY when its code is RELOC_ERR_BUSY
 * (-18): the peer is at a cap and nothing was moved, retry later.  Any
 * other type is RELOC_ERR_PROTO.
 */
int reloc_chan_expect(struct reloc_chan *chan, enum reloc_msg_type type,
    struct reloc_sxp **body_r, char **why_r);

/* ---------------------------------------------------------------- xmlrpc.c */

/*
 * XML-RPC as xm spoke it to xend, for the control socket.  A value is an
 * int (<i4>/<int>, 32 bits), an i8 (our <i8> extension, 64 bits, for byte
 * counts), a boolean, a string, a double, an array, a struct, nil
 * (<nil/>, Python's None, which xend's clients send with allow_none), or
 * base64 or dateTime.iso8601 data, kept as their text: every type
 * Python's xmlrpc.client sends.  Struct members keep their order.  Values
 * are heap trees: every _new has reloc_xv_free, and containers own what is
 * put in them.
 */
struct reloc_xv;

enum reloc_xv_type {
	RELOC_XV_INT,
	RELOC_XV_I8,
	RELOC_XV_BOOL,
	RELOC_XV_STRING,
	RELOC_XV_DOUBLE,
	RELOC_XV_ARRAY,
	RELOC_XV_STRUCT,
	RELOC_XV_NIL,
	RELOC_XV_BASE64,
	RELOC_XV_DATETIME,
};

#define RELOC_XMLRPC_MAX_LEN	(1u << 20)	/* document bytes */
#define RELOC_XMLRPC_MAX_DEPTH	32		/* nested arrays/structs */

/* Constructors.  RELOC_XV_INT takes values that fit 32 bits (else INVAL). */
int reloc_xv_new_int(int64_t v, struct reloc_xv **xv_r);
int reloc_xv_new_i8(int64_t v, struct reloc_xv **xv_r);
int reloc_xv_new_bool(bool v, struct reloc_xv **xv_r);
int reloc_xv_new_nil(struct reloc_xv **xv_r);
/* The string is copied.  NULL is the empty string. */
int reloc_xv_new_string(const char *s, struct reloc_xv **xv_r);
int reloc_xv_new_double(double v, struct reloc_xv **xv_r);
/*
 * base64 and dateTime.iso8601 values: the text is copied, not decoded.
 * RELOC_ERR_INVAL unless it is made of base64 characters and blanks, or
 * of digits and "T:-+.Z".
 */
int reloc_xv_new_base64(const char *text, struct reloc_xv **xv_r);
int reloc_xv_new_datetime(const char *text, struct reloc_xv **xv_r);
int reloc_xv_new_array(struct reloc_xv **xv_r);
int reloc_xv_new_struct(struct reloc_xv **xv_r);
/* Deep copy. */
int reloc_xv_copy(const struct reloc_xv *src, struct reloc_xv **xv_r);
/* Free a value and everything in it.  NULL is a no-op. */
void reloc_xv_free(struct reloc_xv *xv);

/*
 * Containers.  Both take ownership of child, even on failure.  Setting a
 * struct member that exists replaces it (in place, keeping the order).
 */
int reloc_xv_array_append(struct reloc_xv *array, struct reloc_xv *child);
int reloc_xv_struct_set(struct reloc_xv *st, const char *name,
    struct reloc_xv *child);
/* Shorthands: construct and set a member in one call. */
int reloc_xv_struct_set_int(struct reloc_xv *st, const char *name,
    int64_t v);
int reloc_xv_struct_set_i8(struct reloc_xv *st, const char *name,
    int64_t v);
int reloc_xv_struct_set_bool(struct reloc_xv *st, const char *name, bool v);
int reloc_xv_struct_set_string(struct reloc_xv *st, const char *name,
    const char *s);
int reloc_xv_struct_set_double(struct reloc_xv *st, const char *name,
    double v);

/*
 * Getters.  Wrong types (nil among them) are RELOC_ERR_INVAL; nothing is
 * converted but int <-> i8 and (for _double) an integer to a double.
 */
enum reloc_xv_type reloc_xv_type(const struct reloc_xv *xv);
const char *reloc_xv_type_name(enum reloc_xv_type type);
int reloc_xv_get_int(const struct reloc_xv *xv, int64_t *v_r);
int reloc_xv_get_bool(const struct reloc_xv *xv, bool *v_r);
int reloc_xv_get_double(const struct reloc_xv *xv, double *v_r);
/* A string's text (borrowed, lives as long as xv); NULL if not a string. */
const char *reloc_xv_get_string(const struct reloc_xv *xv);
/* The text of a string, base64 or dateTime.iso8601 value, else NULL. */
const char *reloc_xv_get_text(const struct reloc_xv *xv);
/* Elements of an array or members of a struct; 0 for scalars. */
size_t reloc_xv_len(const struct reloc_xv *xv);
/*
 * Element i of an array or member i of a struct (its name in *name_r if
 * not NULL), borrowed; NULL when out of range.
 */
struct reloc_xv *reloc_xv_nth(const struct reloc_xv *xv, size_t i,
    const char **name_r);
/* The struct member called name (borrowed), or NULL. */
struct reloc_xv *reloc_xv_member(const struct reloc_xv *st,
    const char *name);
/* Typed member lookups: RELOC_ERR_NOENT when absent, _INVAL if mistyped. */
int reloc_xv_member_int(const struct reloc_xv *st, const char *name,
    int64_t *v_r);
int reloc_xv_member_bool(const struct reloc_xv *st, const char *name,
    bool *v_r);
int reloc_xv_member_double(const struct reloc_xv *st, const char *name,
    double *v_r);
/* Borrowed text of a string member, or NULL when absent or mistyped. */
const char *reloc_xv_member_string(const struct reloc_xv *st,
    const char *name);

/*
 * Encoding (xmlrpc_write.c).  params is an array or NULL (no params).  The
 * document is malloc'ed and NUL-terminated.  Text is escaped; bytes XML
 * cannot carry (control characters, invalid UTF-8) are written as '?'.
 */
int reloc_xmlrpc_call_encode(const char *method,
    const struct reloc_xv *params, char **buf_r, size_t *len_r);
int reloc_xmlrpc_response_encode(const struct reloc_xv *value, char **buf_r,
    size_t *len_r);
int reloc_xmlrpc_fault_encode(int code, const char *string, char **buf_r,
    size_t *len_r);

/*
 * Decoding (xmlrpc_read.c) with libxml2: no network, no DTD, no entity
 * expansion; a DOCTYPE is refused, as are documents over
 * RELOC_XMLRPC_MAX_LEN and values nested deeper than
 * RELOC_XMLRPC_MAX_DEPTH.  Malformed input is
 * RELOC_ERR_PROTO, logged (module "xmlrpc") as "PEER: line N: <element>:
 * what is wrong".  PEER names the other end in messages.
 *
 * call_decode: the method name (malloc'ed) and its params (an array).
 * response_decode: the single value of a methodResponse.  A fault is
 * RELOC_ERR_DENIED with its faultCode and faultString (malloc'ed) in
 * *fault_code_r and *fault_string_r; *value_r is then untouched.
 */
int reloc_xmlrpc_call_decode(const char *peer, const char *buf, size_t len,
    char **method_r, struct reloc_xv **params_r);
int reloc_xmlrpc_response_decode(const char *peer, const char *buf,
    size_t len, struct reloc_xv **value_r, int *fault_code_r,
    char **fault_string_r);

/*
 * HTTP/1.1 framing (xmlrpc_http.c), pure functions on buffers.  A request
 * is "POST /RPC2" with Content-Type text/xml and Content-Length; bodies
 * over RELOC_XMLRPC_MAX_LEN are refused.  The parsers return
 * RELOC_ERR_AGAIN until buf holds the headers and the whole body, then 0
 * with the body (borrowed, pointing into buf) and *used_r the bytes the
 * message took.  Malformed or oversized messages are RELOC_ERR_PROTO,
 * logged naming peer.
 */
int reloc_xmlrpc_http_request(const char *body, size_t len, char **buf_r,
    size_t *len_r);
int reloc_xmlrpc_http_request_parse(const char *peer, const char *buf,
    size_t len, const char **body_r, size_t *body_len_r, size_t *used_r);
/*
 * A response with the given status (200, or 400/404/405/411/413/500 for
 * refused requests) and body (may be NULL with len 0).
 */
int reloc_xmlrpc_http_response(int status, const char *body, size_t len,
    char **buf_r, size_t *len_r);
/* Parse a response; any status but 200 is RELOC_ERR_PROTO, logged. */
int reloc_xmlrpc_http_response_parse(const char *peer, const char *buf,
    size_t len, const char **body_r, size_t *body_len_r, size_t *used_r);

#endif /* RELOC_PROTO_H */
