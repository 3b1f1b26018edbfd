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
 * What the sim's save and restore sides both compute on a record: its
 * checksums (the format is in hv_sim.h) and whether a page is zero.
 */

#include <endian.h>
#include <string.h>

#include <xxhash.h>

#include "hv_sim.h"	/* config.h first */

#ifdef HAVE_XXH3_64BITS_DISPATCH
#include <xxh_x86dispatch.h>
/* The same hash, with the CPU's widest vector unit: 2-4 times faster. */
#define PAGE_HASH	XXH3_64bits_dispatch
#else
#define PAGE_HASH	XXH3_64bits
#endif

uint64_t
reloc__sim_rec_csum(const struct sim_rec *r, const void *data, size_t len)
{
	return XXH3_64bits_withSeed(data, len, XXH3_64bits(r, 24));
}

void
reloc__sim_page_hashes(const uint8_t *data, uint64_t n, uint64_t *h)
{
	uint64_t	 i;

	for (i = 0; i < n; i++)
		h[i] = PAGE_HASH(data + (i << SIM_PAGE_SHIFT), SIM_PAGE_SIZE);
}

/*
 * A PAGES record's csum from its raw header and run table, the hashes h
 * of its n pages (room for SIM_REC_WORDS more; rewritten) and its raw
 * trailer: changed pages count as 0, and the bitmap itself is covered.
 */
uint64_t
reloc__sim_pages_csum(const struct sim_rec *r, const struct sim_run *runs,
    uint64_t *h, uint64_t n, const struct sim_rec_trailer *t)
{
	uint64_t	 seed, i;

	seed = XXH3_64bits_withSeed(runs, (size_t)le64toh(r->count) *
	    sizeof(*runs), XXH3_64bits(r, 24));
	for (i = 0; i < n; i++)
		h[i] = (le64toh(t->changed[i / 64]) >> (i % 64) & 1) ? 0 :
		    htole64(h[i]);
	memcpy(&h[n], t->changed, sizeof(t->changed));
	return XXH3_64bits_withSeed(h, (size_t)(n + SIM_REC_WORDS) * 8, seed);
}

/* Whether a page is all zero; stops at the first word that is not. */
bool
reloc__sim_page_zero(const uint8_t *page)
{
	const uint64_t	*w = (const uint64_t *)(const void *)page;
	uint64_t	 acc = 0;
	size_t		 i, j;

	for (i = 0; i < SIM_PAGE_SIZE / 8; i += 8) {
		for (j = 0; j < 8; j++)
			acc |= w[i + j];
		if (acc != 0)
			return false;
	}
	return true;
}
