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
 * The frames of the framed stream and the codecs that fill them
 * (codec.c), under stream_frame.c's lanes.
 */

#ifndef RELOC_CODEC_INT_H
#define RELOC_CODEC_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reloc.h"

/*
 * One frame of the framed stream (stream_frame.c carries the backend's
 * stream in frames): a 32-byte big-endian header, then enc_len bytes.
 *
 *	0 magic "XRZF"  4 codec  5 flags  6 reserved (0)  8 seq
 *	16 raw_len  20 enc_len  24 XXH3_64bits of the raw bytes
 *
 * A data frame carries 1..RELOC_FRAME_MAX_RAW raw bytes; the END frame
 * (flag END, raw_len and enc_len 0, hash 0) ends a lane, its seq is the
 * number of data frames of the whole stream.  Flag HISTORY (zstd only,
 * both hosts said zstd-stream in HELLO): the payload continues the
 * lane's zstd stream, and may be larger than raw_len (up to zstd's
 * bound); such a frame decodes only after all frames before it on its
 * lane, in order.
 */
#define RELOC_FRAME_MAGIC	0x58525a46u
#define RELOC_FRAME_HDR		32
#define RELOC_FRAME_MAX_RAW	(1024 * 1024)
#define RELOC_FRAME_END		0x01
#define RELOC_FRAME_HISTORY	0x02	/* zstd: on the lane's zstd stream */

struct reloc__frame {
	uint8_t		codec;		/* enum reloc_codec, not AUTO */
	uint8_t		flags;		/* RELOC_FRAME_END, _HISTORY */
	uint64_t	seq;
	uint32_t	raw_len;	/* bytes */
	uint32_t	enc_len;	/* bytes after the header */
	uint64_t	hash;		/* XXH3_64bits of the raw bytes */
};

/*
 * A codec context: the compression and decompression state of one thread
 * (not shared between threads), one per lane.  With history its zstd
 * frames are one zstd stream (8 MiB window): both ends of a lane must
 * have it or not, and its frames must be decoded in the order they were
 * encoded.  _new: RELOC_ERR_NOMEM; _free(NULL) is a no-op.
 */
struct reloc__codec;
int	reloc__codec_new(bool history, struct reloc__codec **c_r);
void	reloc__codec_free(struct reloc__codec *c);
/* The largest frame (header included) a raw_len of at most max encodes to. */
size_t	reloc__frame_bound(size_t max);
/*
 * Encode len bytes of raw (1..RELOC_FRAME_MAX_RAW) as frame seq with
 * codec (NONE, LZ4 or ZSTD) into out, which holds at least
 * reloc__frame_bound(len) bytes; the frame's length in *len_r, the codec
 * used in *used_r (NONE when compressing does not shrink the chunk, but
 * never for zstd with history).  RELOC_ERR_INVAL for a bad length or
 * codec, RELOC_ERR_NOMEM (with history the lane's stream is then lost).
 */
int	reloc__frame_encode(struct reloc__codec *c, enum reloc_codec codec,
	    uint64_t seq, const uint8_t *raw, size_t len, uint8_t *out,
	    size_t *len_r, enum reloc_codec *used_r);
/* The END frame of a lane for a stream of count data frames, into out. */
void	reloc__frame_end(uint64_t count, uint8_t out[RELOC_FRAME_HDR]);
/*
 * Decode and check the header in buf (RELOC_FRAME_HDR bytes) into *f:
 * magic, codec, flags, reserved, lengths against the codec's bound.
 * RELOC_ERR_PROTO with the reason (a static string) in *why_r.
 */
int	reloc__frame_header(const uint8_t *buf, struct reloc__frame *f,
	    const char **why_r);
/*
 * Decode the f->enc_len bytes at enc into raw (at least f->raw_len bytes)
 * and check their hash.  Never reads or writes past those lengths.
 * RELOC_ERR_PROTO with the reason in *why_r, also for a HISTORY frame on
 * a context without history or a zstd frame without it on one with it.
 */
int	reloc__frame_decode(struct reloc__codec *c,
	    const struct reloc__frame *f, const uint8_t *enc, uint8_t *raw,
	    const char **why_r);

#endif /* RELOC_CODEC_INT_H */
