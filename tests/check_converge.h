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
 * What the two files of the converge Check suite share.
 */

#ifndef TESTS_CHECK_CONVERGE_H
#define TESTS_CHECK_CONVERGE_H

#include <check.h>

#include "converge-int.h"

/* check_converge.c: the policy under test, fed synthetic rounds. */
extern struct reloc__conv conv;
/* A new save with this budget (ms) and timeout (s). */
void	start(unsigned budget_ms, unsigned timeout_s);
/*
 * The next round: link and dirty in MB/s, pages dirty, elapsed_ms since
 * pre-copy began; the policy's verdict.
 */
enum reloc__conv_next round_(uint64_t link, uint64_t dirty, uint64_t pages,
	    uint64_t elapsed_ms);

/* check_converge_cap.c: the throttle as Xen's cap, and its note. */
TCase	*converge_cap_tcase(void);
TCase	*converge_note_tcase(void);

#endif /* TESTS_CHECK_CONVERGE_H */
