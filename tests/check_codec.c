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
 * Check suite for codec.c: every codec round trips at every chunk
 * boundary, and every kind of damage to a frame is refused with
 * RELOC_ERR_PROTO without reading past what the header promised (the
 * payload is copied to a buffer of exactly enc_len bytes, so ASan sees
 * any overread).
 */

#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "common.h"
#include "reloc-int.h"
#include "stream-int.h"

#define PAGE	4096
#define MAX	RELOC_FRAME_MAX_RAW

static const size_t sizes[] = { 1, PAGE - 1, PAGE, PAGE + 1, MAX - 1, MAX };
static const enum reloc_codec codecs[] = {
	RELOC_CODEC_NONE, RELOC_CODEC_LZ4, RELOC_CODEC_ZSTD,
};

enum fill { FILL_ZERO, FILL_TEXT, FILL_RANDOM, FILL_COUNT };

static void
fill(uint8_t *buf, size_t len, enum fill kind)
{
	static const char	text[] = "root:x:0:0:root:/root:/bin/bash\n"
	    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n";
	uint64_t		x = 0x9e3779b97f4a7c15ull;
	size_t			i;

	for (i = 0; i < len; i++) {
		if (kind == FILL_ZERO)
			buf[i] = 0;
		else if (kind == FILL_TEXT)
			buf[i] = (uint8_t)text[i % (sizeof(text) - 1)];
		else {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[i] = (uint8_t)(x >> 24);
		}
	}
}

/* A frame of raw encoded with codec; its length in *len_r (malloc'ed). */
static uint8_t *
encode(struct reloc__codec *c, enum reloc_codec codec, uint64_t seq,
    const uint8_t *raw, size_t len, size_t *len_r, enum reloc_codec *used_r)
{
	uint8_t	*out = malloc(reloc__frame_bound(len));

	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(reloc__frame_encode(c, codec, seq, raw, len, out,
	    len_r, used_r), 0);
	return out;
}

/* Check and decode a frame as a reader would: 0 or the error. */
static int
decode(struct reloc__codec *c, const uint8_t *frame, size_t len,
    uint8_t **raw_r, struct reloc__frame *f, const char **why_r)
{
	uint8_t	*enc, *raw;
	int	 rc;

	*raw_r = NULL;
	if ((rc = reloc__frame_header(frame, f, why_r)) < 0)
		return rc;
	ck_assert_uint_le(RELOC_FRAME_HDR + f->enc_len, len);
	enc = malloc(f->enc_len ? f->enc_len : 1);
	raw = malloc(f->raw_len ? f->raw_len : 1);
	memcpy(enc, frame + RELOC_FRAME_HDR, f->enc_len);
	rc = reloc__frame_decode(c, f, enc, raw, why_r);
	free(enc);
	if (rc < 0)
		free(raw);
	else
		*raw_r = raw;
	return rc;
}

START_TEST(test_round_trip)
{
	struct reloc__codec	*c;
	struct reloc__frame	 f;
	enum reloc_codec	 codec = codecs[_i % 3], used;
	enum fill		 kind = (enum fill)(_i / 3);
	uint8_t			*raw = malloc(MAX), *frame, *out;
	const char		*why;
	size_t			 i, len;

	ck_assert_int_eq(reloc__codec_new(false, &c), 0);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		fill(raw, sizes[i], kind);
		frame = encode(c, codec, i, raw, sizes[i], &len, &used);
		/* Zero pages shrink with any codec (but one byte never). */
		if (kind == FILL_ZERO && codec != RELOC_CODEC_NONE &&
		    sizes[i] > 64)
			ck_assert_int_eq(used, codec);
		if (kind == FILL_RANDOM || codec == RELOC_CODEC_NONE)
			ck_assert_int_eq(used, RELOC_CODEC_NONE);
		ck_assert_int_eq(decode(c, frame, len, &out, &f, &why), 0);
		ck_assert_uint_eq(f.seq, i);
		ck_assert_uint_eq(f.raw_len, sizes[i]);
		ck_assert_uint_eq(f.codec, used);
		ck_assert_uint_eq(len, RELOC_FRAME_HDR + f.enc_len);
		ck_assert(memcmp(out, raw, sizes[i]) == 0);
		free(out);
		free(frame);
	}
	reloc__codec_free(c);
	free(raw);
}
END_TEST

START_TEST(test_encode_refuses)
{
	struct reloc__codec	*c;
	enum reloc_codec	 used;
	uint8_t			*raw = calloc(1, MAX + 1);
	uint8_t			*out = malloc(reloc__frame_bound(MAX + 1));
	size_t			 len;

	ck_assert_int_eq(reloc__codec_new(false, &c), 0);
	ck_assert_int_eq(reloc__frame_encode(c, RELOC_CODEC_LZ4, 0, raw, 0,
	    out, &len, &used), RELOC_ERR_INVAL);
	ck_assert_int_eq(reloc__frame_encode(c, RELOC_CODEC_LZ4, 0, raw,
	    MAX + 1, out, &len, &used), RELOC_ERR_INVAL);
	ck_assert_int_eq(reloc__frame_encode(c, RELOC_CODEC_AUTO, 0, raw, 1,
	    out, &len, &used), RELOC_ERR_INVAL);
	reloc__codec_free(c);
	free(raw);
	free(out);
}
END_TEST

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* A text chunk of PAGE * 4 bytes as a frame with codec. */
static uint8_t *
text_frame(struct reloc__codec *c, enum reloc_codec codec, size_t *len_r)
{
	uint8_t			 raw[PAGE * 4];
	enum reloc_codec	 used;
	uint8_t			*frame;

	fill(raw, sizeof(raw), FILL_TEXT);
	frame = encode(c, codec, 7, raw, sizeof(raw), len_r, &used);
	ck_assert_int_eq(used, codec);
	return frame;
}

/* Damage a copy of a good frame; the reader must refuse it, saying why. */
static void
refused(struct reloc__codec *c, const uint8_t *good, size_t len, size_t at,
    uint8_t xor, const char *why_want)
{
	struct reloc__frame	 f;
	uint8_t			*bad = malloc(len), *out;
	const char		*why = NULL;

	memcpy(bad, good, len);
	bad[at] ^= xor;
	ck_assert_int_eq(decode(c, bad, len, &out, &f, &why), RELOC_ERR_PROTO);
	ck_assert_ptr_null(out);
	ck_assert_str_eq(why, why_want);
	free(bad);
}

START_TEST(test_corrupt_header)
{
	struct reloc__codec	*c;
	enum reloc_codec	 codec = codecs[_i];
	uint8_t			*good;
	size_t			 len;

	ck_assert_int_eq(reloc__codec_new(false, &c), 0);
	good = codec == RELOC_CODEC_NONE ? NULL : text_frame(c, codec, &len);
	if (good == NULL) {
		uint8_t			raw[100];
		enum reloc_codec	used;

		fill(raw, sizeof(raw), FILL_RANDOM);
		good = encode(c, codec, 7, raw, sizeof(raw), &len, &used);
	}
	refused(c, good, len, 0, 0x01, "bad magic");
	refused(c, good, len, 3, 0x80, "bad magic");
	refused(c, good, len, 4, 0x04, "unknown codec");
	refused(c, good, len, 5, 0x04, "unknown flags");
	refused(c, good, len, 5, 0x80, "unknown flags");
	refused(c, good, len, 5, RELOC_FRAME_HISTORY, codec ==
	    RELOC_CODEC_ZSTD ? "zstd history on a lane without it" :
	    "history without zstd");
	refused(c, good, len, 5, 0x01, "bad end frame");
	refused(c, good, len, 6, 0x01, "reserved bytes set");
	refused(c, good, len, 7, 0x10, "reserved bytes set");
	/* raw_len: above the maximum, then 0. */
	refused(c, good, len, 16, 0x10, "bad raw length");
	reloc__codec_free(c);
	free(good);
}
END_TEST

/* Set a 32-bit field of a copy and expect the reason. */
static void
refused32(struct reloc__codec *c, const uint8_t *good, size_t len, size_t at,
    uint32_t v, const char *why_want)
{
	struct reloc__frame	 f;
	uint8_t			*bad = malloc(len), *out;
	const char		*why = NULL;

	memcpy(bad, good, len);
	put32(bad + at, v);
	ck_assert_int_eq(decode(c, bad, len, &out, &f, &why), RELOC_ERR_PROTO);
	ck_assert_str_eq(why, why_want);
	free(bad);
}

START_TEST(test_corrupt_lengths)
{
	struct reloc__codec	*c;
	struct reloc__frame	 f;
	enum reloc_codec	 codec = codecs[1 + _i];
	uint8_t			*good;
	const char		*why;
	size_t			 len;

	ck_assert_int_eq(reloc__codec_new(false, &c), 0);
	good = text_frame(c, codec, &len);
	ck_assert_int_eq(reloc__frame_header(good, &f, &why), 0);
	refused32(c, good, len, 16, 0, "bad raw length");
	refused32(c, good, len, 16, MAX + 1, "bad raw length");
	refused32(c, good, len, 20, 0, "bad encoded length");
	refused32(c, good, len, 20, f.raw_len, "bad encoded length");
	/* Lengths that pass the header but not the payload. */
	refused32(c, good, len, 16, f.raw_len + 1, "does not decompress");
	refused32(c, good, len, 16, f.raw_len - 1, "does not decompress");
	refused32(c, good, len, 20, f.enc_len - 1, "does not decompress");
	reloc__codec_free(c);
	free(good);
}
END_TEST

START_TEST(test_corrupt_payload)
{
	struct reloc__codec	*c;
	struct reloc__frame	 f, g;
	enum reloc_codec	 codec = codecs[_i];
	uint8_t			*good, *bad, *out;
	const char		*why;
	size_t			 len, i;
	int			 rc;

	ck_assert_int_eq(reloc__codec_new(false, &c), 0);
	if (codec == RELOC_CODEC_NONE) {
		uint8_t			raw[PAGE];
		enum reloc_codec	used;

		fill(raw, sizeof(raw), FILL_RANDOM);
		good = encode(c, codec, 7, raw, sizeof(raw), &len, &used);
	} else
		good = text_frame(c, codec, &len);
	ck_assert_int_eq(reloc__frame_header(good, &f, &why), 0);
	/* The hash itself. */
	refused(c, good, len, 24, 0x01, "checksum mismatch");
	refused(c, good, len, 31, 0x80, "checksum mismatch");
	/* Every byte of the payload, one at a time. */
	bad = malloc(len);
	for (i = RELOC_FRAME_HDR; i < len; i++) {
		memcpy(bad, good, len);
		bad[i] ^= 0x5a;
		rc = decode(c, bad, len, &out, &g, &why);
		ck_assert_msg(rc == RELOC_ERR_PROTO, "byte %zu accepted", i);
	}
	free(bad);
	reloc__codec_free(c);
	free(good);
}
END_TEST

START_TEST(test_end_frame)
{
	struct reloc__frame	f;
	uint8_t			buf[RELOC_FRAME_HDR];
	const char		*why;

	reloc__frame_end(12, buf);
	ck_assert_int_eq(reloc__frame_header(buf, &f, &why), 0);
	ck_assert(f.flags & RELOC_FRAME_END);
	ck_assert_uint_eq(f.seq, 12);
	buf[19] = 1;	/* raw_len 1 */
	ck_assert_int_eq(reloc__frame_header(buf, &f, &why), RELOC_ERR_PROTO);
	ck_assert_str_eq(why, "bad end frame");
}
END_TEST

START_TEST(test_names)
{
	enum reloc_codec	c;

	ck_assert_int_eq(reloc_codec_parse("zstd", &c), 0);
	ck_assert_int_eq(c, RELOC_CODEC_ZSTD);
	ck_assert_int_eq(reloc_codec_parse("auto", &c), 0);
	ck_assert_int_eq(c, RELOC_CODEC_AUTO);
	ck_assert_int_eq(reloc_codec_parse("gzip", &c), RELOC_ERR_INVAL);
	ck_assert_str_eq(reloc_codec_name(RELOC_CODEC_LZ4), "lz4");
	ck_assert_str_eq(reloc_codec_name((enum reloc_codec)9), "?");
}
END_TEST

/*
 * AUTO against a model of the path: per raw byte, a codec costs cpu[c] ns
 * to compress and sends ratio[c] of it over a link of link bytes per ns;
 * a peer that restores peer bytes per ns bounds every codec alike.
 */
struct path {
	double	cpu[3], ratio[3];
	double	link, peer;
};

static const struct path slow_link = {		/* 1 GbE, text-like */
	{ 0, 0.5, 1.0 }, { 1, 0.5, 0.25 }, 0.125, 10
};
static const struct path fast_link = {		/* warm loopback */
	{ 0, 0.5, 1.0 }, { 1, 0.5, 0.25 }, 3.0, 10
};
static const struct path slow_peer = {		/* the target is the bound */
	{ 0, 0.5, 1.0 }, { 1, 0.5, 0.25 }, 3.0, 0.1
};
static const struct path near_tie = {		/* zstd barely beats lz4 */
	{ 0, 0.5, 0.55 }, { 1, 0.5, 0.49 }, 0.125, 10
};

static uint64_t
path_ns(const struct path *p, enum reloc_codec c, size_t raw)
{
	double	per = p->cpu[c] + p->ratio[c] / p->link;

	if (per < 1 / p->peer)
		per = 1 / p->peer;
	return (uint64_t)(per * (double)raw);
}

/* Feed chunks until the choice is made (or n chunks): the codec. */
static enum reloc_codec
auto_run(struct reloc__auto *a, const struct path *p, unsigned n)
{
	enum reloc_codec	c = a->cur;
	bool			was = a->trying;

	while (n-- > 0) {
		c = reloc__auto_sent(a, 256 * 1024, path_ns(p, c, 256 * 1024));
		if (was && !a->trying)
			break;
		was = a->trying;
	}
	return c;
}

START_TEST(test_auto_picks)
{
	struct reloc__auto	a;
	unsigned		all = 1u << RELOC_CODEC_LZ4 |
				    1u << RELOC_CODEC_ZSTD;
	char			buf[96];

	reloc__auto_init(&a, all, 1);
	ck_assert_int_eq(a.cur, RELOC_CODEC_NONE);
	ck_assert_int_eq(auto_run(&a, &slow_link, 100000), RELOC_CODEC_ZSTD);
	ck_assert(!a.trying);
	ck_assert_str_eq(reloc__auto_rates(&a, buf, sizeof(buf)),
	    "none 125 MB/s, lz4 222 MB/s, zstd 333 MB/s");
	reloc__auto_init(&a, all, 1);
	ck_assert_int_eq(auto_run(&a, &fast_link, 100000), RELOC_CODEC_NONE);
	/* A slow peer is no slow link: compressing only costs. */
	reloc__auto_init(&a, all, 1);
	ck_assert_int_eq(auto_run(&a, &slow_peer, 100000), RELOC_CODEC_NONE);
	/* The cheaper codec keeps its place unless clearly beaten. */
	reloc__auto_init(&a, all, 1);
	ck_assert_int_eq(auto_run(&a, &near_tie, 100000), RELOC_CODEC_LZ4);
	/* Only what the peer takes is tried. */
	reloc__auto_init(&a, 1u << RELOC_CODEC_LZ4, 1);
	ck_assert_int_eq(auto_run(&a, &slow_link, 100000), RELOC_CODEC_LZ4);
	ck_assert_str_eq(reloc__auto_rates(&a, buf, sizeof(buf)),
	    "none 125 MB/s, lz4 222 MB/s");
	reloc__auto_init(&a, 0, 1);
	ck_assert_int_eq(auto_run(&a, &slow_link, 100000), RELOC_CODEC_NONE);
}
END_TEST

/* The choice follows the path: tried again after a while, it changes. */
START_TEST(test_auto_follows)
{
	struct reloc__auto	a;
	unsigned		n;

	reloc__auto_init(&a, 1u << RELOC_CODEC_LZ4 | 1u << RELOC_CODEC_ZSTD,
	    1);
	ck_assert_int_eq(auto_run(&a, &slow_link, 100000), RELOC_CODEC_ZSTD);
	for (n = 0; !a.trying && n < 100000; n++)
		reloc__auto_sent(&a, 256 * 1024, path_ns(&fast_link, a.cur,
		    256 * 1024));
	ck_assert(a.trying);
	ck_assert_int_eq(a.cur, RELOC_CODEC_NONE);
	ck_assert_int_eq(auto_run(&a, &fast_link, 100000), RELOC_CODEC_NONE);
}
END_TEST

/* Chunks of 256 KiB a lane sends until it has chosen, and after. */
static void
auto_chunks(size_t nlanes, unsigned *choose_r, unsigned *keep_r)
{
	struct reloc__auto	a;

	reloc__auto_init(&a, 1u << RELOC_CODEC_LZ4 | 1u << RELOC_CODEC_ZSTD,
	    nlanes);
	for (*choose_r = 0; a.trying; (*choose_r)++)
		reloc__auto_sent(&a, 256 * 1024, path_ns(&slow_link, a.cur,
		    256 * 1024));
	ck_assert_int_eq(a.cur, RELOC_CODEC_ZSTD);
	for (*keep_r = 0; !a.trying; (*keep_r)++)
		reloc__auto_sent(&a, 256 * 1024, path_ns(&slow_link, a.cur,
		    256 * 1024));
}

/*
 * Over N lanes each lane tries and keeps 1/N of what one lane does (all
 * try at once), but at least 4 MiB warm and 4 MiB measured per codec.
 */
START_TEST(test_auto_lanes)
{
	unsigned	choose, keep;

	auto_chunks(1, &choose, &keep);
	ck_assert_uint_eq(choose, 3 * 64 * 4);		/* 3 x 64 MiB */
	ck_assert_uint_eq(keep, 512 * 4);
	auto_chunks(4, &choose, &keep);
	ck_assert_uint_eq(choose, 3 * 16 * 4);
	ck_assert_uint_eq(keep, 128 * 4);
	auto_chunks(16, &choose, &keep);
	ck_assert_uint_eq(choose, 3 * 8 * 4);		/* 4 + 4 MiB each */
	ck_assert_uint_eq(keep, 32 * 4);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("codec");
	TCase	*tc = tcase_create("codec");
	SRunner	*sr;
	int	 failed;

	log_silence();
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_round_trip, 0, 3 * FILL_COUNT);
	tcase_add_test(tc, test_encode_refuses);
	tcase_add_loop_test(tc, test_corrupt_header, 0, 3);
	tcase_add_loop_test(tc, test_corrupt_lengths, 0, 2);
	tcase_add_loop_test(tc, test_corrupt_payload, 0, 3);
	tcase_add_test(tc, test_end_frame);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_auto_picks);
	tcase_add_test(tc, test_auto_follows);
	tcase_add_test(tc, test_auto_lanes);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
