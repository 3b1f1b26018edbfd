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
 * The XML-RPC value model: constructors, containers, getters and member
 * lookup.  The XML codec is in xmlrpc_xml.c, the HTTP framing in
 * xmlrpc_http.c.
 */

#include <stdlib.h>
#include <string.h>

#include "reloc-int.h"

struct reloc_xv {
	enum reloc_xv_type	 type;
	union {
		int64_t		 i;
		bool		 b;
		double		 d;
		char		*s;
		struct {
			struct reloc_xv	**v;
			char		**names;	/* structs only */
			size_t		  n;
			size_t		  cap;
		} c;
	} u;
};

static int
xv_alloc(enum reloc_xv_type type, struct reloc_xv **xv_r)
{
	struct reloc_xv	*xv;

	if ((xv = calloc(1, sizeof(*xv))) == NULL)
		return RELOC_ERR_NOMEM;
	xv->type = type;
	*xv_r = xv;
	return 0;
}

int
reloc_xv_new_int(int64_t v, struct reloc_xv **xv_r)
{
	int	rc;

	if (v < INT32_MIN || v > INT32_MAX)
		return RELOC_ERR_INVAL;
	if ((rc = xv_alloc(RELOC_XV_INT, xv_r)) == 0)
		(*xv_r)->u.i = v;
	return rc;
}

int
reloc_xv_new_i8(int64_t v, struct reloc_xv **xv_r)
{
	int	rc;

	if ((rc = xv_alloc(RELOC_XV_I8, xv_r)) == 0)
		(*xv_r)->u.i = v;
	return rc;
}

int
reloc_xv_new_nil(struct reloc_xv **xv_r)
{
	return xv_alloc(RELOC_XV_NIL, xv_r);
}

int
reloc_xv_new_bool(bool v, struct reloc_xv **xv_r)
{
	int	rc;

	if ((rc = xv_alloc(RELOC_XV_BOOL, xv_r)) == 0)
		(*xv_r)->u.b = v;
	return rc;
}

static bool
is_text(const struct reloc_xv *xv)
{
	return xv->type == RELOC_XV_STRING || xv->type == RELOC_XV_BASE64 ||
	    xv->type == RELOC_XV_DATETIME;
}

/* A value of a type held as its text, s copied. */
static int
new_text(enum reloc_xv_type type, const char *s, struct reloc_xv **xv_r)
{
	struct reloc_xv	*xv;
	int		 rc;

	if ((rc = xv_alloc(type, &xv)) < 0)
		return rc;
	if ((xv->u.s = strdup(s != NULL ? s : "")) == NULL) {
		free(xv);
		return RELOC_ERR_NOMEM;
	}
	*xv_r = xv;
	return 0;
}

int
reloc_xv_new_string(const char *s, struct reloc_xv **xv_r)
{
	return new_text(RELOC_XV_STRING, s, xv_r);
}

/* Whether every byte of s is in set. */
static bool
only(const char *s, const char *set)
{
	return s[strspn(s, set)] == '\0';
}

int
reloc_xv_new_base64(const char *text, struct reloc_xv **xv_r)
{
	/* Empty is Python's Binary(b""). */
	if (text == NULL || !only(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/= \t\r\n"))
		return RELOC_ERR_INVAL;
	return new_text(RELOC_XV_BASE64, text, xv_r);
}

int
reloc_xv_new_datetime(const char *text, struct reloc_xv **xv_r)
{
	if (text == NULL || *text == '\0' || !only(text, "0123456789T:-+.Z"))
		return RELOC_ERR_INVAL;
	return new_text(RELOC_XV_DATETIME, text, xv_r);
}

int
reloc_xv_new_double(double v, struct reloc_xv **xv_r)
{
	int	rc;

	if ((rc = xv_alloc(RELOC_XV_DOUBLE, xv_r)) == 0)
		(*xv_r)->u.d = v;
	return rc;
}

int
reloc_xv_new_array(struct reloc_xv **xv_r)
{
	return xv_alloc(RELOC_XV_ARRAY, xv_r);
}

int
reloc_xv_new_struct(struct reloc_xv **xv_r)
{
	return xv_alloc(RELOC_XV_STRUCT, xv_r);
}

static bool
is_container(const struct reloc_xv *xv)
{
	return xv->type == RELOC_XV_ARRAY || xv->type == RELOC_XV_STRUCT;
}

void
reloc_xv_free(struct reloc_xv *xv)
{
	size_t	i;

	if (xv == NULL)
		return;
	if (is_text(xv))
		free(xv->u.s);
	else if (is_container(xv)) {
		for (i = 0; i < xv->u.c.n; i++) {
			reloc_xv_free(xv->u.c.v[i]);
			if (xv->u.c.names != NULL)
				free(xv->u.c.names[i]);
		}
		free(xv->u.c.v);
		free(xv->u.c.names);
	}
	free(xv);
}

/* Make room for one more element (and name, for a struct). */
static int
grow(struct reloc_xv *xv)
{
	struct reloc_xv	**v;
	char		**names;
	size_t		  cap;

	if (xv->u.c.n < xv->u.c.cap)
		return 0;
	cap = xv->u.c.cap == 0 ? 4 : xv->u.c.cap * 2;
	if ((v = reallocarray(xv->u.c.v, cap, sizeof(*v))) == NULL)
		return RELOC_ERR_NOMEM;
	xv->u.c.v = v;
	if (xv->type == RELOC_XV_STRUCT) {
		names = reallocarray(xv->u.c.names, cap, sizeof(*names));
		if (names == NULL)
			return RELOC_ERR_NOMEM;
		xv->u.c.names = names;
	}
	xv->u.c.cap = cap;
	return 0;
}

int
reloc_xv_array_append(struct reloc_xv *array, struct reloc_xv *child)
{
	int	rc;

	if (array == NULL || array->type != RELOC_XV_ARRAY || child == NULL)
		rc = RELOC_ERR_INVAL;
	else if ((rc = grow(array)) == 0) {
		array->u.c.v[array->u.c.n++] = child;
		return 0;
	}
	reloc_xv_free(child);
	return rc;
}

static ssize_t
member_index(const struct reloc_xv *st, const char *name)
{
	size_t	i;

	for (i = 0; i < st->u.c.n; i++)
		if (strcmp(st->u.c.names[i], name) == 0)
			return (ssize_t)i;
	return -1;
}

int
reloc_xv_struct_set(struct reloc_xv *st, const char *name,
    struct reloc_xv *child)
{
	ssize_t	i;
	char	*copy = NULL;
	int	 rc;

	if (st == NULL || st->type != RELOC_XV_STRUCT || name == NULL ||
	    child == NULL) {
		rc = RELOC_ERR_INVAL;
		goto fail;
	}
	if ((i = member_index(st, name)) >= 0) {
		reloc_xv_free(st->u.c.v[i]);
		st->u.c.v[i] = child;
		return 0;
	}
	if ((copy = strdup(name)) == NULL || (rc = grow(st)) < 0) {
		rc = RELOC_ERR_NOMEM;
		goto fail;
	}
	st->u.c.names[st->u.c.n] = copy;
	st->u.c.v[st->u.c.n++] = child;
	return 0;
fail:
	free(copy);
	reloc_xv_free(child);
	return rc;
}

int
reloc_xv_struct_set_int(struct reloc_xv *st, const char *name, int64_t v)
{
	struct reloc_xv	*xv;
	int		 rc;

	if ((rc = reloc_xv_new_int(v, &xv)) < 0)
		return rc;
	return reloc_xv_struct_set(st, name, xv);
}

int
reloc_xv_struct_set_i8(struct reloc_xv *st, const char *name, int64_t v)
{
	struct reloc_xv	*xv;
	int		 rc;

	if ((rc = reloc_xv_new_i8(v, &xv)) < 0)
		return rc;
	return reloc_xv_struct_set(st, name, xv);
}

int
reloc_xv_struct_set_bool(struct reloc_xv *st, const char *name, bool v)
{
	struct reloc_xv	*xv;
	int		 rc;

	if ((rc = reloc_xv_new_bool(v, &xv)) < 0)
		return rc;
	return reloc_xv_struct_set(st, name, xv);
}

int
reloc_xv_struct_set_string(struct reloc_xv *st, const char *name,
    const char *s)
{
	struct reloc_xv	*xv;
	int		 rc;

	if ((rc = reloc_xv_new_string(s, &xv)) < 0)
		return rc;
	return reloc_xv_struct_set(st, name, xv);
}

int
reloc_xv_struct_set_double(struct reloc_xv *st, const char *name, double v)
{
	struct reloc_xv	*xv;
	int		 rc;

	if ((rc = reloc_xv_new_double(v, &xv)) < 0)
		return rc;
	return reloc_xv_struct_set(st, name, xv);
}

int
reloc_xv_copy(const struct reloc_xv *src, struct reloc_xv **xv_r)
{
	struct reloc_xv	*dst, *child;
	size_t		 i;
	int		 rc;

	if (is_text(src))
		return new_text(src->type, src->u.s, xv_r);
	if ((rc = xv_alloc(src->type, &dst)) < 0)
		return rc;
	if (!is_container(src)) {
		dst->u = src->u;
		*xv_r = dst;
		return 0;
	}
	for (i = 0; i < src->u.c.n; i++) {
		if ((rc = reloc_xv_copy(src->u.c.v[i], &child)) < 0)
			goto fail;
		if (src->type == RELOC_XV_ARRAY)
			rc = reloc_xv_array_append(dst, child);
		else
			rc = reloc_xv_struct_set(dst, src->u.c.names[i], child);
		if (rc < 0)
			goto fail;
	}
	*xv_r = dst;
	return 0;
fail:
	reloc_xv_free(dst);
	return rc;
}

enum reloc_xv_type
reloc_xv_type(const struct reloc_xv *xv)
{
	return xv->type;
}

const char *
reloc_xv_type_name(enum reloc_xv_type type)
{
	/* The element names of the XML encoding. */
	switch (type) {
	case RELOC_XV_INT:
		return "int";
	case RELOC_XV_I8:
		return "i8";
	case RELOC_XV_BOOL:
		return "boolean";
	case RELOC_XV_STRING:
		return "string";
	case RELOC_XV_DOUBLE:
		return "double";
	case RELOC_XV_ARRAY:
		return "array";
	case RELOC_XV_STRUCT:
		return "struct";
	case RELOC_XV_NIL:
		return "nil";
	case RELOC_XV_BASE64:
		return "base64";
	case RELOC_XV_DATETIME:
		return "dateTime.iso8601";
	}
	return "?";
}

int
reloc_xv_get_int(const struct reloc_xv *xv, int64_t *v_r)
{
	if (xv == NULL ||
	    (xv->type != RELOC_XV_INT && xv->type != RELOC_XV_I8))
		return RELOC_ERR_INVAL;
	*v_r = xv->u.i;
	return 0;
}

int
reloc_xv_get_bool(const struct reloc_xv *xv, bool *v_r)
{
	if (xv == NULL || xv->type != RELOC_XV_BOOL)
		return RELOC_ERR_INVAL;
	*v_r = xv->u.b;
	return 0;
}

int
reloc_xv_get_double(const struct reloc_xv *xv, double *v_r)
{
	if (xv == NULL)
		return RELOC_ERR_INVAL;
	if (xv->type == RELOC_XV_DOUBLE)
		*v_r = xv->u.d;
	else if (xv->type == RELOC_XV_INT || xv->type == RELOC_XV_I8)
		*v_r = (double)xv->u.i;
	else
		return RELOC_ERR_INVAL;
	return 0;
}

const char *
reloc_xv_get_string(const struct reloc_xv *xv)
{
	if (xv == NULL || xv->type != RELOC_XV_STRING)
		return NULL;
	return xv->u.s;
}

const char *
reloc_xv_get_text(const struct reloc_xv *xv)
{
	if (xv == NULL || !is_text(xv))
		return NULL;
	return xv->u.s;
}

size_t
reloc_xv_len(const struct reloc_xv *xv)
{
	if (xv == NULL || !is_container(xv))
		return 0;
	return xv->u.c.n;
}

struct reloc_xv *
reloc_xv_nth(const struct reloc_xv *xv, size_t i, const char **name_r)
{
	if (xv == NULL || !is_container(xv) || i >= xv->u.c.n)
		return NULL;
	if (name_r != NULL)
		*name_r = xv->type == RELOC_XV_STRUCT ? xv->u.c.names[i] :
		    NULL;
	return xv->u.c.v[i];
}

struct reloc_xv *
reloc_xv_member(const struct reloc_xv *st, const char *name)
{
	ssize_t	i;

	if (st == NULL || st->type != RELOC_XV_STRUCT ||
	    (i = member_index(st, name)) < 0)
		return NULL;
	return st->u.c.v[i];
}

int
reloc_xv_member_int(const struct reloc_xv *st, const char *name,
    int64_t *v_r)
{
	const struct reloc_xv	*xv = reloc_xv_member(st, name);

	return xv == NULL ? RELOC_ERR_NOENT : reloc_xv_get_int(xv, v_r);
}

int
reloc_xv_member_bool(const struct reloc_xv *st, const char *name, bool *v_r)
{
	const struct reloc_xv	*xv = reloc_xv_member(st, name);

	return xv == NULL ? RELOC_ERR_NOENT : reloc_xv_get_bool(xv, v_r);
}

int
reloc_xv_member_double(const struct reloc_xv *st, const char *name,
    double *v_r)
{
	const struct reloc_xv	*xv = reloc_xv_member(st, name);

	return xv == NULL ? RELOC_ERR_NOENT : reloc_xv_get_double(xv, v_r);
}

const char *
reloc_xv_member_string(const struct reloc_xv *st, const char *name)
{
	return reloc_xv_get_string(reloc_xv_member(st, name));
}
