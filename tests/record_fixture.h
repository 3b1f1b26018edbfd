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


/* A full migration record for the record and journal suites. */

#ifndef RECORD_FIXTURE_H
#define RECORD_FIXTURE_H

#include "reloc.h"

#define ID	"0f5c1d2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f"
#define ID2	"1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
#define DUUID	"6e2b1c0a-3f4d-4e5a-9b8c-7d6e5f4a3b2c"
#define PUUID	"9d8c7b6a-5f4e-4d3c-ab2a-1f0e9d8c7b6a"

/* A record with every field set, force, findings and a summary. */
void	make_record(struct reloc_record *r);
/* Every field of a and b equal (ck_assert). */
void	assert_record_eq(const struct reloc_record *a,
	    const struct reloc_record *b);

#endif /* RECORD_FIXTURE_H */
