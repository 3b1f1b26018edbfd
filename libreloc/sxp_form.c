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
 * The pieces the table-driven S-expression forms share (the domain and
 * host descriptions, the migration record): building (key ...) lists,
 * and reading numbers and words strictly.
 */

#include <string.h>

#include "reloc-int.h"

int
reloc__sxp_put_atom(struct reloc_sxp *list, const char *s, size_t len)
{
	struct reloc_sxp	*a;
	int			 rc;

	if ((rc = reloc_sxp_new_atom(s, len, &a)) < 0)
		return rc;
	return reloc_sxp_append(list, a);
}

int
reloc__sxp_put_list(struct reloc_sxp *list, const char *key,
    struct reloc_sxp **sub_r)
{
	struct reloc_sxp	*sub;
	int			 rc;

	if ((rc = reloc_sxp_new_list(&sub)) < 0)
		return rc;
	if ((rc = reloc__sxp_put_atom(sub, key, strlen(key))) < 0) {
		reloc_sxp_free(sub);
		return rc;
	}
	if ((rc = reloc_sxp_append(list, sub)) < 0)
		return rc;
	*sub_r = sub;
	return 0;
}

int
reloc__sxp_put_strv(struct reloc_sxp *list, const char *key, char *const *v,
    size_t n)
{
	struct reloc_sxp	*sub;
	size_t			 i;
	int			 rc;

	if ((rc = reloc__sxp_put_list(list, key, &sub)) < 0)
		return rc;
	for (i = 0; i < n && rc == 0; i++)
		rc = reloc__sxp_put_atom(sub, v[i], strlen(v[i]));
	return rc;
}

bool
reloc__sxp_head_is(const struct reloc_sxp *n, const char *name)
{
	const char	*s;
	size_t		 len;

	s = reloc_sxp_atom(reloc_sxp_nth(n, 0), &len);
	return s != NULL && len == strlen(name) && memcmp(s, name, len) == 0;
}

enum reloc__dec
reloc__dec_parse(const char *s, uint64_t max, uint64_t *n_r)
{
	const char	*p;
	uint64_t	 n = 0, d;

	if (*s == '\0' || strspn(s, "0123456789") != strlen(s))
		return RELOC__DEC_NOT_DECIMAL;
	for (p = s; *p != '\0'; p++) {
		d = (uint64_t)(*p - '0');
		if (n > (UINT64_MAX - d) / 10)
			return RELOC__DEC_TOO_LARGE;
		n = n * 10 + d;
	}
	if (n > max)
		return RELOC__DEC_OUT_OF_RANGE;
	*n_r = n;
	return RELOC__DEC_OK;
}

int
reloc__word_index(const char *s, const char *const *words, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (words[i] != NULL && strcmp(s, words[i]) == 0)
			return (int)i;
	return -1;
}
