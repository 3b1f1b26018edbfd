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
 * The S-expression reader: xend's syntax, positions on every node, every
 * error reported with its place, and limits on depth and size so hostile
 * wire input cannot exhaust the stack or memory.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reloc-int.h"

/* Enough for any real file; bounds the log flood from garbage input. */
#define SXP_MAX_ERRORS	50

/*
 * The reader runs twice over its input: first it only counts nodes and
 * text (and reports every error), then it fills one allocation of exactly
 * that size.  While filling, finished nodes wait on a stack growing down
 * from the end of node[]; when a list closes, its children move to the
 * front of node[], contiguous and in order, so nothing else is allocated.
 */
struct open_list {
	unsigned	 line;
	unsigned	 col;
	uint32_t	 pend;		/* r->pend when the list opened */
};

struct reader {
	const char	*name;
	const unsigned char *buf;
	const unsigned char *p;
	const unsigned char *end;
	unsigned	 line;
	unsigned	 col;
	unsigned	 nerr;
	bool		 stop;		/* too many errors */
	bool		 eof_in_string;
	struct reloc__sxp_tree *t;	/* NULL while counting */
	size_t		 nnodes;	/* counted, the root aside */
	size_t		 ntext;
	uint32_t	 front;		/* next free slot at the front */
	uint32_t	 pend;		/* lowest slot of the waiting nodes */
	uint32_t	 tpos;
	/* open[0] is the root; open[depth] receives the next node. */
	struct open_list open[RELOC_SXP_MAX_DEPTH + 1];
	size_t		 depth;
	size_t		 skip;		/* open parens past the depth limit */
	struct reloc__buf tok;
};

static void	rd_error(struct reader *, unsigned, unsigned, const char *, ...)
		    RELOC_PRINTF(4, 5);

static void
rd_error(struct reader *r, unsigned line, unsigned col, const char *fmt, ...)
{
	char	msg[256];
	va_list	ap;

	if (r->stop)
		return;
	if (r->nerr == SXP_MAX_ERRORS) {
		log_errx("sxp", "%s:%u:%u: too many errors, giving up", r->name,
		    line, col);
		r->stop = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_errx("sxp", "%s:%u:%u: %s", r->name, line, col, msg);
	r->nerr++;
}

static int
rd_peek(const struct reader *r)
{
	return r->p < r->end ? *r->p : -1;
}

static int
rd_next(struct reader *r)
{
	int	c;

	if (r->p >= r->end)
		return -1;
	c = *r->p++;
	if (c == '\n') {
		r->line++;
		r->col = 1;
	} else
		r->col++;
	return c;
}

static bool
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	    c == '\f';
}

static bool
is_delim(int c)
{
	return is_space(c) || c == '(' || c == ')' || c == '\'' || c == '"';
}

/* Count a finished atom, or put it on the stack of waiting nodes. */
static int
rd_emit(struct reader *r, const void *s, size_t len, unsigned line,
    unsigned col)
{
	struct reloc_sxp	*n;

	if (r->skip > 0)
		return 0;
	if (r->t == NULL) {
		r->nnodes++;
		if (len > RELOC__SXP_INLINE)
			r->ntext += len + 1;
		return 0;
	}
	n = &r->t->node[--r->pend];
	memset(n, 0, sizeof(*n));
	n->bits = (uint32_t)(len << RELOC__SXP_SHIFT);
	n->line = line;
	n->col = col;
	if (len <= RELOC__SXP_INLINE) {
		if (len > 0)
			memcpy(n->u.inl, s, len);
		return 0;
	}
	memcpy(r->t->text + r->tpos, s, len);
	r->t->text[r->tpos + len] = '\0';
	n->u.ref = r->tpos;
	r->tpos += (uint32_t)len + 1;
	return 0;
}

/* Move the children of a closing list to the front, then the list. */
static void
rd_place(struct reader *r, struct reloc_sxp *list, const struct open_list *o)
{
	struct reloc_sxp	*node = r->t->node, tmp;
	uint32_t		 k = o->pend - r->pend, f = r->front, i;

	memmove(node + f, node + r->pend, k * sizeof(*node));
	for (i = 0; i < k / 2; i++) {
		tmp = node[f + i];
		node[f + i] = node[f + k - 1 - i];
		node[f + k - 1 - i] = tmp;
	}
	for (i = 0; i < k; i++)
		node[f + i].slot = f + i;
	r->front += k;
	r->pend = o->pend;
	if (list == NULL)
		list = &node[--r->pend];
	memset(list, 0, sizeof(*list));
	list->bits = RELOC__SXP_LIST | (uint32_t)(k << RELOC__SXP_SHIFT);
	list->line = o->line;
	list->col = o->col;
	list->u.ref = f;
}

static void
rd_comment(struct reader *r)
{
	while (rd_peek(r) != -1 && rd_peek(r) != '\n')
		rd_next(r);
}

static int
rd_open(struct reader *r)
{
	unsigned	line = r->line, col = r->col;

	rd_next(r);
	/* Past the limit, count parens only, to resume where it closes. */
	if (r->skip > 0 || r->depth == RELOC_SXP_MAX_DEPTH) {
		if (r->skip++ == 0)
			rd_error(r, line, col, "lists nested deeper than %d",
			    RELOC_SXP_MAX_DEPTH);
		return 0;
	}
	if (r->t == NULL)
		r->nnodes++;
	r->depth++;
	r->open[r->depth].line = line;
	r->open[r->depth].col = col;
	r->open[r->depth].pend = r->pend;
	return 0;
}

static void
rd_close(struct reader *r)
{
	unsigned	line = r->line, col = r->col;

	rd_next(r);
	if (r->skip > 0)
		r->skip--;
	else if (r->depth == 0)
		rd_error(r, line, col, "unexpected ')'");
	else {
		if (r->t != NULL)
			rd_place(r, NULL, &r->open[r->depth]);
		r->depth--;
	}
}

static int
rd_atom(struct reader *r)
{
	const unsigned char	*start = r->p;
	unsigned		 col = r->col;

	/* An atom holds no newline, so only the column moves. */
	while (r->p < r->end && !is_delim(*r->p))
		r->p++;
	r->col += (unsigned)(r->p - start);
	return rd_emit(r, start, (size_t)(r->p - start), r->line, col);
}

static int
rd_octal(struct reader *r, unsigned line, unsigned col)
{
	unsigned	v = 0;
	int		n;

	for (n = 0; n < 3 && rd_peek(r) >= '0' && rd_peek(r) <= '7'; n++)
		v = v * 8 + (unsigned)(rd_next(r) - '0');
	if (v > 0xff) {
		rd_error(r, line, col, "octal escape '\\%o' is over \\377", v);
		return 0;
	}
	return reloc__buf_putc(&r->tok, (int)v);
}

static int
hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
rd_hex(struct reader *r, unsigned line, unsigned col)
{
	int	v = 0, n;

	rd_next(r);
	for (n = 0; n < 2 && hex_value(rd_peek(r)) >= 0; n++)
		v = v * 16 + hex_value(rd_next(r));
	if (n == 0) {
		rd_error(r, line, col, "'\\x' escape without hex digits");
		return 0;
	}
	return reloc__buf_putc(&r->tok, v);
}

/* The backslash at line:col has been read. */
static int
rd_escape(struct reader *r, unsigned line, unsigned col)
{
	static const char	 from[] = "\\'\"ntabvfr";
	static const char	 to[] = "\\'\"\n\t\a\b\v\f\r";
	const char		*e;
	int			 c;

	if ((c = rd_peek(r)) == -1)
		return 0;	/* rd_string reports the unterminated string */
	if (c >= '0' && c <= '7')
		return rd_octal(r, line, col);
	if (c == 'x')
		return rd_hex(r, line, col);
	rd_next(r);
	if (c != '\0' && (e = strchr(from, c)) != NULL)
		return reloc__buf_putc(&r->tok, to[e - from]);
	if (c > 0x20 && c < 0x7f)
		rd_error(r, line, col, "bad escape '\\%c'", c);
	else
		rd_error(r, line, col, "bad escape '\\' before byte 0x%02x", c);
	/* Keep the byte: the rest of the string still reads sensibly. */
	return reloc__buf_putc(&r->tok, c);
}

static int
rd_string(struct reader *r)
{
	unsigned	line = r->line, col = r->col, cl, cc;
	int		q, c, rc;

	q = rd_next(r);
	r->tok.len = 0;
	for (;;) {
		cl = r->line;
		cc = r->col;
		if ((c = rd_next(r)) == -1) {
			rd_error(r, line, col, "unterminated string");
			r->eof_in_string = true;
			return 0;
		}
		if (c == q)
			break;
		if (c == '\\')
			rc = rd_escape(r, cl, cc);
		else
			rc = reloc__buf_putc(&r->tok, c);
		if (rc < 0)
			return rc;
	}
	return rd_emit(r, r->tok.p, r->tok.len, line, col);
}

static int
rd_run(struct reader *r)
{
	size_t	i;
	int	c, rc;

	while (!r->stop && (c = rd_peek(r)) != -1) {
		rc = 0;
		if (is_space(c))
			rd_next(r);
		else if (c == '#')
			rd_comment(r);
		else if (c == '(')
			rc = rd_open(r);
		else if (c == ')')
			rd_close(r);
		else if (c == '\'' || c == '"')
			rc = rd_string(r);
		else
			rc = rd_atom(r);
		if (rc < 0)
			return rc;
	}
	/* After an unterminated string the open lists are no news. */
	for (i = 1; i <= r->depth && !r->eof_in_string; i++)
		rd_error(r, r->open[i].line, r->open[i].col, "unclosed '('");
	return 0;
}

/* Start (again) at the beginning of the input. */
static void
rd_rewind(struct reader *r)
{
	r->p = r->buf;
	r->line = r->col = 1;
	r->depth = r->skip = 0;
	r->open[0].line = r->open[0].col = 1;
	r->open[0].pend = r->pend;
}

/* One allocation for the counted tree, within its budget. */
static int
rd_alloc(struct reader *r, size_t len)
{
	size_t	nlen = strlen(r->name) + 1, size;

	size = sizeof(*r->t) + (r->nnodes + 1) * sizeof(struct reloc_sxp) +
	    r->ntext + nlen;
	if (size > RELOC_SXP_BUDGET(len) + nlen) {
		log_errx("sxp", "%s: %zu bytes would take %zu bytes to read, "
		    "over the limit of %u per byte", r->name, len, size,
		    RELOC_SXP_BYTES_PER_BYTE);
		return RELOC_ERR_CONFIG;
	}
	if ((r->t = malloc(size)) == NULL)
		return RELOC_ERR_NOMEM;
	r->t->root = &r->t->node[0];
	r->t->bytes = size;
	r->t->text = (char *)&r->t->node[r->nnodes + 1];
	r->t->src = memcpy(r->t->text + r->ntext, r->name, nlen);
	r->t->node[0].slot = 0;
	r->front = 1;
	r->pend = (uint32_t)r->nnodes + 1;
	return 0;
}

int
reloc_sxp_read_mem(const char *name, const char *buf, size_t len,
    struct reloc_sxp **sxp_r)
{
	struct reader	r;
	int		rc;

	if (name == NULL)
		name = "";
	if (buf == NULL && len > 0)
		return RELOC_ERR_INVAL;
	/* NULL + 0 is undefined in C: an empty input reads from "". */
	if (buf == NULL)
		buf = "";
	if (len > RELOC_SXP_MAX_INPUT) {
		log_errx("sxp", "%s: %zu bytes is over the limit of %u", name,
		    len, RELOC_SXP_MAX_INPUT);
		return RELOC_ERR_CONFIG;
	}
	memset(&r, 0, sizeof(r));
	r.name = name;
	r.buf = (const unsigned char *)buf;
	r.end = r.buf + len;
	rd_rewind(&r);
	if ((rc = rd_run(&r)) == 0 && r.nerr > 0)
		rc = RELOC_ERR_CONFIG;
	if (rc < 0 || (rc = rd_alloc(&r, len)) < 0)
		goto out;
	rd_rewind(&r);
	if ((rc = rd_run(&r)) < 0)
		goto out;
	rd_place(&r, &r.t->node[0], &r.open[0]);
	*sxp_r = &r.t->node[0];
	r.t = NULL;
out:
	if (rc == RELOC_ERR_NOMEM)
		log_errx("sxp", "%s: out of memory", name);
	free(r.t);
	free(r.tok.p);
	return rc;
}

static int
slurp(const char *path, struct reloc__buf *b)
{
	ssize_t	n;
	int	fd, rc = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		log_err("sxp", "%s", path);
		return reloc__errno_to_err(errno);
	}
	for (;;) {
		if ((rc = reloc__buf_grow(b, 65536)) < 0)
			break;
		if ((n = read(fd, b->p + b->len, 65536)) == -1) {
			if (errno == EINTR)
				continue;
			log_err("sxp", "%s", path);
			rc = reloc__errno_to_err(errno);
			break;
		}
		if (n == 0)
			break;
		b->len += (size_t)n;
		if (b->len > RELOC_SXP_MAX_INPUT) {
			log_errx("sxp", "%s: larger than %u bytes", path,
			    RELOC_SXP_MAX_INPUT);
			rc = RELOC_ERR_CONFIG;
			break;
		}
	}
	close(fd);
	return rc;
}

int
reloc_sxp_read_file(const char *path, struct reloc_sxp **sxp_r)
{
	struct reloc__buf b = { NULL, 0, 0 };
	int		rc;

	if (path == NULL)
		return RELOC_ERR_INVAL;
	if ((rc = slurp(path, &b)) == 0)
		rc = reloc_sxp_read_mem(path, b.p, b.len, sxp_r);
	free(b.p);
	return rc;
}

