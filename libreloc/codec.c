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
 * Frames of the compressed stream: one chunk of the backend's stream,
 * compressed with lz4 (block format) or zstd, or sent as it is when that
 * does not shrink it, with a header that lets the reader check every
 * length before it touches the payload and the XXH3 hash after.
 *
 * With history (both hosts said zstd-stream in HELLO) a lane's zstd
 * frames are one zstd stream, each frame flushed (ZSTD_e_flush), the way
 * QEMU's multifd keeps one zstd stream per channel: a chunk may refer to
 * bytes sent before it on its lane, up to the window back, so a page
 * that repeats one sent earlier (the same file in two page caches, a
 * copied buffer) costs a reference instead of its compressed self.  Such
 * a frame is sent even when it does not shrink (zstd then stores the
 * chunk in raw blocks, a few bytes more): the reader's window must see
 * every byte the writer's did.
 */

#include <stdlib.h>
#include <string.h>

#include <lz4.h>
#include <xxhash.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "reloc-int.h"

/*
 * zstd's level 1: on 64 MiB of pages (half zero, a quarter text, a
 * quarter random) in 256 KiB chunks, levels 2 and 3 sent 1.5-2.5% fewer
 * bytes than level 1 at 20-25% less speed (about 720 MB/s against 570
 * per core here), and the stream must keep up with a 1-10 Gbit/s link.
 */
#define ZSTD_LEVEL	1

/*
 * The history's window: 8 MiB (what zstd's level 3 and up use).  On the
 * realistic fill, 256 KiB chunks, 128 MiB of non-zero pages: 87.8 MiB
 * sent one frame at a time, 66.8 MiB with a 2 MiB window, 65.6 MiB with
 * 8 MiB, 64.1 MiB with 128 MiB and long-distance matching (at about half
 * the speed).  The reader refuses a larger window (ZSTD_d_windowLogMax):
 * a peer cannot make it keep more.
 */
#define ZSTD_WINDOW_LOG	23

struct reloc__codec {
	ZSTD_CCtx	*cctx;
	ZSTD_DCtx	*dctx;
	bool		 history;
};

static const char *const codec_names[] = {
	[RELOC_CODEC_NONE] = "none",
	[RELOC_CODEC_LZ4] = "lz4",
	[RELOC_CODEC_ZSTD] = "zstd",
	[RELOC_CODEC_AUTO] = "auto",
};

const char *
reloc_codec_name(enum reloc_codec codec)
{
	if ((size_t)codec >= sizeof(codec_names) / sizeof(codec_names[0]))
		return "?";
	return codec_names[codec];
}

int
reloc_codec_parse(const char *s, enum reloc_codec *codec_r)
{
	size_t	i;

	for (i = 0; i < sizeof(codec_names) / sizeof(codec_names[0]); i++)
		if (strcmp(s, codec_names[i]) == 0) {
			*codec_r = (enum reloc_codec)i;
			return 0;
		}
	return RELOC_ERR_INVAL;
}

int
reloc__codec_new(bool history, struct reloc__codec **c_r)
{
	struct reloc__codec	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return RELOC_ERR_NOMEM;
	c->history = history;
	if ((c->cctx = ZSTD_createCCtx()) == NULL ||
	    (c->dctx = ZSTD_createDCtx()) == NULL ||
	    (history && (ZSTD_isError(ZSTD_CCtx_setParameter(c->cctx,
	    ZSTD_c_compressionLevel, ZSTD_LEVEL)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(c->cctx, ZSTD_c_windowLog,
	    ZSTD_WINDOW_LOG)) ||
	    ZSTD_isError(ZSTD_DCtx_setParameter(c->dctx,
	    ZSTD_d_windowLogMax, ZSTD_WINDOW_LOG))))) {
		reloc__codec_free(c);
		return RELOC_ERR_NOMEM;
	}
	*c_r = c;
	return 0;
}

void
reloc__codec_free(struct reloc__codec *c)
{
	if (c == NULL)
		return;
	ZSTD_freeCCtx(c->cctx);
	ZSTD_freeDCtx(c->dctx);
	free(c);
}

/* The most a codec may encode raw_len bytes to (0: not a wire codec). */
static size_t
codec_bound(uint8_t codec, size_t raw_len)
{
	switch (codec) {
	case RELOC_CODEC_NONE:
		return raw_len;
	case RELOC_CODEC_LZ4:
		return (size_t)LZ4_compressBound((int)raw_len);
	case RELOC_CODEC_ZSTD:
		return ZSTD_compressBound(raw_len);
	}
	return 0;
}

size_t
reloc__frame_bound(size_t max)
{
	size_t	a = codec_bound(RELOC_CODEC_LZ4, max);
	size_t	b = codec_bound(RELOC_CODEC_ZSTD, max);

	return RELOC_FRAME_HDR + (a > b ? a : b);
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static uint64_t
get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

static void
put_header(uint8_t *out, const struct reloc__frame *f)
{
	put32(out, RELOC_FRAME_MAGIC);
	out[4] = f->codec;
	out[5] = f->flags;
	out[6] = out[7] = 0;
	put64(out + 8, f->seq);
	put32(out + 16, f->raw_len);
	put32(out + 20, f->enc_len);
	put64(out + 24, f->hash);
}

/*
 * zstd with history: the chunk onto the lane's zstd stream, flushed, into
 * dst (cap bytes, the codec's bound); its size in *n_r, whatever it is.
 * RELOC_ERR_NOMEM when zstd fails (it fails only for memory) or the
 * flush does not fit its bound; the stream is then lost, and so is the
 * migration.
 */
static int
compress_history(struct reloc__codec *c, const uint8_t *raw, size_t len,
    uint8_t *dst, size_t cap, size_t *n_r)
{
	ZSTD_inBuffer	in = { raw, len, 0 };
	ZSTD_outBuffer	out = { dst, cap, 0 };
	size_t		left;

	do {
		left = ZSTD_compressStream2(c->cctx, &out, &in, ZSTD_e_flush);
		if (ZSTD_isError(left))
			return RELOC_ERR_NOMEM;
	} while (left != 0 && out.pos < out.size);
	if (left != 0)
		return RELOC_ERR_NOMEM;
	*n_r = out.pos;
	return 0;
}

/* Compress into dst (cap bytes); the size, or 0 when it does not shrink. */
static size_t
compress(struct reloc__codec *c, enum reloc_codec codec, const uint8_t *raw,
    size_t len, uint8_t *dst, size_t cap)
{
	size_t	n;
	int	r;

	if (codec == RELOC_CODEC_LZ4) {
		r = LZ4_compress_default((const char *)raw, (char *)dst,
		    (int)len, (int)cap);
		n = r > 0 ? (size_t)r : 0;
	} else {
		n = ZSTD_compressCCtx(c->cctx, dst, cap, raw, len,
		    ZSTD_LEVEL);
		if (ZSTD_isError(n))
			n = 0;
	}
	return n < len ? n : 0;
}

int
reloc__frame_encode(struct reloc__codec *c, enum reloc_codec codec,
    uint64_t seq, const uint8_t *raw, size_t len, uint8_t *out,
    size_t *len_r, enum reloc_codec *used_r)
{
	struct reloc__frame	f = { .seq = seq };
	size_t			n = 0;
	int			rc;

	if (len == 0 || len > RELOC_FRAME_MAX_RAW ||
	    (codec != RELOC_CODEC_NONE && codec != RELOC_CODEC_LZ4 &&
	    codec != RELOC_CODEC_ZSTD))
		return RELOC_ERR_INVAL;
	if (codec == RELOC_CODEC_ZSTD && c->history) {
		if ((rc = compress_history(c, raw, len, out + RELOC_FRAME_HDR,
		    codec_bound(codec, len), &n)) < 0)
			return rc;
		f.flags = RELOC_FRAME_HISTORY;
	} else if (codec != RELOC_CODEC_NONE)
		n = compress(c, codec, raw, len, out + RELOC_FRAME_HDR,
		    codec_bound(codec, len));
	if (n == 0) {
		codec = RELOC_CODEC_NONE;
		memcpy(out + RELOC_FRAME_HDR, raw, len);
		n = len;
	}
	f.codec = (uint8_t)codec;
	f.raw_len = (uint32_t)len;
	f.enc_len = (uint32_t)n;
	f.hash = XXH3_64bits(raw, len);
	put_header(out, &f);
	*len_r = RELOC_FRAME_HDR + n;
	*used_r = codec;
	return 0;
}

void
reloc__frame_end(uint64_t count, uint8_t out[RELOC_FRAME_HDR])
{
	struct reloc__frame	f = {
		.codec = RELOC_CODEC_NONE,
		.flags = RELOC_FRAME_END,
		.seq = count,
	};

	put_header(out, &f);
}

/* The reason a header is wrong, or NULL. */
static const char *
header_fault(const struct reloc__frame *f)
{
	if (f->codec > RELOC_CODEC_ZSTD)
		return "unknown codec";
	if ((f->flags & ~(RELOC_FRAME_END | RELOC_FRAME_HISTORY)) != 0)
		return "unknown flags";
	if (f->flags & RELOC_FRAME_END)
		return f->codec != RELOC_CODEC_NONE || f->raw_len != 0 ||
		    f->enc_len != 0 || f->hash != 0 ||
		    (f->flags & RELOC_FRAME_HISTORY) ? "bad end frame" : NULL;
	if (f->raw_len == 0 || f->raw_len > RELOC_FRAME_MAX_RAW)
		return "bad raw length";
	if (f->flags & RELOC_FRAME_HISTORY)
		return f->codec != RELOC_CODEC_ZSTD ? "history without zstd" :
		    f->enc_len == 0 || f->enc_len > codec_bound(f->codec,
		    f->raw_len) ? "bad encoded length" : NULL;
	if (f->codec == RELOC_CODEC_NONE ? f->enc_len != f->raw_len :
	    f->enc_len == 0 || f->enc_len >= f->raw_len ||
	    f->enc_len > codec_bound(f->codec, f->raw_len))
		return "bad encoded length";
	return NULL;
}

int
reloc__frame_header(const uint8_t *buf, struct reloc__frame *f,
    const char **why_r)
{
	if (get32(buf) != RELOC_FRAME_MAGIC) {
		*why_r = "bad magic";
		return RELOC_ERR_PROTO;
	}
	if (buf[6] != 0 || buf[7] != 0) {
		*why_r = "reserved bytes set";
		return RELOC_ERR_PROTO;
	}
	f->codec = buf[4];
	f->flags = buf[5];
	f->seq = get64(buf + 8);
	f->raw_len = get32(buf + 16);
	f->enc_len = get32(buf + 20);
	f->hash = get64(buf + 24);
	if ((*why_r = header_fault(f)) != NULL)
		return RELOC_ERR_PROTO;
	return 0;
}

/* The frame's bytes off the lane's zstd stream; its hash checked. */
static int
decode_history(struct reloc__codec *c, const struct reloc__frame *f,
    const uint8_t *enc, uint8_t *raw, const char **why_r)
{
	ZSTD_inBuffer	in = { enc, f->enc_len, 0 };
	ZSTD_outBuffer	out = { raw, f->raw_len, 0 };
	size_t		r, was;
	uint8_t		extra;

	do {
		was = in.pos + out.pos;
		r = ZSTD_decompressStream(c->dctx, &out, &in);
		if (ZSTD_isError(r)) {
			*why_r = ZSTD_getErrorCode(r) ==
			    ZSTD_error_frameParameter_windowTooLarge ?
			    "zstd window larger than 8 MiB" :
			    "does not decompress";
			return RELOC_ERR_PROTO;
		}
		/* Input left with the output full: headers, or too much. */
	} while ((out.pos < out.size || in.pos < in.size) &&
	    in.pos + out.pos > was);
	if (in.pos != in.size || out.pos != out.size) {
		*why_r = "does not decompress";
		return RELOC_ERR_PROTO;
	}
	/*
	 * A writer flushes each frame: nothing of it is left in zstd's
	 * buffer.  One byte more would go to the next frame.
	 */
	out = (ZSTD_outBuffer){ &extra, 1, 0 };
	r = ZSTD_decompressStream(c->dctx, &out, &in);
	if (ZSTD_isError(r) || out.pos != 0) {
		*why_r = "decompresses to more than its length";
		return RELOC_ERR_PROTO;
	}
	if (XXH3_64bits(raw, f->raw_len) != f->hash) {
		*why_r = "checksum mismatch";
		return RELOC_ERR_PROTO;
	}
	return 0;
}

int
reloc__frame_decode(struct reloc__codec *c, const struct reloc__frame *f,
    const uint8_t *enc, uint8_t *raw, const char **why_r)
{
	size_t	n;
	int	r;

	if (c->history != ((f->flags & RELOC_FRAME_HISTORY) != 0) &&
	    f->codec == RELOC_CODEC_ZSTD) {
		*why_r = c->history ? "zstd frame without history on a lane "
		    "with it" : "zstd history on a lane without it";
		return RELOC_ERR_PROTO;
	}
	if (f->flags & RELOC_FRAME_HISTORY)
		return decode_history(c, f, enc, raw, why_r);
	switch (f->codec) {
	case RELOC_CODEC_LZ4:
		r = LZ4_decompress_safe((const char *)enc, (char *)raw,
		    (int)f->enc_len, (int)f->raw_len);
		n = r < 0 ? 0 : (size_t)r;
		break;
	case RELOC_CODEC_ZSTD:
		n = ZSTD_decompressDCtx(c->dctx, raw, f->raw_len, enc,
		    f->enc_len);
		if (ZSTD_isError(n))
			n = 0;
		break;
	default:
		memcpy(raw, enc, f->raw_len);
		n = f->raw_len;
		break;
	}
	if (n != f->raw_len) {
		*why_r = "does not decompress";
		return RELOC_ERR_PROTO;
	}
	if (XXH3_64bits(raw, n) != f->hash) {
		*why_r = "checksum mismatch";
		return RELOC_ERR_PROTO;
	}
	return 0;
}
