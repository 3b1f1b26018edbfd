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
 * What the two files of the sxp Check suite share.
 */

#ifndef TESTS_CHECK_SXP_H
#define TESTS_CHECK_SXP_H

#include <stddef.h>

#include <check.h>

#include "reloc.h"

/* Read text that must read (asserted); the caller frees it. */
struct reloc_sxp *sxp_read_ok(const char *text);
/* Read text that must fail; the captured log holds the errors. */
void	sxp_read_bad(const char *text, size_t len);
/* Assert n is the atom s of len bytes (NUL-terminated). */
void	sxp_assert_atom(const struct reloc_sxp *n, const char *s, size_t len);
/* Assert n writes, reads back, and compares equal. */
void	sxp_assert_round_trip(const struct reloc_sxp *n);
/* check_sxp_limits.c */
TCase	*sxp_limits_tcase(void);
/* check_sxp_mem.c */
TCase	*sxp_mem_tcase(void);

#endif /* TESTS_CHECK_SXP_H */
