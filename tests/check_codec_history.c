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
 * Check suite for zstd with history (HELLO's zstd-stream): a lane's zstd
 * frames are one zstd stream.  Every chunk size round trips, with none
 * and lz4 frames between; a chunk that repeats one sent before costs a
 * reference; frames decoded out of order, damaged, on a context that
 * does not expect history (or expects it), or from a writer with a
 * larger window are refused with RELOC_ERR_PROTO.
 */

#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <xxhash.h>
#include <zstd.h>

#include "common.h"
#include "reloc-int.h"
#include "stream-int.h"

#define PAGE	4096
#define MAX	RELOC_FRAME_MAX_RAW

static const size_t sizes[] = { 1, PAGE - 1, PAGE, PAGE + 1, MAX - 1, MAX };

/* Bytes that do not compress: xorshift from seed. */
static void
fill_random(uint8_t *buf, size_t len, uint64_t seed)
{
	uint64_t	x = seed | 1;
	size_t		i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[i] = (uint8_t)(x >> 24);
	}
}

/* A header field of n bytes at p, big-endian, as codec-int.h lays out. */
static void
set_be(uint8_t *p, uint64_t v, int n)
{
	while (n-- > 0) {
		p[n] = (uint8_t)v;
		v >>= 8;
	}
}

/* One frame of a lane, as its writer sent it. */
struct sent {
	uint8_t		*frame;
	size_t		 len;
	enum reloc_codec used;
};

static struct sent
put(struct reloc__codec *c, enum reloc_codec codec, uint64_t seq,
    const uint8_t *raw, size_t len)
{
	struct sent	s;

	s.frame = malloc(reloc__frame_bound(len));
	ck_assert_ptr_nonnull(s.frame);
	ck_assert_int_eq(reloc__frame_encode(c, codec, seq, raw, len, s.frame,
	    &s.len, &s.used), 0);
	return s;
}

/* Read a frame as a lane does; 0 and raw equal to want, or the error. */
static int
get(struct reloc__codec *c, const struct sent *s, const uint8_t *want,
    const char **why_r)
{
	struct reloc__frame	 f;
	uint8_t			*enc, *raw;
	int			 rc;

	*why_r = NULL;
	if ((rc = reloc__frame_header(s->frame, &f, why_r)) < 0)
		return rc;
	ck_assert_uint_eq(RELOC_FRAME_HDR + f.enc_len, s->len);
	enc = malloc(f.enc_len);
	raw = malloc(f.raw_len);
	memcpy(enc, s->frame + RELOC_FRAME_HDR, f.enc_len);
	if ((rc = reloc__frame_decode(c, &f, enc, raw, why_r)) == 0 &&
	    want != NULL)
		ck_assert(memcmp(raw, want, f.raw_len) == 0);
	free(enc);
	free(raw);
	return rc;
}

/*
 * Every size, text then random, each zstd frame between a none and an
 * lz4 frame: all decode in order on the reader, the zstd ones flagged
 * HISTORY and sent as zstd even when random (never raw: the reader's
 * window must see them).
 */
START_TEST(test_round_trip)
{
	static const enum reloc_codec order[] = {
		RELOC_CODEC_NONE, RELOC_CODEC_ZSTD, RELOC_CODEC_LZ4,
		RELOC_CODEC_ZSTD,
	};
	struct reloc__codec	*w, *r;
	uint8_t			*raw = malloc(MAX);
	struct sent		 s;
	const char		*why;
	uint64_t		 seq = 0;
	size_t			 i, k, j;

	ck_assert_int_eq(reloc__codec_new(true, &w), 0);
	ck_assert_int_eq(reloc__codec_new(true, &r), 0);
	for (k = 0; k < 2; k++)
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
			for (j = 0; j < 4; j++, seq++) {
				if (k == 0)
					memset(raw, 'a' + (int)(seq % 26),
					    sizes[i]);
				else
					fill_random(raw, sizes[i], seq + 1);
				s = put(w, order[j], seq, raw, sizes[i]);
				if (order[j] == RELOC_CODEC_ZSTD) {
					ck_assert_int_eq(s.used,
					    RELOC_CODEC_ZSTD);
					ck_assert(s.frame[5] &
					    RELOC_FRAME_HISTORY);
				} else
					ck_assert_int_eq(s.frame[5], 0);
				ck_assert_msg(get(r, &s, raw, &why) == 0,
				    "seq %llu: %s", (unsigned long long)seq,
				    why);
				free(s.frame);
			}
	reloc__codec_free(w);
	reloc__codec_free(r);
	free(raw);
}
END_TEST

/*
 * A random chunk sent again later on the lane: the second time it is a
 * reference of a few hundred bytes, where one frame at a time it costs
 * all of itself; decoded out of order, the reference is refused.
 */
START_TEST(test_repeat_is_a_reference)
{
	struct reloc__codec	*w, *r, *plain;
	uint8_t			*a = malloc(FRAME_CHUNK);
	uint8_t			*b = malloc(FRAME_CHUNK);
	struct sent		 s1, s2, s3, p;
	const char		*why;

	fill_random(a, FRAME_CHUNK, 1);
	fill_random(b, FRAME_CHUNK, 2);
	ck_assert_int_eq(reloc__codec_new(true, &w), 0);
	ck_assert_int_eq(reloc__codec_new(false, &plain), 0);
	s1 = put(w, RELOC_CODEC_ZSTD, 0, a, FRAME_CHUNK);
	s2 = put(w, RELOC_CODEC_ZSTD, 1, b, FRAME_CHUNK);
	s3 = put(w, RELOC_CODEC_ZSTD, 2, a, FRAME_CHUNK);
	p = put(plain, RELOC_CODEC_ZSTD, 2, a, FRAME_CHUNK);
	ck_assert_uint_ge(s1.len, FRAME_CHUNK);
	ck_assert_uint_lt(s3.len, 1024);
	ck_assert_int_eq(p.used, RELOC_CODEC_NONE);
	ck_assert_uint_gt(p.len, FRAME_CHUNK);

	/* In order: all three. */
	ck_assert_int_eq(reloc__codec_new(true, &r), 0);
	ck_assert_int_eq(get(r, &s1, a, &why), 0);
	ck_assert_int_eq(get(r, &s2, b, &why), 0);
	ck_assert_int_eq(get(r, &s3, a, &why), 0);
	reloc__codec_free(r);
	/* The reference without what it refers to. */
	ck_assert_int_eq(reloc__codec_new(true, &r), 0);
	ck_assert_int_eq(get(r, &s3, NULL, &why), RELOC_ERR_PROTO);
	ck_assert_str_eq(why, "does not decompress");
	reloc__codec_free(r);
	/* A frame left out between. */
	ck_assert_int_eq(reloc__codec_new(true, &r), 0);
	ck_assert_int_eq(get(r, &s1, a, &why), 0);
	ck_assert_int_eq(get(r, &s3, NULL, &why), RELOC_ERR_PROTO);
	reloc__codec_free(r);

	reloc__codec_free(w);
	reloc__codec_free(plain);
	free(s1.frame);
	free(s2.frame);
	free(s3.frame);
	free(p.frame);
	free(a);
	free(b);
}
END_TEST

/* Both ends of a lane must agree: history or not. */
START_TEST(test_both_ends_agree)
{
	struct reloc__codec	*hist, *plain;
	uint8_t			 raw[4 * PAGE];
	struct sent		 h, p, l;
	const char		*why;

	memset(raw, 'x', sizeof(raw));
	ck_assert_int_eq(reloc__codec_new(true, &hist), 0);
	ck_assert_int_eq(reloc__codec_new(false, &plain), 0);
	h = put(hist, RELOC_CODEC_ZSTD, 0, raw, sizeof(raw));
	p = put(plain, RELOC_CODEC_ZSTD, 0, raw, sizeof(raw));
	l = put(plain, RELOC_CODEC_LZ4, 0, raw, sizeof(raw));
	ck_assert_int_eq(get(plain, &h, NULL, &why), RELOC_ERR_PROTO);
	ck_assert_str_eq(why, "zstd history on a lane without it");
	ck_assert_int_eq(get(hist, &p, NULL, &why), RELOC_ERR_PROTO);
	ck_assert_str_eq(why, "zstd frame without history on a lane with it");
	/* lz4 and none frames read the same on both. */
	ck_assert_int_eq(get(hist, &l, raw, &why), 0);
	/* The flag on another codec, or on END. */
	l.frame[5] |= RELOC_FRAME_HISTORY;
	ck_assert_int_eq(get(hist, &l, NULL, &why), RELOC_ERR_PROTO);
	ck_assert_str_eq(why, "history without zstd");
	reloc__frame_end(3, l.frame);
	l.frame[5] |= RELOC_FRAME_HISTORY;
	l.len = RELOC_FRAME_HDR;
	ck_assert_int_eq(get(hist, &l, NULL, &why), RELOC_ERR_PROTO);
	ck_assert_str_eq(why, "bad end frame");
	reloc__codec_free(hist);
	reloc__codec_free(plain);
	free(h.frame);
	free(p.frame);
	free(l.frame);
}
END_TEST

/*
 * Every byte of a history frame damaged, one at a time: refused, or (a
 * change zstd's format leaves room for, such as a window descriptor the
 * chunk still fits) decoded to the very bytes sent; most are refused.
 */
START_TEST(test_damage)
{
	struct reloc__codec	*w, *r;
	uint8_t			 raw[4 * PAGE];
	struct sent		 s, bad;
	const char		*why;
	size_t			 i, refused = 0;

	memset(raw, 'q', sizeof(raw));
	memcpy(raw + 100, "xrelocd", 7);
	ck_assert_int_eq(reloc__codec_new(true, &w), 0);
	s = put(w, RELOC_CODEC_ZSTD, 0, raw, sizeof(raw));
	bad.frame = malloc(s.len);
	bad.len = s.len;
	for (i = RELOC_FRAME_HDR; i < s.len; i++) {
		ck_assert_int_eq(reloc__codec_new(true, &r), 0);
		memcpy(bad.frame, s.frame, s.len);
		bad.frame[i] ^= 0x5a;
		if (get(r, &bad, raw, &why) == RELOC_ERR_PROTO)
			refused++;
		reloc__codec_free(r);
	}
	ck_assert_uint_gt(refused, (s.len - RELOC_FRAME_HDR) / 2);
	/* enc_len past zstd's bound: refused by the header. */
	memcpy(bad.frame, s.frame, s.len);
	bad.frame[20] = 0x7f;
	ck_assert_int_eq(get(w, &bad, NULL, &why), RELOC_ERR_PROTO);
	ck_assert_str_eq(why, "bad encoded length");
	reloc__codec_free(w);
	free(s.frame);
	free(bad.frame);
}
END_TEST

/*
 * A writer whose window is larger than 8 MiB (a hostile or foreign one):
 * the reader will not keep that much, and says so.
 */
START_TEST(test_window_too_large)
{
	struct reloc__codec	*r;
	ZSTD_CCtx		*cc = ZSTD_createCCtx();
	uint8_t			 raw[PAGE], hdr[RELOC_FRAME_HDR];
	uint8_t			*frame;
	struct reloc__frame	 f;
	struct sent		 s;
	const char		*why;
	ZSTD_inBuffer		 in = { raw, sizeof(raw), 0 };
	ZSTD_outBuffer		 out;

	memset(raw, 'w', sizeof(raw));
	frame = malloc(RELOC_FRAME_HDR + ZSTD_compressBound(sizeof(raw)));
	out = (ZSTD_outBuffer){ frame + RELOC_FRAME_HDR,
	    ZSTD_compressBound(sizeof(raw)), 0 };
	ck_assert(!ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_windowLog,
	    27)));
	ck_assert_uint_eq(ZSTD_compressStream2(cc, &out, &in, ZSTD_e_flush),
	    0);
	/* A good header from a real frame of the same bytes, then ours. */
	ck_assert_int_eq(reloc__codec_new(true, &r), 0);
	s = put(r, RELOC_CODEC_ZSTD, 0, raw, sizeof(raw));
	memcpy(hdr, s.frame, sizeof(hdr));
	ck_assert_int_eq(reloc__frame_header(hdr, &f, &why), 0);
	memcpy(frame, hdr, sizeof(hdr));
	set_be(frame + 20, out.pos, 4);		/* enc_len */
	free(s.frame);
	s.frame = frame;
	s.len = RELOC_FRAME_HDR + out.pos;
	reloc__codec_free(r);
	ck_assert_int_eq(reloc__codec_new(true, &r), 0);
	ck_assert_int_eq(get(r, &s, NULL, &why), RELOC_ERR_PROTO);
	ck_assert_str_eq(why, "zstd window larger than 8 MiB");
	reloc__codec_free(r);
	ZSTD_freeCCtx(cc);
	free(frame);
}
END_TEST

/*
 * A frame whose zstd bytes decode to more than its raw_len (a hostile
 * writer: the hash is right for the first raw_len bytes): refused, not
 * the rest held back in zstd's buffer and handed to the next frame.
 */
START_TEST(test_expands_past_raw_len)
{
	struct reloc__codec	*w, *r;
	uint8_t			 raw[2 * PAGE];
	struct sent		 s;
	const char		*why;

	memset(raw, 'e', PAGE);
	memset(raw + PAGE, 'f', PAGE);
	ck_assert_int_eq(reloc__codec_new(true, &w), 0);
	s = put(w, RELOC_CODEC_ZSTD, 0, raw, sizeof(raw));
	/* Claim only the first page, with its hash. */
	set_be(s.frame + 16, PAGE, 4);			/* raw_len */
	set_be(s.frame + 24, XXH3_64bits(raw, PAGE), 8);	/* hash */
	ck_assert_int_eq(reloc__codec_new(true, &r), 0);
	ck_assert_int_eq(get(r, &s, NULL, &why), RELOC_ERR_PROTO);
	ck_assert_str_eq(why, "decompresses to more than its length");
	reloc__codec_free(r);
	reloc__codec_free(w);
	free(s.frame);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("codec_history");
	TCase	*tc = tcase_create("codec_history");
	SRunner	*sr;
	int	 failed;

	log_silence();
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_repeat_is_a_reference);
	tcase_add_test(tc, test_both_ends_agree);
	tcase_add_test(tc, test_damage);
	tcase_add_test(tc, test_window_too_large);
	tcase_add_test(tc, test_expands_past_raw_len);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
