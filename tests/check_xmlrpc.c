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
 * Check suite for the XML-RPC codec (xmlrpc.c, xmlrpc_read.c,
 * xmlrpc_write.c): the value model, round trips of every type, escaping,
 * and documents that must be refused (malformed, DOCTYPE, entities, too
 * deep, too large).  What Python sends is in check_xmlrpc_python.c, the
 * HTTP framing in check_xmlrpc_http.c.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_xmlrpc.h"
#include "common.h"
#include "reloc-int.h"

void
xmlrpc_setup(void)
{
	capture_start();
}

void
xmlrpc_teardown(void)
{
	capture_stop();
}

struct reloc_xv *
call_roundtrip(const char *method, const struct reloc_xv *params)
{
	struct reloc_xv	*got = NULL;
	char		*doc, *name = NULL;
	size_t		 len;

	ck_assert_int_eq(reloc_xmlrpc_call_encode(method, params, &doc,
	    &len), 0);
	ck_assert_uint_eq(strlen(doc), len);
	ck_assert_int_eq(reloc_xmlrpc_call_decode(PEER, doc, len, &name,
	    &got), 0);
	ck_assert_str_eq(name, method);
	free(name);
	free(doc);
	return got;
}

int
response(const char *doc, struct reloc_xv **xv_r)
{
	int	 code = 0;
	char	*string = NULL;
	int	 rc;

	rc = reloc_xmlrpc_response_decode(PEER, doc, strlen(doc), xv_r,
	    &code, &string);
	free(string);
	return rc;
}


START_TEST(test_scalars)
{
	struct reloc_xv	*p, *got;
	int64_t		 i;
	double		 d;
	bool		 b;

	OK(reloc_xv_new_array(&p));
	OK(reloc_xv_new_int(INT32_MIN, &got));
	OK(reloc_xv_array_append(p, got));
	OK(reloc_xv_new_i8(INT64_MAX, &got));
	OK(reloc_xv_array_append(p, got));
	OK(reloc_xv_new_bool(true, &got));
	OK(reloc_xv_array_append(p, got));
	OK(reloc_xv_new_double(18.25, &got));
	OK(reloc_xv_array_append(p, got));
	OK(reloc_xv_new_string("web01", &got));
	OK(reloc_xv_array_append(p, got));
	got = call_roundtrip("xend.domain.migrate", p);
	ck_assert_uint_eq(reloc_xv_len(got), 5);
	ck_assert_int_eq(reloc_xv_type(reloc_xv_nth(got, 0, NULL)),
	    RELOC_XV_INT);
	ck_assert_int_eq(reloc_xv_get_int(reloc_xv_nth(got, 0, NULL), &i), 0);
	ck_assert_int_eq(i, INT32_MIN);
	ck_assert_int_eq(reloc_xv_type(reloc_xv_nth(got, 1, NULL)),
	    RELOC_XV_I8);
	ck_assert_int_eq(reloc_xv_get_int(reloc_xv_nth(got, 1, NULL), &i), 0);
	ck_assert_int_eq(i, INT64_MAX);
	ck_assert_int_eq(reloc_xv_get_bool(reloc_xv_nth(got, 2, NULL), &b), 0);
	ck_assert(b);
	ck_assert_int_eq(reloc_xv_get_double(reloc_xv_nth(got, 3, NULL), &d),
	    0);
	ck_assert_double_eq(d, 18.25);
	ck_assert_str_eq(reloc_xv_get_string(reloc_xv_nth(got, 4, NULL)),
	    "web01");
	/* No silent conversions. */
	ck_assert_int_eq(reloc_xv_get_bool(reloc_xv_nth(got, 0, NULL), &b),
	    RELOC_ERR_INVAL);
	ck_assert_ptr_null(reloc_xv_get_string(reloc_xv_nth(got, 0, NULL)));
	ck_assert_ptr_null(reloc_xv_nth(got, 5, NULL));
	reloc_xv_free(got);
	reloc_xv_free(p);
}
END_TEST

START_TEST(test_int_range)
{
	struct reloc_xv	*xv = NULL;

	ck_assert_int_eq(reloc_xv_new_int((int64_t)INT32_MAX + 1, &xv),
	    RELOC_ERR_INVAL);
	ck_assert_ptr_null(xv);
	ck_assert_int_eq(response(RESP_HEAD "<value><int>2147483648</int>"
	    "</value>" RESP_TAIL, &xv), RELOC_ERR_PROTO);
	ck_assert(capture_has("<int>: not a 32-bit integer: '2147483648'"));
	ck_assert_int_eq(response(RESP_HEAD "<value><i8>9223372036854775808"
	    "</i8></value>" RESP_TAIL, &xv), RELOC_ERR_PROTO);
	ck_assert_int_eq(response(RESP_HEAD "<value><i4> -7 </i4></value>"
	    RESP_TAIL, &xv), 0);
	reloc_xv_free(xv);
}
END_TEST

START_TEST(test_struct_and_array)
{
	struct reloc_xv	*st, *arr, *f, *got;
	const char	*name;
	int64_t		 i;
	double		 d;

	OK(reloc_xv_new_struct(&st));
	OK(reloc_xv_struct_set_int(st, "job", 7));
	OK(reloc_xv_struct_set_string(st, "state", "queued"));
	OK(reloc_xv_struct_set_i8(st, "sent_bytes", 5000000000LL));
	OK(reloc_xv_struct_set_double(st, "downtime_ms", 18.5));
	OK(reloc_xv_new_array(&arr));
	OK(reloc_xv_new_struct(&f));
	OK(reloc_xv_struct_set_string(f, "check", "cpu"));
	OK(reloc_xv_array_append(arr, f));
	OK(reloc_xv_struct_set(st, "findings", arr));
	/* Setting again replaces in place. */
	OK(reloc_xv_struct_set_string(st, "state", "done"));
	ck_assert_uint_eq(reloc_xv_len(st), 5);

	OK(reloc_xv_new_array(&arr));
	OK(reloc_xv_array_append(arr, st));
	got = call_roundtrip("xrelocd.job.status", arr);
	reloc_xv_free(arr);
	st = reloc_xv_nth(got, 0, NULL);
	ck_assert_int_eq(reloc_xv_type(st), RELOC_XV_STRUCT);
	ck_assert_ptr_nonnull(reloc_xv_nth(st, 1, &name));
	ck_assert_str_eq(name, "state");
	ck_assert_str_eq(reloc_xv_member_string(st, "state"), "done");
	ck_assert_int_eq(reloc_xv_member_int(st, "job", &i), 0);
	ck_assert_int_eq(i, 7);
	ck_assert_int_eq(reloc_xv_member_int(st, "sent_bytes", &i), 0);
	ck_assert_int_eq(i, 5000000000LL);
	ck_assert_int_eq(reloc_xv_member_double(st, "downtime_ms", &d), 0);
	ck_assert_double_eq(d, 18.5);
	ck_assert_int_eq(reloc_xv_member_int(st, "nope", &i), RELOC_ERR_NOENT);
	ck_assert_int_eq(reloc_xv_member_int(st, "state", &i),
	    RELOC_ERR_INVAL);
	arr = reloc_xv_member(st, "findings");
	ck_assert_uint_eq(reloc_xv_len(arr), 1);
	ck_assert_str_eq(reloc_xv_member_string(reloc_xv_nth(arr, 0, NULL),
	    "check"), "cpu");
	reloc_xv_free(got);
}
END_TEST

START_TEST(test_copy)
{
	struct reloc_xv	*st, *cp;

	OK(reloc_xv_new_struct(&st));
	OK(reloc_xv_struct_set_string(st, "a", "x"));
	OK(reloc_xv_struct_set_bool(st, "b", false));
	OK(reloc_xv_copy(st, &cp));
	reloc_xv_free(st);
	ck_assert_str_eq(reloc_xv_member_string(cp, "a"), "x");
	ck_assert_uint_eq(reloc_xv_len(cp), 2);
	reloc_xv_free(cp);
}
END_TEST

START_TEST(test_escaping)
{
	static const char *const s[] = {
		"<b>&amp;</b> 'q' \"dq\"", "]]>", "line1\nline2\r\n\ttab",
		"caf\xc3\xa9 \xe2\x82\xac", " lead and trail ", "",
	};
	struct reloc_xv	*p, *got, *xv;
	size_t		 i;
	char		*doc;
	size_t		 len;

	OK(reloc_xv_new_array(&p));
	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		OK(reloc_xv_new_string(s[i], &xv));
		OK(reloc_xv_array_append(p, xv));
	}
	ck_assert_int_eq(reloc_xmlrpc_call_encode("m", p, &doc, &len), 0);
	ck_assert_ptr_nonnull(strstr(doc, "&lt;b&gt;&amp;amp;&lt;/b&gt;"));
	free(doc);
	got = call_roundtrip("m", p);
	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		ck_assert_str_eq(reloc_xv_get_string(reloc_xv_nth(got, i,
		    NULL)), s[i]);
	reloc_xv_free(got);
	reloc_xv_free(p);
}
END_TEST

START_TEST(test_unrepresentable)
{
	struct reloc_xv	*p, *xv, *got;

	/* Control characters and broken UTF-8 cannot travel in XML. */
	OK(reloc_xv_new_array(&p));
	OK(reloc_xv_new_string("a\x01" "b\xff" "c\xed\xa0\x80", &xv));
	OK(reloc_xv_array_append(p, xv));
	got = call_roundtrip("m", p);
	ck_assert_str_eq(reloc_xv_get_string(reloc_xv_nth(got, 0, NULL)),
	    "a?b?c???");
	reloc_xv_free(got);
	reloc_xv_free(p);
}
END_TEST

START_TEST(test_response_and_fault)
{
	struct reloc_xv	*v, *got = NULL;
	char		*doc, *string = NULL;
	size_t		 len;
	int		 code = 0;
	int64_t		 i;

	OK(reloc_xv_new_int(0, &v));
	ck_assert_int_eq(reloc_xmlrpc_response_encode(v, &doc, &len), 0);
	ck_assert_int_eq(reloc_xmlrpc_response_decode(PEER, doc, len, &got,
	    &code, &string), 0);
	ck_assert_int_eq(reloc_xv_get_int(got, &i), 0);
	ck_assert_int_eq(i, 0);
	reloc_xv_free(got);
	reloc_xv_free(v);
	free(doc);

	got = NULL;
	ck_assert_int_eq(reloc_xmlrpc_fault_encode(4, "no such domain <x>",
	    &doc, &len), 0);
	ck_assert_int_eq(reloc_xmlrpc_response_decode(PEER, doc, len, &got,
	    &code, &string), RELOC_ERR_DENIED);
	ck_assert_ptr_null(got);
	ck_assert_int_eq(code, 4);
	ck_assert_str_eq(string, "no such domain <x>");
	free(string);
	free(doc);
}
END_TEST

/* Each of these must be refused with a line number. */
static const char *const malformed[] = {
	"",
	"not xml at all",
	"<methodResponse><params>",
	RESP_HEAD "<value><nil>x</nil></value>" RESP_TAIL,
	RESP_HEAD "<value><nil><int>1</int></nil></value>" RESP_TAIL,
	RESP_HEAD "<value><base64>AA*A</base64></value>" RESP_TAIL,
	RESP_HEAD "<value><dateTime.iso8601>soon</dateTime.iso8601></value>"
	    RESP_TAIL,
	RESP_HEAD "<value><dateTime.iso8601/></value>" RESP_TAIL,
	RESP_HEAD "<value><int>12x</int></value>" RESP_TAIL,
	RESP_HEAD "<value><boolean>true</boolean></value>" RESP_TAIL,
	RESP_HEAD "<value><double>fast</double></value>" RESP_TAIL,
	RESP_HEAD "<value><int>1</int><int>2</int></value>" RESP_TAIL,
	RESP_HEAD "<value>text<int>1</int></value>" RESP_TAIL,
	RESP_HEAD "<value><string><b>x</b></string></value>" RESP_TAIL,
	RESP_HEAD "<value><array><value>1</value></array></value>" RESP_TAIL,
	RESP_HEAD "<value><struct><member><value>1</value></member></struct>"
	    "</value>" RESP_TAIL,
	RESP_HEAD "<value><struct><x/></struct></value>" RESP_TAIL,
	"<methodResponse><params></params></methodResponse>",
	"<methodResponse><params><param><value>1</value></param><param>"
	    "<value>2</value></param></params></methodResponse>",
	"<methodResponse><fault><value><int>1</int></value></fault>"
	    "</methodResponse>",
	"<methodCall><methodName>x</methodName></methodCall>",
	"<other/>",
};

START_TEST(test_malformed)
{
	struct reloc_xv	*xv = NULL;

	capture_clear();
	ck_assert_int_eq(response(malformed[_i], &xv), RELOC_ERR_PROTO);
	ck_assert_ptr_null(xv);
	ck_assert(capture_has("warn: xmlrpc: " PEER ": "));
	if (*malformed[_i] != '\0')
		ck_assert(capture_has(": line "));
}
END_TEST

START_TEST(test_malformed_call)
{
	struct reloc_xv	*params = NULL;
	char		*name = NULL;
	const char	*docs[] = {
		"<methodCall><params/></methodCall>",
		"<methodCall><methodName></methodName></methodCall>",
		"<methodCall><methodName>m</methodName><params><value>1</value>"
		    "</params></methodCall>",
		"<methodCall><methodName>m</methodName><params/><x/>"
		    "</methodCall>",
	};
	size_t		 i;

	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		ck_assert_int_eq(reloc_xmlrpc_call_decode(PEER, docs[i],
		    strlen(docs[i]), &name, &params), RELOC_ERR_PROTO);
		ck_assert_ptr_null(name);
		ck_assert_ptr_null(params);
	}
	ck_assert(capture_has("line 1: <methodName>: empty method name"));
}
END_TEST

START_TEST(test_error_names_line)
{
	struct reloc_xv	*xv = NULL;

	ck_assert_int_eq(response("<methodResponse>\n<params>\n<param>\n"
	    "<value>\n<bigdecimal>1.5</bigdecimal>"
	    "\n</value></param></params></methodResponse>", &xv),
	    RELOC_ERR_PROTO);
	ck_assert(capture_has(PEER ": line 5: <bigdecimal>: "
	    "unsupported type"));
	ck_assert_int_eq(response("<methodResponse>\n<params>\n<param>\n"
	    "<value><nil>\nx</nil></value></param></params>"
	    "</methodResponse>", &xv), RELOC_ERR_PROTO);
	ck_assert(capture_has(PEER ": line 4: <nil>: takes no text: write "
	    "<nil/>"));
}
END_TEST

START_TEST(test_doctype_refused)
{
	struct reloc_xv	*xv = NULL;
	const char	*lol = "<?xml version='1.0'?>\n"
	    "<!DOCTYPE lolz [<!ENTITY lol \"lol\">"
	    "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]>\n"
	    RESP_HEAD "<value><string>&lol2;</string></value>" RESP_TAIL;
	const char	*ext = "<?xml version='1.0'?>\n"
	    "<!DOCTYPE r SYSTEM \"file:///etc/passwd\">\n"
	    RESP_HEAD "<value>x</value>" RESP_TAIL;
	const char	*undeclared = RESP_HEAD
	    "<value><string>&xxe;</string></value>" RESP_TAIL;

	ck_assert_int_eq(response(lol, &xv), RELOC_ERR_PROTO);
	ck_assert(capture_has("line 2: DOCTYPE refused"));
	ck_assert_int_eq(response(ext, &xv), RELOC_ERR_PROTO);
	ck_assert_int_eq(response(undeclared, &xv), RELOC_ERR_PROTO);
	ck_assert_ptr_null(xv);
	/* Character references are not entities and stay allowed. */
	ck_assert_int_eq(response(RESP_HEAD "<value>&#65;&lt;</value>"
	    RESP_TAIL, &xv), 0);
	ck_assert_str_eq(reloc_xv_get_string(xv), "A<");
	reloc_xv_free(xv);
}
END_TEST

/* A value nested n arrays deep. */
static char *
nested(int n)
{
	char	*doc;
	size_t	 size = (size_t)n * 64 + 256;
	int	 i;

	doc = malloc(size);
	ck_assert_ptr_nonnull(doc);
	strcpy(doc, RESP_HEAD);
	for (i = 0; i < n; i++)
		strcat(doc, "<value><array><data>");
	strcat(doc, "<value>x</value>");
	for (i = 0; i < n; i++)
		strcat(doc, "</data></array></value>");
	strcat(doc, RESP_TAIL);
	return doc;
}

START_TEST(test_depth)
{
	struct reloc_xv	*xv = NULL, *arr, *child;
	char		*doc, *out;
	size_t		 len;
	int		 i;

	doc = nested(RELOC_XMLRPC_MAX_DEPTH);
	ck_assert_int_eq(response(doc, &xv), 0);
	free(doc);
	/* What we read at the limit we can write back. */
	ck_assert_int_eq(reloc_xmlrpc_response_encode(xv, &out, &len), 0);
	free(out);
	reloc_xv_free(xv);
	xv = NULL;
	doc = nested(RELOC_XMLRPC_MAX_DEPTH + 1);
	ck_assert_int_eq(response(doc, &xv), RELOC_ERR_PROTO);
	ck_assert(capture_has("nested deeper than 32"));
	free(doc);
	doc = nested(5000);
	ck_assert_int_eq(response(doc, &xv), RELOC_ERR_PROTO);
	free(doc);
	/* And we never write what we would refuse. */
	OK(reloc_xv_new_string("x", &xv));
	for (i = 0; i <= RELOC_XMLRPC_MAX_DEPTH; i++) {
		OK(reloc_xv_new_array(&arr));
		child = xv;
		OK(reloc_xv_array_append(arr, child));
		xv = arr;
	}
	ck_assert_int_eq(reloc_xmlrpc_response_encode(xv, &out, &len),
	    RELOC_ERR_INVAL);
	reloc_xv_free(xv);
}
END_TEST

START_TEST(test_size_limit)
{
	struct reloc_xv	*xv = NULL;
	size_t		 n = RELOC_XMLRPC_MAX_LEN + 1;
	char		*doc = malloc(n + 1);

	ck_assert_ptr_nonnull(doc);
	memset(doc, ' ', n);
	memcpy(doc, RESP_HEAD, strlen(RESP_HEAD));
	doc[n] = '\0';
	ck_assert_int_eq(reloc_xmlrpc_response_decode(PEER, doc, n, &xv,
	    NULL, NULL), RELOC_ERR_PROTO);
	ck_assert(capture_has("over the limit of 1048576"));
	free(doc);
}
END_TEST

static Suite *
xmlrpc_suite(void)
{
	Suite	*s = suite_create("xmlrpc");
	TCase	*tc;

	tc = tcase_create("values");
	tcase_add_checked_fixture(tc, xmlrpc_setup, xmlrpc_teardown);
	tcase_add_test(tc, test_scalars);
	tcase_add_test(tc, test_int_range);
	tcase_add_test(tc, test_struct_and_array);
	tcase_add_test(tc, test_copy);
	tcase_add_test(tc, test_escaping);
	tcase_add_test(tc, test_unrepresentable);
	tcase_add_test(tc, test_response_and_fault);
	suite_add_tcase(s, tc);

	tc = tcase_create("refused");
	tcase_add_checked_fixture(tc, xmlrpc_setup, xmlrpc_teardown);
	tcase_add_loop_test(tc, test_malformed, 0,
	    sizeof(malformed) / sizeof(malformed[0]));
	tcase_add_test(tc, test_malformed_call);
	tcase_add_test(tc, test_error_names_line);
	tcase_add_test(tc, test_doctype_refused);
	tcase_add_test(tc, test_depth);
	tcase_add_test(tc, test_size_limit);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, xmlrpc_python_tcase());
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(xmlrpc_suite());
	int	 failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
