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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reloc-int.h"

/* The name nodes were read from, shared by all of them. */
struct reloc__sxp_src {
	unsigned	 refs;
	char		 name[];
};

struct reloc_sxp {
	enum reloc_sxp_type type;
	unsigned	 line;
	unsigned	 col;
	struct reloc__sxp_src *src;
	char		*text;		/* atom: len bytes and a NUL */
	size_t		 len;
	struct reloc_sxp **kids;	/* list: nkids elements */
	size_t		 nkids;
	size_t		 cap;
};

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

static struct reloc_sxp *
node_new(enum reloc_sxp_type type, struct reloc__sxp_src *src, unsigned line,
    unsigned col)
{
	struct reloc_sxp	*n;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	n->type = type;
	n->line = line;
	n->col = col;
	if ((n->src = src) != NULL)
		src->refs++;
	return n;
}

struct reloc_sxp *
reloc__sxp_atom_new(const void *s, size_t len, struct reloc__sxp_src *src,
    unsigned line, unsigned col)
{
	struct reloc_sxp	*n;

	if ((n = node_new(RELOC_SXP_ATOM, src, line, col)) == NULL)
		return NULL;
	if ((n->text = malloc(len + 1)) == NULL) {
		reloc_sxp_free(n);
		return NULL;
	}
	if (len > 0)
		memcpy(n->text, s, len);
	n->text[len] = '\0';
	n->len = len;
	return n;
}

struct reloc__sxp_src *
reloc__sxp_src_new(const char *name)
{
	struct reloc__sxp_src	*src;
	size_t			 len = strlen(name);

	if ((src = malloc(sizeof(*src) + len + 1)) == NULL)
		return NULL;
	src->refs = 1;
	memcpy(src->name, name, len + 1);
	return src;
}

void
reloc__sxp_src_unref(struct reloc__sxp_src *src)
{
	if (src != NULL && --src->refs == 0)
		free(src);
}

struct reloc_sxp *
reloc__sxp_list_new(struct reloc__sxp_src *src, unsigned line, unsigned col)
{
	return node_new(RELOC_SXP_LIST, src, line, col);
}

void
reloc_sxp_free(struct reloc_sxp *sxp)
{
	size_t	i;

	if (sxp == NULL)
		return;
	for (i = 0; i < sxp->nkids; i++)
		reloc_sxp_free(sxp->kids[i]);
	free(sxp->kids);
	free(sxp->text);
	reloc__sxp_src_unref(sxp->src);
	free(sxp);
}

int
reloc_sxp_append(struct reloc_sxp *list, struct reloc_sxp *child)
{
	struct reloc_sxp	**kids;
	size_t			  cap;

	if (list == NULL || list->type != RELOC_SXP_LIST || child == NULL) {
		reloc_sxp_free(child);
		return RELOC_ERR_INVAL;
	}
	if (list->nkids == list->cap) {
		cap = list->cap != 0 ? list->cap * 2 : 4;
		kids = reallocarray(list->kids, cap, sizeof(*kids));
		if (kids == NULL) {
			reloc_sxp_free(child);
			return RELOC_ERR_NOMEM;
		}
		list->kids = kids;
		list->cap = cap;
	}
	list->kids[list->nkids++] = child;
	return 0;
}

/* ---------------------------------------------------------------- access */

enum reloc_sxp_type
reloc_sxp_type(const struct reloc_sxp *sxp)
{
	return sxp->type;
}

const char *
reloc_sxp_atom(const struct reloc_sxp *sxp, size_t *len_r)
{
	if (sxp == NULL || sxp->type != RELOC_SXP_ATOM) {
		if (len_r != NULL)
			*len_r = 0;
		return NULL;
	}
	if (len_r != NULL)
		*len_r = sxp->len;
	return sxp->text;
}

size_t
reloc_sxp_len(const struct reloc_sxp *sxp)
{
	return sxp != NULL ? sxp->nkids : 0;
}

struct reloc_sxp *
reloc_sxp_nth(const struct reloc_sxp *sxp, size_t i)
{
	if (sxp == NULL || i >= sxp->nkids)
		return NULL;
	return sxp->kids[i];
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
	return sxp->src != NULL ? sxp->src->name : "";
}

static bool
atom_is(const struct reloc_sxp *n, const char *s, size_t len)
{
	return n->type == RELOC_SXP_ATOM && n->len == len &&
	    memcmp(n->text, s, len) == 0;
}

struct reloc_sxp *
reloc_sxp_assoc(const struct reloc_sxp *list, const char *key)
{
	struct reloc_sxp	*k;
	size_t			 i, klen = strlen(key);

	if (list == NULL)
		return NULL;
	for (i = 0; i < list->nkids; i++) {
		k = list->kids[i];
		if (k->nkids > 0 && atom_is(k->kids[0], key, klen))
			return k;
	}
	return NULL;
}

const char *
reloc_sxp_value(const struct reloc_sxp *list, const char *key)
{
	struct reloc_sxp	*k = reloc_sxp_assoc(list, key);

	if (k == NULL || k->nkids < 2 || k->kids[1]->type != RELOC_SXP_ATOM)
		return NULL;
	return k->kids[1]->text;
}

bool
reloc_sxp_equal(const struct reloc_sxp *a, const struct reloc_sxp *b)
{
	size_t	i;

	if (a == NULL || b == NULL)
		return a == b;
	if (a->type != b->type)
		return false;
	if (a->type == RELOC_SXP_ATOM)
		return atom_is(a, b->text, b->len);
	if (a->nkids != b->nkids)
		return false;
	for (i = 0; i < a->nkids; i++)
		if (!reloc_sxp_equal(a->kids[i], b->kids[i]))
			return false;
	return true;
}

/* ---------------------------------------------------------------- build */

int
reloc_sxp_new_list(struct reloc_sxp **sxp_r)
{
	struct reloc_sxp	*n;

	if ((n = node_new(RELOC_SXP_LIST, NULL, 0, 0)) == NULL)
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
	if ((n = reloc__sxp_atom_new(s, len, NULL, 0, 0)) == NULL)
		return RELOC_ERR_NOMEM;
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
	size_t		i;
	unsigned char	c;

	if (a->len == 0)
		return true;
	for (i = 0; i < a->len; i++) {
		c = (unsigned char)a->text[i];
		if (c <= 0x20 || c == 0x7f || strchr("()'\"#\\", c) != NULL)
			return true;
	}
	return false;
}

static int
write_quoted(struct reloc__buf *b, const struct reloc_sxp *a)
{
	char		esc[8];
	size_t		i;
	unsigned char	c;
	int		rc = 0;

	if ((rc = reloc__buf_putc(b, '"')) < 0)
		return rc;
	for (i = 0; i < a->len && rc == 0; i++) {
		c = (unsigned char)a->text[i];
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

	if (n->type == RELOC_SXP_ATOM)
		return needs_quotes(n) ? write_quoted(b, n) :
		    reloc__buf_add(b, n->text, n->len);
	if (depth >= RELOC_SXP_MAX_DEPTH)
		return RELOC_ERR_INVAL;
	if ((rc = reloc__buf_putc(b, '(')) < 0)
		return rc;
	for (i = 0; i < n->nkids; i++) {
		if (i > 0 && (rc = reloc__buf_putc(b, ' ')) < 0)
			return rc;
		if ((rc = write_node(b, n->kids[i], depth + 1)) < 0)
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
