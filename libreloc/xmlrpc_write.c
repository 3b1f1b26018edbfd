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
 * Writing XML-RPC documents: methodCall, methodResponse and fault, with
 * the text escaped so that any string we hold makes well-formed XML.
 * Reading them back is xmlrpc_read.c.
 */

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reloc-int.h"

/* A growing output buffer; the first failure sticks in rc. */
struct obuf {
	char	*buf;
	size_t	 len;
	size_t	 cap;
	int	 rc;
};

static void
ob_add(struct obuf *ob, const char *s, size_t n)
{
	size_t	 cap;
	char	*p;

	if (ob->rc < 0)
		return;
	if (ob->len + n + 1 > ob->cap) {
		cap = ob->cap == 0 ? 512 : ob->cap;
		while (cap < ob->len + n + 1)
			cap *= 2;
		if ((p = realloc(ob->buf, cap)) == NULL) {
			ob->rc = RELOC_ERR_NOMEM;
			return;
		}
		ob->buf = p;
		ob->cap = cap;
	}
	memcpy(ob->buf + ob->len, s, n);
	ob->len += n;
	ob->buf[ob->len] = '\0';
}

static void
ob_str(struct obuf *ob, const char *s)
{
	ob_add(ob, s, strlen(s));
}

static void RELOC_PRINTF(2, 3)
ob_printf(struct obuf *ob, const char *fmt, ...)
{
	char	tmp[64];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		ob->rc = RELOC_ERR_INVAL;
	else
		ob_add(ob, tmp, (size_t)n);
}

/* Length of the valid UTF-8 sequence of a char XML allows at p, or 0. */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	uint32_t	c;
	size_t		len, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, c = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, c = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, c = p[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates, non-characters, beyond U+10FFFF. */
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c == 0xfffe || c == 0xffff ||
	    c > 0x10ffff)
		return 0;
	return len;
}

/*
 * Escaped character data.  A CR is written as a reference because parsers
 * turn a literal one into LF; what XML cannot carry at all becomes '?'.
 */
static void
ob_text(struct obuf *ob, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n = strlen(s), k;

	while (n > 0) {
		if (*p == '<')
			ob_str(ob, "&lt;");
		else if (*p == '>')
			ob_str(ob, "&gt;");
		else if (*p == '&')
			ob_str(ob, "&amp;");
		else if (*p == '\r')
			ob_str(ob, "&#13;");
		else if (*p < 0x20 && *p != '\t' && *p != '\n')
			ob_str(ob, "?");
		else if ((k = utf8_len(p, n)) == 0)
			ob_str(ob, "?");
		else {
			ob_add(ob, (const char *)p, k);
			p += k;
			n -= k;
			continue;
		}
		p++;
		n--;
	}
}

static void	ob_value(struct obuf *, const struct reloc_xv *, int);

static void
ob_members(struct obuf *ob, const struct reloc_xv *xv, int depth)
{
	const struct reloc_xv	*child;
	const char		*name;
	size_t			 i;

	for (i = 0; i < reloc_xv_len(xv); i++) {
		child = reloc_xv_nth(xv, i, &name);
		if (reloc_xv_type(xv) == RELOC_XV_STRUCT) {
			ob_str(ob, "<member>\n<name>");
			ob_text(ob, name);
			ob_str(ob, "</name>\n");
			ob_value(ob, child, depth + 1);
			ob_str(ob, "</member>\n");
		} else
			ob_value(ob, child, depth + 1);
	}
}

static void
ob_value(struct obuf *ob, const struct reloc_xv *xv, int depth)
{
	enum reloc_xv_type	 type = reloc_xv_type(xv);
	const char		*tag = reloc_xv_type_name(type);
	int64_t			 i;
	double			 d;
	bool			 b;

	/* Never write what the reader would refuse. */
	if ((type == RELOC_XV_ARRAY || type == RELOC_XV_STRUCT) &&
	    depth >= RELOC_XMLRPC_MAX_DEPTH) {
		ob->rc = RELOC_ERR_INVAL;
		return;
	}
	/* Python's xmlrpc.client writes None so, and reads it back. */
	if (type == RELOC_XV_NIL) {
		ob_str(ob, "<value><nil/></value>\n");
		return;
	}
	ob_printf(ob, "<value><%s>", tag);
	switch (type) {
	case RELOC_XV_NIL:
		break;
	case RELOC_XV_INT:
	case RELOC_XV_I8:
		(void)reloc_xv_get_int(xv, &i);
		ob_printf(ob, "%" PRId64, i);
		break;
	case RELOC_XV_BOOL:
		(void)reloc_xv_get_bool(xv, &b);
		ob_str(ob, b ? "1" : "0");
		break;
	case RELOC_XV_STRING:
	case RELOC_XV_BASE64:
	case RELOC_XV_DATETIME:
		ob_text(ob, reloc_xv_get_text(xv));
		break;
	case RELOC_XV_DOUBLE:
		(void)reloc_xv_get_double(xv, &d);
		ob_printf(ob, "%.17g", d);
		break;
	case RELOC_XV_ARRAY:
		ob_str(ob, "<data>\n");
		ob_members(ob, xv, depth);
		ob_str(ob, "</data>");
		break;
	case RELOC_XV_STRUCT:
		ob_str(ob, "\n");
		ob_members(ob, xv, depth);
		break;
	}
	ob_printf(ob, "</%s></value>\n", tag);
}

static int
ob_finish(struct obuf *ob, char **buf_r, size_t *len_r)
{
	if (ob->rc < 0) {
		free(ob->buf);
		return ob->rc;
	}
	*buf_r = ob->buf;
	*len_r = ob->len;
	return 0;
}

#define XML_DECL	"<?xml version='1.0'?>\n"

int
reloc_xmlrpc_call_encode(const char *method, const struct reloc_xv *params,
    char **buf_r, size_t *len_r)
{
	struct obuf	ob = { NULL, 0, 0, 0 };
	size_t		i;

	if (method == NULL || *method == '\0' || (params != NULL &&
	    reloc_xv_type(params) != RELOC_XV_ARRAY))
		return RELOC_ERR_INVAL;
	ob_str(&ob, XML_DECL "<methodCall>\n<methodName>");
	ob_text(&ob, method);
	ob_str(&ob, "</methodName>\n<params>\n");
	for (i = 0; i < reloc_xv_len(params); i++) {
		ob_str(&ob, "<param>\n");
		ob_value(&ob, reloc_xv_nth(params, i, NULL), 0);
		ob_str(&ob, "</param>\n");
	}
	ob_str(&ob, "</params>\n</methodCall>\n");
	return ob_finish(&ob, buf_r, len_r);
}

int
reloc_xmlrpc_response_encode(const struct reloc_xv *value, char **buf_r,
    size_t *len_r)
{
	struct obuf	ob = { NULL, 0, 0, 0 };

	if (value == NULL)
		return RELOC_ERR_INVAL;
	ob_str(&ob, XML_DECL "<methodResponse>\n<params>\n<param>\n");
	ob_value(&ob, value, 0);
	ob_str(&ob, "</param>\n</params>\n</methodResponse>\n");
	return ob_finish(&ob, buf_r, len_r);
}

int
reloc_xmlrpc_fault_encode(int code, const char *string, char **buf_r,
    size_t *len_r)
{
	struct obuf	ob = { NULL, 0, 0, 0 };

	ob_str(&ob, XML_DECL "<methodResponse>\n<fault>\n<value><struct>\n"
	    "<member>\n<name>faultCode</name>\n");
	ob_printf(&ob, "<value><int>%d</int></value>\n", code);
	ob_str(&ob, "</member>\n<member>\n<name>faultString</name>\n"
	    "<value><string>");
	ob_text(&ob, string != NULL ? string : "");
	ob_str(&ob, "</string></value>\n</member>\n</struct></value>\n"
	    "</fault>\n</methodResponse>\n");
	return ob_finish(&ob, buf_r, len_r);
}
