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
 * AUTO: the codec a sending lane uses, chosen from what each codec moved
 * on this lane.  Each codec is tried in turn on AUTO_TRY raw bytes and
 * measured over the part after AUTO_WARM; the best then sends AUTO_KEEP
 * raw bytes before all are tried again.  A codec's rate is raw bytes over
 * the time the lane was busy with them (compressing, writing, paced by
 * -r), not counting waits for the stream's next chunk: a slow link, a
 * slow peer and a busy CPU all show in it, and whatever the bound, the
 * codec that moves memory fastest wins.  Measured per chunk instead, the
 * socket buffers hide what the peer does: a compressed chunk written
 * behind raw ones seems free when the peer, not the link, is the bound.
 * The warm-up lets the buffers (a few MB on each end) fill with the
 * tried codec's frames before it is measured.  Over N lanes each lane
 * tries, warms and keeps 1/N of those (all lanes try at once), down to
 * AUTO_MIN each, so that over 16 lanes the stream is not half over
 * before the first lane has tried lz4.
 */

#include <stdio.h>
#include <string.h>

#include "stream-int.h"

#define AUTO_WARM	(32ull << 20)	/* raw bytes, before measuring */
#define AUTO_TRY	(64ull << 20)	/* raw bytes per codec tried */
#define AUTO_KEEP	(512ull << 20)	/* raw bytes with the best */
#define AUTO_MIN	(4ull << 20)	/* raw bytes, least of each per lane */
/* A costlier codec wins only when it is this much faster (CPU is dear). */
#define AUTO_BETTER	1.05

static void
try_codec(struct reloc__auto *a, enum reloc_codec c)
{
	a->cur = c;
	a->raw = 0;
	a->m_raw = 0;
	a->m_ns = 0;
}

/* A lane's share of bytes, at least AUTO_MIN. */
static uint64_t
share(uint64_t bytes, size_t nlanes)
{
	bytes /= nlanes > 0 ? nlanes : 1;
	return bytes > AUTO_MIN ? bytes : AUTO_MIN;
}

void
reloc__auto_init(struct reloc__auto *a, unsigned codecs, size_t nlanes)
{
	memset(a, 0, sizeof(*a));
	a->codecs = codecs | 1u << RELOC_CODEC_NONE;
	a->warm = share(AUTO_WARM, nlanes);
	a->try = a->warm + share(AUTO_TRY - AUTO_WARM, nlanes);
	a->keep = share(AUTO_KEEP, nlanes);
	a->trying = true;
	try_codec(a, RELOC_CODEC_NONE);
}

/* The next codec to try after a->cur, or NONE when all were. */
static enum reloc_codec
next_try(const struct reloc__auto *a)
{
	enum reloc_codec	c;

	for (c = a->cur + 1; c <= RELOC_CODEC_ZSTD; c++)
		if (a->codecs & 1u << c)
			return c;
	return RELOC_CODEC_NONE;
}

/* Cheapest first: a costlier codec must beat the best so far clearly. */
static enum reloc_codec
best(const struct reloc__auto *a)
{
	enum reloc_codec	c, b = RELOC_CODEC_NONE;

	for (c = RELOC_CODEC_LZ4; c <= RELOC_CODEC_ZSTD; c++)
		if (a->codecs & 1u << c && a->rate[c] > a->rate[b] *
		    AUTO_BETTER)
			b = c;
	return b;
}

enum reloc_codec
reloc__auto_sent(struct reloc__auto *a, size_t raw, uint64_t busy_ns)
{
	enum reloc_codec	c;

	a->raw += raw;
	if (!a->trying) {
		if (a->raw >= a->keep) {
			a->trying = true;
			memset(a->rate, 0, sizeof(a->rate));
			try_codec(a, RELOC_CODEC_NONE);
		}
		return a->cur;
	}
	if (a->raw > a->warm) {
		a->m_raw += raw;
		a->m_ns += busy_ns;
	}
	if (a->raw < a->try)
		return a->cur;
	a->rate[a->cur] = a->m_ns != 0 ? (double)a->m_raw /
	    (double)a->m_ns : 0;
	if ((c = next_try(a)) != RELOC_CODEC_NONE) {
		try_codec(a, c);
		return c;
	}
	a->trying = false;
	try_codec(a, best(a));
	return a->cur;
}

const char *
reloc__auto_rates(const struct reloc__auto *a, char *buf, size_t len)
{
	enum reloc_codec	c;
	size_t			n = 0;
	int			w;

	buf[0] = '\0';
	for (c = RELOC_CODEC_NONE; c <= RELOC_CODEC_ZSTD && n < len; c++) {
		if (!(a->codecs & 1u << c))
			continue;
		w = snprintf(buf + n, len - n, "%s%s %.0f MB/s", n ? ", " :
		    "", reloc_codec_name(c), a->rate[c] * 1000.0);
		if (w < 0)
			break;
		n += (size_t)w;
	}
	return buf;
}

void
reloc__auto_lane_sent(struct lane_run *l, size_t raw, uint64_t busy_ns)
{
	bool	trying = l->a.trying;
	char	rates[96];

	reloc__auto_sent(&l->a, raw, busy_ns);
	if (trying && !l->a.trying)
		log_info("stream", "lane %zu to %s: auto measured %s: %s next",
		    l->k, reloc__frame_peer(l->f), reloc__auto_rates(&l->a,
		    rates, sizeof(rates)), reloc_codec_name(l->a.cur));
}
