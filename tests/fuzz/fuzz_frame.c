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
 * Fuzz target for codec.c: read arbitrary bytes as a run of frames, the
 * way a target's lane does: check each header, then decode its payload
 * from a buffer of exactly enc_len bytes into one of exactly raw_len, on
 * a lane without history and again on one with it (zstd-stream: its zstd
 * frames are one stream).  Without history, a frame that decodes must
 * encode again (with its codec) to a frame that decodes to the same
 * bytes.  make check links it with replay.c to run
 * it over tests/fuzz/corpus/frame; clang -fsanitize=fuzzer fuzzes it.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "reloc-int.h"

/* Encode raw again and decode that: it must give raw back. */
static void
again(struct reloc__codec *c, const struct reloc__frame *f,
    const uint8_t *raw)
{
	struct reloc__frame	 g;
	enum reloc_codec	 used;
	uint8_t			*buf, *out;
	const char		*why;
	size_t			 len;

	buf = malloc(reloc__frame_bound(f->raw_len));
	out = malloc(f->raw_len);
	if (buf == NULL || out == NULL ||
	    reloc__frame_encode(c, (enum reloc_codec)f->codec, f->seq, raw,
	    f->raw_len, buf, &len, &used) < 0 ||
	    reloc__frame_header(buf, &g, &why) < 0 ||
	    reloc__frame_decode(c, &g, buf + RELOC_FRAME_HDR, out, &why) < 0 ||
	    memcmp(out, raw, f->raw_len) != 0)
		abort();
	free(buf);
	free(out);
}

/* One frame at data; the bytes it took, or 0 to stop. */
static size_t
one(struct reloc__codec *c, bool history, const uint8_t *data, size_t size)
{
	struct reloc__frame	 f;
	uint8_t			*enc, *raw;
	const char		*why;
	size_t			 took;

	if (size < RELOC_FRAME_HDR ||
	    reloc__frame_header(data, &f, &why) < 0)
		return 0;
	took = RELOC_FRAME_HDR + f.enc_len;
	if (f.flags & RELOC_FRAME_END)
		return took;
	if (size < took)
		return 0;
	enc = malloc(f.enc_len);
	raw = malloc(f.raw_len);
	if (enc != NULL && raw != NULL) {
		memcpy(enc, data + RELOC_FRAME_HDR, f.enc_len);
		if (reloc__frame_decode(c, &f, enc, raw, &why) == 0 &&
		    !history)
			again(c, &f, raw);
	}
	free(enc);
	free(raw);
	return took;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reloc__codec	*c;
	const uint8_t		*p;
	size_t			 n, left;
	int			 history;

	reloc_log_set_sink(fuzz_quiet, NULL);
	for (history = 0; history < 2; history++) {
		if (reloc__codec_new(history, &c) < 0)
			return 0;
		for (p = data, left = size; (n = one(c, history, p,
		    left)) > 0; p += n, left -= n)
			;
		reloc__codec_free(c);
	}
	return 0;
}
