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
 * The wire format of control messages: the 12-byte header and the
 * S-expression body, encoded and decoded on byte buffers.  This is the only
 * code that knows the byte layout; it never touches a socket.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reloc-int.h"

#define PROTO	"proto"

/*
 * Bump RELOC_PROTO_VERSION (reloc.h) when a message is added or removed
 * here or its meaning changes.  The numbers are on the wire: never reuse.
 */
static const char *const msg_names[RELOC_MSG__MAX] = {
	[RELOC_MSG_HELLO] = "hello",
	[RELOC_MSG_PRECHECK] = "precheck",
	[RELOC_MSG_VERDICT] = "verdict",
	[RELOC_MSG_STREAM] = "stream",
	[RELOC_MSG_READY] = "ready",
	[RELOC_MSG_GO] = "go",
	[RELOC_MSG_DONE] = "done",
	[RELOC_MSG_ERROR] = "error",
	[RELOC_MSG_QUERY] = "query",
	[RELOC_MSG_ANSWER] = "answer",
	[RELOC_MSG_DECLINED] = "declined",
	[RELOC_MSG_JOIN] = "join",
};

/* The worker channel: its own magic and names, never valid on the wire. */
static const char *const wmsg_names[RELOC_WMSG__MAX] = {
	[RELOC_WMSG_RECORD] = "migration",
	[RELOC_WMSG_ADMIT] = "admit",
	[RELOC_WMSG_JOINED] = "joined",
};

/* One framing, two message sets: the wire's and the worker channel's. */
struct kind {
	uint32_t		 magic;
	uint16_t		 version;
	const char *const	*names;
	unsigned		 nr;
};

static const struct kind wire = {
	RELOC_PROTO_MAGIC, RELOC_PROTO_VERSION, msg_names, RELOC_MSG__MAX
};
static const struct kind worker = {
	RELOC_WCHAN_MAGIC, RELOC_WCHAN_VERSION, wmsg_names, RELOC_WMSG__MAX
};

static const char *
kind_name(const struct kind *k, unsigned type)
{
	return type == 0 || type >= k->nr ? NULL : k->names[type];
}

const char *
reloc_msg_name(enum reloc_msg_type type)
{
	return kind_name(&wire, (unsigned)type);
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t
get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint16_t
get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static int
hdr_encode(const struct kind *k, uint8_t buf[RELOC_PROTO_HDR_LEN],
    unsigned type, size_t len)
{
	if (kind_name(k, type) == NULL || len > RELOC_PROTO_MAX_LEN)
		return RELOC_ERR_INVAL;
	/* magic u32, version u16, type u16, length u32 */
	put_be32(buf, k->magic);
	put_be16(buf + 4, k->version);
	put_be16(buf + 6, (uint16_t)type);
	put_be32(buf + 8, (uint32_t)len);
	return 0;
}

int
reloc_proto_hdr_encode(uint8_t buf[RELOC_PROTO_HDR_LEN],
    enum reloc_msg_type type, size_t len)
{
	return hdr_encode(&wire, buf, (unsigned)type, len);
}

static int
hdr_decode(const struct kind *k, const char *peer, const uint8_t *buf,
    size_t len, unsigned *type_r, uint32_t *len_r)
{
	uint32_t	magic, blen;
	uint16_t	version, type;

	if (peer == NULL)
		peer = "?";
	if (len < RELOC_PROTO_HDR_LEN)
		return RELOC_ERR_AGAIN;
	magic = get_be32(buf);
	version = get_be16(buf + 4);
	type = get_be16(buf + 6);
	blen = get_be32(buf + 8);
	if (magic != k->magic) {
		log_warnx(PROTO, "peer %s: bad magic 0x%08x, not an xrelocd "
		    "peer", peer, (unsigned)magic);
		return RELOC_ERR_PROTO;
	}
	if (version != k->version) {
		log_warnx(PROTO, "peer %s: protocol version %u, we speak %u",
		    peer, (unsigned)version, (unsigned)k->version);
		return RELOC_ERR_PROTO;
	}
	if (kind_name(k, type) == NULL) {
		log_warnx(PROTO, "peer %s: unknown message type %u", peer,
		    (unsigned)type);
		return RELOC_ERR_PROTO;
	}
	if (blen > RELOC_PROTO_MAX_LEN) {
		log_warnx(PROTO, "peer %s: %s message of %lu bytes, over the "
		    "limit of %lu", peer, k->names[type], (unsigned long)blen,
		    (unsigned long)RELOC_PROTO_MAX_LEN);
		return RELOC_ERR_PROTO;
	}
	*type_r = type;
	*len_r = blen;
	return 0;
}

int
reloc_proto_hdr_decode(const char *peer, const uint8_t *buf, size_t len,
    enum reloc_msg_type *type_r, uint32_t *len_r)
{
	unsigned	type;
	int		rc;

	if ((rc = hdr_decode(&wire, peer, buf, len, &type, len_r)) == 0)
		*type_r = (enum reloc_msg_type)type;
	return rc;
}

/* True when sxp is a list whose first element is the atom name. */
static bool
headed_by(const struct reloc_sxp *sxp, const char *name)
{
	const struct reloc_sxp	*head;
	const char		*text;
	size_t			 len;

	if (sxp == NULL || reloc_sxp_type(sxp) != RELOC_SXP_LIST ||
	    (head = reloc_sxp_nth(sxp, 0)) == NULL ||
	    reloc_sxp_type(head) != RELOC_SXP_ATOM)
		return false;
	text = reloc_sxp_atom(head, &len);
	return len == strlen(name) && memcmp(text, name, len) == 0;
}

static int
encode(const struct kind *k, unsigned type, const struct reloc_sxp *body,
    uint8_t **buf_r, size_t *len_r)
{
	const char		*name = kind_name(k, type);
	struct reloc_sxp	*empty = NULL, *atom;
	char			*text = NULL;
	uint8_t			*buf;
	size_t			 tlen;
	int			 rc;

	if (name == NULL)
		return RELOC_ERR_INVAL;
	/* A bodiless message is just its name: (go). */
	if (body == NULL) {
		if ((rc = reloc_sxp_new_list(&empty)) < 0)
			return rc;
		if ((rc = reloc_sxp_new_atom(name, strlen(name), &atom)) < 0 ||
		    (rc = reloc_sxp_append(empty, atom)) < 0)
			goto out;
		body = empty;
	}
	if (!headed_by(body, name)) {
		log_warnx(PROTO, "%s message: body is not a list headed by "
		    "'%s'", name, name);
		rc = RELOC_ERR_INVAL;
		goto out;
	}
	if ((rc = reloc_sxp_write(body, &text, &tlen)) < 0)
		goto out;
	if (tlen > RELOC_PROTO_MAX_LEN) {
		log_warnx(PROTO, "%s message: body of %zu bytes over the "
		    "limit of %lu", name, tlen,
		    (unsigned long)RELOC_PROTO_MAX_LEN);
		rc = RELOC_ERR_INVAL;
		goto out;
	}
	if ((buf = malloc(RELOC_PROTO_HDR_LEN + tlen)) == NULL) {
		rc = RELOC_ERR_NOMEM;
		goto out;
	}
	(void)hdr_encode(k, buf, type, tlen);
	memcpy(buf + RELOC_PROTO_HDR_LEN, text, tlen);
	*buf_r = buf;
	*len_r = RELOC_PROTO_HDR_LEN + tlen;
	rc = 0;
out:
	free(text);
	reloc_sxp_free(empty);
	return rc;
}

int
reloc_proto_encode(enum reloc_msg_type type, const struct reloc_sxp *body,
    uint8_t **buf_r, size_t *len_r)
{
	return encode(&wire, (unsigned)type, body, buf_r, len_r);
}

int
reloc_wchan_encode(enum reloc_wmsg_type type, const struct reloc_sxp *body,
    uint8_t **buf_r, size_t *len_r)
{
	return encode(&worker, (unsigned)type, body, buf_r, len_r);
}

static int
decode(const struct kind *k, const char *peer, const uint8_t *buf,
    size_t len, unsigned *type_r, struct reloc_sxp **body_r, size_t *used_r)
{
	struct reloc_sxp	*top = NULL, *msg;
	unsigned		 type;
	uint32_t		 blen;
	char			 name[128];
	int			 rc;

	if (peer == NULL)
		peer = "?";
	if ((rc = hdr_decode(k, peer, buf, len, &type, &blen)) < 0)
		return rc;
	if (len - RELOC_PROTO_HDR_LEN < blen)
		return RELOC_ERR_AGAIN;
	snprintf(name, sizeof(name), "peer %s", peer);
	if (reloc_sxp_read_mem(name, (const char *)buf + RELOC_PROTO_HDR_LEN,
	    blen, &top) < 0) {
		log_warnx(PROTO, "peer %s: %s message: body is not a valid "
		    "s-expression", peer, k->names[type]);
		return RELOC_ERR_PROTO;
	}
	msg = reloc_sxp_nth(top, 0);
	if (reloc_sxp_len(top) != 1 || !headed_by(msg, k->names[type])) {
		log_warnx(PROTO, "peer %s: %s message: body is not one list "
		    "headed by '%s'", peer, k->names[type], k->names[type]);
		rc = RELOC_ERR_PROTO;
		goto out;
	}
	/* The message keeps the one allocation; the rest goes with it. */
	*body_r = reloc__sxp_take(top, 0);
	top = NULL;
	*type_r = type;
	*used_r = RELOC_PROTO_HDR_LEN + blen;
out:
	reloc_sxp_free(top);
	return rc;
}

int
reloc_proto_decode(const char *peer, const uint8_t *buf, size_t len,
    enum reloc_msg_type *type_r, struct reloc_sxp **body_r, size_t *used_r)
{
	unsigned	type;
	int		rc;

	if ((rc = decode(&wire, peer, buf, len, &type, body_r, used_r)) == 0)
		*type_r = (enum reloc_msg_type)type;
	return rc;
}

int
reloc_wchan_decode(const uint8_t *buf, size_t len,
    enum reloc_wmsg_type *type_r, struct reloc_sxp **body_r, size_t *used_r)
{
	unsigned	type;
	int		rc;

	if ((rc = decode(&worker, "worker", buf, len, &type, body_r,
	    used_r)) == 0)
		*type_r = (enum reloc_wmsg_type)type;
	return rc;
}
