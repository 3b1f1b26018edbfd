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
 * S-expression nodes: the tree, its accessors, building, and a writer that
 * quotes atoms so that what it writes reads back equal.  The reader is in
 * sxp_read.c; the config file and the wire protocol share both.
 */

#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reloc-int.h"

#define BUILT(n)	((struct reloc__sxp_built *)(n))

/* ---------------------------------------------------------------- buffers */

int
reloc__buf_grow(struct reloc__buf *b, size_t more)
{
	size_t	 cap;
	char	*p;

	if (b->len + more + 1 <= b->cap)
		return 0;
	cap = b->cap != 0 ? b->cap : 64;
	while (cap < b->len + more + 1)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL)
		return RELOC_ERR_NOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

int
reloc__buf_add(struct reloc__buf *b, const void *s, size_t n)
{
	int	rc;

	if ((rc = reloc__buf_grow(b, n)) < 0)
		return rc;
	if (n > 0)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int
reloc__buf_putc(struct reloc__buf *b, int c)
{
	char	ch = (char)c;

	return reloc__buf_add(b, &ch, 1);
}

/* ---------------------------------------------------------------- nodes */

static bool
is_built(const struct reloc_sxp *n)
{
	return (n->bits & RELOC__SXP_BUILT) != 0;
}

static bool
is_list(const struct reloc_sxp *n)
{
	return (n->bits & RELOC__SXP_LIST) != 0;
}

static size_t
n_len(const struct reloc_sxp *n)
{
	return n->bits >> RELOC__SXP_SHIFT;
}

struct reloc__sxp_tree *
reloc__sxp_tree_of(const struct reloc_sxp *n)
{
	const struct reloc_sxp	*first = n - n->slot;

	return (struct reloc__sxp_tree *)(void *)((char *)(uintptr_t)first -
	    offsetof(struct reloc__sxp_tree, node));
}

static const char *
n_text(const struct reloc_sxp *n)
{
	if (is_built(n))
		return BUILT(n)->text;
	if (n_len(n) <= RELOC__SXP_INLINE)
		return n->u.inl;
	return reloc__sxp_tree_of(n)->text + n->u.ref;
}

static struct reloc_sxp *
n_kid(const struct reloc_sxp *n, size_t i)
{
	if (is_built(n))
		return BUILT(n)->kids[i];
	return &reloc__sxp_tree_of(n)->node[n->u.ref + i];
}

static struct reloc_sxp *
node_new(uint32_t list)
{
	struct reloc__sxp_built	*b;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->n.bits = RELOC__SXP_BUILT | list;
	return &b->n;
}

void
reloc_sxp_free(struct reloc_sxp *sxp)
{
	struct reloc__sxp_tree	*t;
	size_t			 i;

	if (sxp == NULL)
		return;
	if (!is_built(sxp)) {
		/* A read node other than its tree's root is the root's. */
		if ((t = reloc__sxp_tree_of(sxp))->root == sxp)
			free(t);
		return;
	}
	if (is_list(sxp))
		for (i = 0; i < n_len(sxp); i++)
			reloc_sxp_free(BUILT(sxp)->kids[i]);
	free(BUILT(sxp)->kids);
	free(BUILT(sxp)->text);
	free(sxp);
}

struct reloc_sxp *
reloc__sxp_take(struct reloc_sxp *list, size_t i)
{
	struct reloc__sxp_built	*b = BUILT(list);
	struct reloc_sxp	*kid;
	size_t			 n;

	if ((kid = reloc_sxp_nth(list, i)) == NULL)
		return NULL;
	if (!is_built(list)) {
		reloc__sxp_tree_of(list)->root = kid;
		return kid;
	}
	n = n_len(list) - 1;
	memmove(b->kids + i, b->kids + i + 1, (n - i) * sizeof(*b->kids));
	list->bits = RELOC__SXP_BUILT | RELOC__SXP_LIST |
	    (uint32_t)(n << RELOC__SXP_SHIFT);
	return kid;
}

size_t
reloc__sxp_bytes(const struct reloc_sxp *root)
{
	size_t	i, sum;

	if (root == NULL)
		return 0;
	if (!is_built(root))
		return reloc__sxp_tree_of(root)->bytes;
	sum = sizeof(struct reloc__sxp_built);
	if (!is_list(root))
		return sum + n_len(root) + 1;
	sum += BUILT(root)->cap * sizeof(struct reloc_sxp *);
	for (i = 0; i < n_len(root); i++)
		sum += reloc__sxp_bytes(BUILT(root)->kids[i]);
	return sum;
}

int
reloc_sxp_append(struct reloc_sxp *list, struct reloc_sxp *child)
{
	struct reloc__sxp_built	 *b = BUILT(list);
	struct reloc_sxp	**kids;
	size_t			  cap, n;

	if (list == NULL || !is_list(list) || !is_built(list) ||
	    child == NULL || n_len(list) >= RELOC_SXP_MAX_INPUT) {
		reloc_sxp_free(child);
		return RELOC_ERR_INVAL;
	}
	if ((n = n_len(list)) == b->cap) {
		cap = b->cap != 0 ? b->cap * 2 : 4;
		kids = reallocarray(b->kids, cap, sizeof(*kids));
		if (kids == NULL) {
			reloc_sxp_free(child);
			return RELOC_ERR_NOMEM;
		}
		b->kids = kids;
		b->cap = cap;
	}
	b->kids[n] = child;
	list->bits += 1u << RELOC__SXP_SHIFT;
	return 0;
}

/* ---------------------------------------------------------------- access */

enum reloc_sxp_type
reloc_sxp_type(const struct reloc_sxp *sxp)
{
	return is_list(sxp) ? RELOC_SXP_LIST : RELOC_SXP_ATOM;
}

const char *
reloc_sxp_atom(const struct reloc_sxp *sxp, size_t *len_r)
{
	if (sxp == NULL || is_list(sxp)) {
		if (len_r != NULL)
			*len_r = 0;
		return NULL;
	}
	if (len_r != NULL)
		*len_r = n_len(sxp);
	return n_text(sxp);
}

size_t
reloc_sxp_len(const struct reloc_sxp *sxp)
{
	return sxp != NULL && is_list(sxp) ? n_len(sxp) : 0;
}

struct reloc_sxp *
reloc_sxp_nth(const struct reloc_sxp *sxp, size_t i)
{
	if (i >= reloc_sxp_len(sxp))
		return NULL;
	return n_kid(sxp, i);
}

unsigned
reloc_sxp_line(const struct reloc_sxp *sxp)
{
	return sxp->line;
}

unsigned
reloc_sxp_col(const struct reloc_sxp *sxp)
{
	return sxp->col;
}

const char *
reloc_sxp_source(const struct reloc_sxp *sxp)
{
	return is_built(sxp) ? "" : reloc__sxp_tree_of(sxp)->src;
}

static bool
atom_is(const struct reloc_sxp *n, const char *s, size_t len)
{
	return !is_list(n) && n_len(n) == len &&
	    memcmp(n_text(n), s, len) == 0;
}

struct reloc_sxp *
reloc_sxp_assoc(const struct reloc_sxp *list, const char *key)
{
	struct reloc_sxp	*k;
	size_t			 i, n, klen = strlen(key);

	n = reloc_sxp_len(list);
	for (i = 0; i < n; i++) {
		k = n_kid(list, i);
		if (reloc_sxp_len(k) > 0 && atom_is(n_kid(k, 0), key, klen))
			return k;
	}
	return NULL;
}

const char *
reloc_sxp_value(const struct reloc_sxp *list, const char *key)
{
	struct reloc_sxp	*k = reloc_sxp_assoc(list, key);

	if (reloc_sxp_len(k) < 2 || is_list(n_kid(k, 1)))
		return NULL;
	return n_text(n_kid(k, 1));
}

bool
reloc_sxp_equal(const struct reloc_sxp *a, const struct reloc_sxp *b)
{
	size_t	i;

	if (a == NULL || b == NULL)
		return a == b;
	if (is_list(a) != is_list(b))
		return false;
	if (!is_list(a))
		return atom_is(a, n_text(b), n_len(b));
	if (n_len(a) != n_len(b))
		return false;
	for (i = 0; i < n_len(a); i++)
		if (!reloc_sxp_equal(n_kid(a, i), n_kid(b, i)))
			return false;
	return true;
}

/* ---------------------------------------------------------------- build */

int
reloc_sxp_new_list(struct reloc_sxp **sxp_r)
{
	struct reloc_sxp	*n;

	if ((n = node_new(RELOC__SXP_LIST)) == NULL)
		return RELOC_ERR_NOMEM;
	*sxp_r = n;
	return 0;
}

int
reloc_sxp_new_atom(const char *s, size_t len, struct reloc_sxp **sxp_r)
{
	struct reloc_sxp	*n;

	if (s == NULL && len > 0)
		return RELOC_ERR_INVAL;
	if (len >= RELOC_SXP_MAX_INPUT)
		return RELOC_ERR_INVAL;
	if ((n = node_new(0)) == NULL)
		return RELOC_ERR_NOMEM;
	if ((BUILT(n)->text = malloc(len + 1)) == NULL) {
		free(n);
		return RELOC_ERR_NOMEM;
	}
	if (len > 0)
		memcpy(BUILT(n)->text, s, len);
	BUILT(n)->text[len] = '\0';
	n->bits |= (uint32_t)(len << RELOC__SXP_SHIFT);
	*sxp_r = n;
	return 0;
}

static int
add_pair(struct reloc_sxp *list, const char *key, const char *value,
    size_t vlen)
{
	struct reloc_sxp	*pair = NULL, *n;
	int			 rc;

	if ((rc = reloc_sxp_new_list(&pair)) < 0)
		return rc;
	if ((rc = reloc_sxp_new_atom(key, strlen(key), &n)) < 0 ||
	    (rc = reloc_sxp_append(pair, n)) < 0 ||
	    (rc = reloc_sxp_new_atom(value, vlen, &n)) < 0 ||
	    (rc = reloc_sxp_append(pair, n)) < 0) {
		reloc_sxp_free(pair);
		return rc;
	}
	return reloc_sxp_append(list, pair);
}

int
reloc_sxp_add_str(struct reloc_sxp *list, const char *key, const char *value)
{
	if (key == NULL || value == NULL)
		return RELOC_ERR_INVAL;
	return add_pair(list, key, value, strlen(value));
}

int
reloc_sxp_add_u64(struct reloc_sxp *list, const char *key, uint64_t value)
{
	char	num[24];
	int	n;

	if (key == NULL)
		return RELOC_ERR_INVAL;
	n = snprintf(num, sizeof(num), "%" PRIu64, value);
	return add_pair(list, key, num, (size_t)n);
}

/* ---------------------------------------------------------------- writer */

static bool
needs_quotes(const struct reloc_sxp *a)
{
	const char	*t = n_text(a);
	size_t		 i;
	unsigned char	 c;

	if (n_len(a) == 0)
		return true;
	for (i = 0; i < n_len(a); i++) {
		c = (unsigned char)t[i];
		if (c <= 0x20 || c == 0x7f || strchr("()'\"#\\", c) != NULL)
			return true;
	}
	return false;
}

static int
write_quoted(struct reloc__buf *b, const struct reloc_sxp *a)
{
	const char	*t = n_text(a);
	char		 esc[8];
	size_t		 i;
	unsigned char	 c;
	int		 rc = 0;

	if ((rc = reloc__buf_putc(b, '"')) < 0)
		return rc;
	for (i = 0; i < n_len(a) && rc == 0; i++) {
		c = (unsigned char)t[i];
		if (c == '"' || c == '\\')
			snprintf(esc, sizeof(esc), "\\%c", c);
		else if (c == '\n')
			strcpy(esc, "\\n");
		else if (c == '\t')
			strcpy(esc, "\\t");
		else if (c < 0x20 || c == 0x7f)
			/* Always two digits: a following digit stays itself. */
			snprintf(esc, sizeof(esc), "\\x%02x", c);
		else {
			rc = reloc__buf_putc(b, c);
			continue;
		}
		rc = reloc__buf_add(b, esc, strlen(esc));
	}
	return rc < 0 ? rc : reloc__buf_putc(b, '"');
}

static int
write_node(struct reloc__buf *b, const struct reloc_sxp *n, unsigned depth)
{
	size_t	i;
	int	rc;

	if (!is_list(n))
		return needs_quotes(n) ? write_quoted(b, n) :
		    reloc__buf_add(b, n_text(n), n_len(n));
	if (depth >= RELOC_SXP_MAX_DEPTH)
		return RELOC_ERR_INVAL;
	if ((rc = reloc__buf_putc(b, '(')) < 0)
		return rc;
	for (i = 0; i < n_len(n); i++) {
		if (i > 0 && (rc = reloc__buf_putc(b, ' ')) < 0)
			return rc;
		if ((rc = write_node(b, n_kid(n, i), depth + 1)) < 0)
			return rc;
	}
	return reloc__buf_putc(b, ')');
}

int
reloc_sxp_write(const struct reloc_sxp *sxp, char **buf_r, size_t *len_r)
{
	struct reloc__buf b = { NULL, 0, 0 };
	int		rc;

	if (sxp == NULL)
		return RELOC_ERR_INVAL;
	if ((rc = write_node(&b, sxp, 0)) == 0 &&
	    b.len > RELOC_SXP_MAX_INPUT)
		rc = RELOC_ERR_INVAL;
	if (rc == RELOC_ERR_INVAL)
		log_errx("sxp", "cannot write a node nested deeper than %d or "
		    "longer than %u bytes", RELOC_SXP_MAX_DEPTH,
		    RELOC_SXP_MAX_INPUT);
	if (rc < 0) {
		free(b.p);
		return rc;
	}
	*buf_r = b.p;
	if (len_r != NULL)
		*len_r = b.len;
	return 0;
}
