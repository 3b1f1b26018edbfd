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
 * Reading XML-RPC documents with libxml2 under strict limits: no network,
 * no DTD, no entity expansion, bounded size and nesting.  Every error
 * names the element and its line.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "reloc-int.h"

#define XMLRPC	"xmlrpc"

struct dec {
	const char	*peer;
	int		 depth;
};

static int	dec_value(struct dec *, xmlNode *, struct reloc_xv **);

/* Log "PEER: line N: <elem>: message" and return RELOC_ERR_PROTO. */
static int RELOC_PRINTF(3, 4)
bad(const struct dec *d, const xmlNode *n, const char *fmt, ...)
{
	char	msg[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warnx(XMLRPC, "%s: line %ld: <%s>: %s", d->peer, xmlGetLineNo(n),
	    n->name != NULL ? (const char *)n->name : "?", msg);
	return RELOC_ERR_PROTO;
}

static bool
is_blank(const xmlChar *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

static bool
named(const xmlNode *n, const char *name)
{
	return n != NULL && strcmp((const char *)n->name, name) == 0;
}

/*
 * The first element at or after n among siblings, skipping blank text,
 * comments and processing instructions.  Anything else in between is an
 * error reported against parent.  *elem_r is NULL at the end.
 */
static int
next_elem(struct dec *d, const xmlNode *parent, xmlNode *n,
    xmlNode **elem_r)
{
	for (; n != NULL; n = n->next) {
		switch (n->type) {
		case XML_ELEMENT_NODE:
			*elem_r = n;
			return 0;
		case XML_TEXT_NODE:
			if (!is_blank(n->content))
				return bad(d, parent, "unexpected text");
			break;
		case XML_COMMENT_NODE:
		case XML_PI_NODE:
			break;
		default:
			return bad(d, parent, "unexpected node (type %d)",
			    (int)n->type);
		}
	}
	*elem_r = NULL;
	return 0;
}

/* The only element child of parent, which must be called name. */
static int
only_child(struct dec *d, xmlNode *parent, const char *name,
    xmlNode **elem_r)
{
	xmlNode	*e, *extra;
	int	 rc;

	if ((rc = next_elem(d, parent, parent->children, &e)) < 0)
		return rc;
	if (e == NULL)
		return bad(d, parent, "missing <%s>", name);
	if (!named(e, name))
		return bad(d, e, "expected <%s> in <%s>", name,
		    (const char *)parent->name);
	if ((rc = next_elem(d, parent, e->next, &extra)) < 0)
		return rc;
	if (extra != NULL)
		return bad(d, extra, "unexpected element in <%s>",
		    (const char *)parent->name);
	*elem_r = e;
	return 0;
}

/* The text of a leaf element (malloc'ed); child elements are an error. */
static int
leaf_text(struct dec *d, xmlNode *e, char **text_r)
{
	xmlNode	*n;
	xmlChar	*content;
	char	*text;

	for (n = e->children; n != NULL; n = n->next)
		if (n->type != XML_TEXT_NODE &&
		    n->type != XML_CDATA_SECTION_NODE &&
		    n->type != XML_COMMENT_NODE)
			return bad(d, e, "expected only text");
	if ((content = xmlNodeGetContent(e)) == NULL)
		text = strdup("");
	else {
		text = strdup((const char *)content);
		xmlFree(content);
	}
	if (text == NULL)
		return RELOC_ERR_NOMEM;
	*text_r = text;
	return 0;
}

static int
parse_int(struct dec *d, xmlNode *e, const char *text, bool wide,
    struct reloc_xv **xv_r)
{
	long long	 v;
	char		*end;

	errno = 0;
	v = strtoll(text, &end, 10);
	while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')
		end++;
	if (end == text || *end != '\0' || errno == ERANGE ||
	    (!wide && (v < INT32_MIN || v > INT32_MAX)))
		return bad(d, e, "not a %s-bit integer: '%.40s'",
		    wide ? "64" : "32", text);
	return wide ? reloc_xv_new_i8(v, xv_r) : reloc_xv_new_int(v, xv_r);
}

static int
parse_scalar(struct dec *d, xmlNode *e, struct reloc_xv **xv_r)
{
	const char	*name = (const char *)e->name;
	char		*text = NULL, *end, *t;
	double		 v;
	int		 rc;

	if ((rc = leaf_text(d, e, &text)) < 0)
		return rc;
	for (t = text; *t == ' ' || *t == '\t' || *t == '\n'; t++)
		continue;
	if (strcmp(name, "string") == 0)
		rc = reloc_xv_new_string(text, xv_r);
	else if (strcmp(name, "int") == 0 || strcmp(name, "i4") == 0)
		rc = parse_int(d, e, t, false, xv_r);
	else if (strcmp(name, "i8") == 0)
		rc = parse_int(d, e, t, true, xv_r);
	else if (strcmp(name, "boolean") == 0) {
		if (strcmp(t, "0") != 0 && strcmp(t, "1") != 0)
			rc = bad(d, e, "not 0 or 1: '%.40s'", t);
		else
			rc = reloc_xv_new_bool(*t == '1', xv_r);
	} else if (strcmp(name, "base64") == 0 ||
	    strcmp(name, "dateTime.iso8601") == 0) {
		rc = *name == 'b' ? reloc_xv_new_base64(t, xv_r) :
		    reloc_xv_new_datetime(t, xv_r);
		if (rc == RELOC_ERR_INVAL)
			rc = bad(d, e, "not %s: '%.40s'", name, t);
	} else if (strcmp(name, "nil") == 0) {
		if (*t != '\0')
			rc = bad(d, e, "takes no text: write <nil/>");
		else
			rc = reloc_xv_new_nil(xv_r);
	} else {
		errno = 0;
		v = strtod(t, &end);
		if (end == t || *end != '\0' || errno == ERANGE)
			rc = bad(d, e, "not a number: '%.40s'", t);
		else
			rc = reloc_xv_new_double(v, xv_r);
	}
	free(text);
	return rc;
}

static int
parse_array(struct dec *d, xmlNode *e, struct reloc_xv **xv_r)
{
	struct reloc_xv	*array = NULL, *child;
	xmlNode		*data, *n;
	int		 rc;

	if ((rc = only_child(d, e, "data", &data)) < 0)
		return rc;
	if ((rc = reloc_xv_new_array(&array)) < 0)
		return rc;
	for (n = data->children; ; n = n->next) {
		if ((rc = next_elem(d, data, n, &n)) < 0 || n == NULL)
			break;
		if (!named(n, "value")) {
			rc = bad(d, n, "expected <value> in <data>");
			break;
		}
		if ((rc = dec_value(d, n, &child)) < 0 ||
		    (rc = reloc_xv_array_append(array, child)) < 0)
			break;
	}
	if (rc < 0) {
		reloc_xv_free(array);
		return rc;
	}
	*xv_r = array;
	return 0;
}

/* <member><name>N</name><value>V</value></member> into st. */
static int
parse_member(struct dec *d, xmlNode *m, struct reloc_xv *st)
{
	struct reloc_xv	*child;
	xmlNode		*name, *value, *extra;
	char		*text = NULL;
	int		 rc;

	if ((rc = next_elem(d, m, m->children, &name)) < 0)
		return rc;
	if (!named(name, "name"))
		return bad(d, name != NULL ? name : m, "expected <name>");
	if ((rc = next_elem(d, m, name->next, &value)) < 0)
		return rc;
	if (!named(value, "value"))
		return bad(d, value != NULL ? value : m, "expected <value>");
	if ((rc = next_elem(d, m, value->next, &extra)) < 0)
		return rc;
	if (extra != NULL)
		return bad(d, extra, "unexpected element in <member>");
	if ((rc = leaf_text(d, name, &text)) < 0)
		return rc;
	if ((rc = dec_value(d, value, &child)) == 0)
		rc = reloc_xv_struct_set(st, text, child);
	free(text);
	return rc;
}

static int
parse_struct(struct dec *d, xmlNode *e, struct reloc_xv **xv_r)
{
	struct reloc_xv	*st = NULL;
	xmlNode		*n;
	int		 rc;

	if ((rc = reloc_xv_new_struct(&st)) < 0)
		return rc;
	for (n = e->children; ; n = n->next) {
		if ((rc = next_elem(d, e, n, &n)) < 0 || n == NULL)
			break;
		if (!named(n, "member")) {
			rc = bad(d, n, "expected <member> in <struct>");
			break;
		}
		if ((rc = parse_member(d, n, st)) < 0)
			break;
	}
	if (rc < 0) {
		reloc_xv_free(st);
		return rc;
	}
	*xv_r = st;
	return 0;
}

static bool
is_scalar_tag(const xmlNode *e)
{
	static const char *const tags[] = {
		"string", "int", "i4", "i8", "boolean", "double", "nil",
		"base64", "dateTime.iso8601",
	};
	size_t	i;

	for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
		if (named(e, tags[i]))
			return true;
	return false;
}

static bool
has_elem_child(const xmlNode *n)
{
	for (n = n->children; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			return true;
	return false;
}

/* A <value>: typed by its one child element, or a bare string. */
static int
dec_value(struct dec *d, xmlNode *v, struct reloc_xv **xv_r)
{
	xmlNode	*e, *extra;
	char	*text;
	int	 rc;

	if (!has_elem_child(v)) {
		if ((rc = leaf_text(d, v, &text)) < 0)
			return rc;
		rc = reloc_xv_new_string(text, xv_r);
		free(text);
		return rc;
	}
	if ((rc = next_elem(d, v, v->children, &e)) < 0 ||
	    (rc = next_elem(d, v, e->next, &extra)) < 0)
		return rc;
	if (extra != NULL)
		return bad(d, extra, "more than one type in <value>");
	if (d->depth >= RELOC_XMLRPC_MAX_DEPTH)
		return bad(d, e, "nested deeper than %d",
		    RELOC_XMLRPC_MAX_DEPTH);
	if (is_scalar_tag(e))
		return parse_scalar(d, e, xv_r);
	d->depth++;
	if (named(e, "array"))
		rc = parse_array(d, e, xv_r);
	else if (named(e, "struct"))
		rc = parse_struct(d, e, xv_r);
	else
		rc = bad(d, e, "unsupported type");
	d->depth--;
	return rc;
}

/* 1-based line of offset off in buf, for errors found before parsing. */
static unsigned
line_of(const char *buf, size_t off)
{
	unsigned	line = 1;
	size_t		i;

	for (i = 0; i < off; i++)
		if (buf[i] == '\n')
			line++;
	return line;
}

/* Refuse what must never reach the parser: huge or DTD-bearing input. */
static int
precheck(const char *peer, const char *buf, size_t len)
{
	static const char *const refused[] = { "<!DOCTYPE", "<!ENTITY" };
	const char	*p;
	size_t		 i;

	if (len == 0) {
		log_warnx(XMLRPC, "%s: empty document", peer);
		return RELOC_ERR_PROTO;
	}
	if (len > RELOC_XMLRPC_MAX_LEN) {
		log_warnx(XMLRPC, "%s: document of %zu bytes over the limit "
		    "of %u", peer, len, RELOC_XMLRPC_MAX_LEN);
		return RELOC_ERR_PROTO;
	}
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		p = memmem(buf, len, refused[i], strlen(refused[i]));
		if (p != NULL) {
			log_warnx(XMLRPC, "%s: line %u: %s refused: no DTDs "
			    "or entities in XML-RPC", peer,
			    line_of(buf, (size_t)(p - buf)), refused[i] + 2);
			return RELOC_ERR_PROTO;
		}
	}
	return 0;
}

static void
log_parse_error(const char *peer, xmlParserCtxt *ctxt)
{
	xmlError	*err = xmlCtxtGetLastError(ctxt);
	char		 msg[256];
	size_t		 n;

	if (err == NULL || err->message == NULL) {
		log_warnx(XMLRPC, "%s: not well-formed XML", peer);
		return;
	}
	snprintf(msg, sizeof(msg), "%s", err->message);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	log_warnx(XMLRPC, "%s: line %d: %s", peer, err->line, msg);
}

/*
 * Parse buf into a document whose root element is called root.  Options:
 * no network, and neither NOENT nor DTDLOAD, so nothing is expanded or
 * fetched.  The encoding is forced to UTF-8, so a declared one cannot
 * hide markup from precheck().
 */
static int
read_doc(struct dec *d, const char *buf, size_t len, const char *root,
    xmlDoc **doc_r)
{
	xmlParserCtxt	*ctxt;
	xmlDoc		*doc;
	xmlNode		*top;
	int		 rc;

	if ((rc = precheck(d->peer, buf, len)) < 0)
		return rc;
	if ((ctxt = xmlNewParserCtxt()) == NULL)
		return RELOC_ERR_NOMEM;
	doc = xmlCtxtReadMemory(ctxt, buf, (int)len, NULL, "UTF-8",
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
	    XML_PARSE_NOCDATA);
	if (doc == NULL) {
		log_parse_error(d->peer, ctxt);
		xmlFreeParserCtxt(ctxt);
		return RELOC_ERR_PROTO;
	}
	xmlFreeParserCtxt(ctxt);
	top = xmlDocGetRootElement(doc);
	if (doc->intSubset != NULL || doc->extSubset != NULL)
		rc = bad(d, top, "DOCTYPE refused");
	else if (top == NULL || !named(top, root))
		rc = bad(d, top != NULL ? top : (xmlNode *)doc,
		    "expected <%s>", root);
	if (rc < 0) {
		xmlFreeDoc(doc);
		return rc;
	}
	*doc_r = doc;
	return 0;
}

/* <params><param><value>..</value></param>...</params> into an array. */
static int
read_params(struct dec *d, xmlNode *params, struct reloc_xv *array)
{
	struct reloc_xv	*child;
	xmlNode		*n, *value;
	int		 rc;

	for (n = params->children; ; n = n->next) {
		if ((rc = next_elem(d, params, n, &n)) < 0 || n == NULL)
			return rc;
		if (!named(n, "param"))
			return bad(d, n, "expected <param> in <params>");
		if ((rc = only_child(d, n, "value", &value)) < 0 ||
		    (rc = dec_value(d, value, &child)) < 0 ||
		    (rc = reloc_xv_array_append(array, child)) < 0)
			return rc;
	}
}

static int
read_call(struct dec *d, xmlNode *top, char **method_r,
    struct reloc_xv *params)
{
	xmlNode	*e, *p, *extra;
	int	 rc;

	if ((rc = next_elem(d, top, top->children, &e)) < 0)
		return rc;
	if (!named(e, "methodName"))
		return bad(d, e != NULL ? e : top, "expected <methodName>");
	if ((rc = next_elem(d, top, e->next, &p)) < 0)
		return rc;
	if (p != NULL) {
		if (!named(p, "params"))
			return bad(d, p, "expected <params>");
		if ((rc = read_params(d, p, params)) < 0 ||
		    (rc = next_elem(d, top, p->next, &extra)) < 0)
			return rc;
		if (extra != NULL)
			return bad(d, extra, "unexpected element after "
			    "<params>");
	}
	if ((rc = leaf_text(d, e, method_r)) < 0)
		return rc;
	if (**method_r == '\0') {
		free(*method_r);
		return bad(d, e, "empty method name");
	}
	return 0;
}

int
reloc_xmlrpc_call_decode(const char *peer, const char *buf, size_t len,
    char **method_r, struct reloc_xv **params_r)
{
	struct dec	 d = { peer != NULL ? peer : "?", 0 };
	struct reloc_xv	*params = NULL;
	xmlDoc		*doc = NULL;
	char		*method;
	int		 rc;

	if ((rc = read_doc(&d, buf, len, "methodCall", &doc)) < 0)
		return rc;
	if ((rc = reloc_xv_new_array(&params)) < 0)
		goto out;
	if ((rc = read_call(&d, xmlDocGetRootElement(doc), &method,
	    params)) < 0)
		goto out;
	*method_r = method;
	*params_r = params;
	params = NULL;
out:
	reloc_xv_free(params);
	xmlFreeDoc(doc);
	return rc;
}

/* A fault's struct: RELOC_ERR_DENIED with its code and string. */
static int
read_fault(struct dec *d, xmlNode *fault, int *code_r, char **string_r)
{
	struct reloc_xv	*st = NULL;
	xmlNode		*value;
	const char	*s;
	int64_t		 code;
	int		 rc;

	if ((rc = only_child(d, fault, "value", &value)) < 0 ||
	    (rc = dec_value(d, value, &st)) < 0)
		return rc;
	s = reloc_xv_member_string(st, "faultString");
	if (reloc_xv_member_int(st, "faultCode", &code) < 0 || s == NULL ||
	    code < INT32_MIN || code > INT32_MAX)
		rc = bad(d, fault, "expected a struct with faultCode <int> "
		    "and faultString <string>");
	else if ((*string_r = strdup(s)) == NULL)
		rc = RELOC_ERR_NOMEM;
	else {
		*code_r = (int)code;
		rc = RELOC_ERR_DENIED;
	}
	reloc_xv_free(st);
	return rc;
}

int
reloc_xmlrpc_response_decode(const char *peer, const char *buf, size_t len,
    struct reloc_xv **value_r, int *fault_code_r, char **fault_string_r)
{
	struct dec	 d = { peer != NULL ? peer : "?", 0 };
	xmlDoc		*doc = NULL;
	xmlNode		*top, *e, *param, *value;
	int		 rc;

	if ((rc = read_doc(&d, buf, len, "methodResponse", &doc)) < 0)
		return rc;
	top = xmlDocGetRootElement(doc);
	if ((rc = next_elem(&d, top, top->children, &e)) < 0)
		goto out;
	if (named(e, "fault")) {
		if ((rc = only_child(&d, top, "fault", &e)) == 0)
			rc = read_fault(&d, e, fault_code_r, fault_string_r);
	} else if (named(e, "params")) {
		if ((rc = only_child(&d, top, "params", &e)) == 0 &&
		    (rc = only_child(&d, e, "param", &param)) == 0 &&
		    (rc = only_child(&d, param, "value", &value)) == 0)
			rc = dec_value(&d, value, value_r);
	} else
		rc = bad(&d, e != NULL ? e : top, "expected <params> or "
		    "<fault>");
out:
	xmlFreeDoc(doc);
	return rc;
}
