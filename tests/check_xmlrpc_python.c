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
 * The xmlrpc suite's second file: documents as Python's xmlrpc.client
 * writes them, the xmlrpclib of xend's xm among them: bare strings, ints
 * for flags, None as <nil/>, base64 and dateTime.iso8601.
 */

#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_xmlrpc.h"
#include "common.h"
#include "reloc-int.h"

START_TEST(test_bare_string_and_python)
{
	struct reloc_xv	*xv;
	char		*name;
	struct reloc_xv	*params;
	/* What Python's xmlrpclib sends for xend.domain.migrate. */
	const char	*doc = "<?xml version='1.0'?>\n<methodCall>\n"
	    "<methodName>xend.domain.migrate</methodName>\n<params>\n"
	    "<param>\n<value><string>web01</string></value>\n</param>\n"
	    "<param>\n<value>hostB</value>\n</param>\n"
	    "<param>\n<value><boolean>1</boolean></value>\n</param>\n"
	    "<param>\n<value><int>0</int></value>\n</param>\n"
	    "<param>\n<value><int>-1</int></value>\n</param>\n"
	    "<!-- comment -->\n</params>\n</methodCall>\n";

	ck_assert_int_eq(reloc_xmlrpc_call_decode(PEER, doc, strlen(doc),
	    &name, &params), 0);
	ck_assert_str_eq(name, "xend.domain.migrate");
	ck_assert_uint_eq(reloc_xv_len(params), 5);
	ck_assert_str_eq(reloc_xv_get_string(reloc_xv_nth(params, 1, NULL)),
	    "hostB");
	free(name);
	reloc_xv_free(params);
	ck_assert_int_eq(response(RESP_HEAD "<value></value>" RESP_TAIL, &xv),
	    0);
	ck_assert_str_eq(reloc_xv_get_string(xv), "");
	reloc_xv_free(xv);
}
END_TEST

/*
 * What Python's xmlrpc.client (allow_none) sends for xm migrate -l in Xen
 * 3.3 to 4.4: the flags as ints, ssl None as <nil/>.
 */
START_TEST(test_python_nil_and_int_flags)
{
	struct reloc_xv	*params, *got;
	char		*name;
	size_t		 len;
	int64_t		 i;
	bool		 b;
	const char	*doc = "<?xml version='1.0'?>\n<methodCall>\n"
	    "<methodName>xend.domain.migrate</methodName>\n<params>\n"
	    "<param>\n<value><string>web01</string></value>\n</param>\n"
	    "<param>\n<value><string>hostB</string></value>\n</param>\n"
	    "<param>\n<value><int>1</int></value>\n</param>\n"
	    "<param>\n<value><i4>0</i4></value>\n</param>\n"
	    "<param>\n<value><int>-1</int></value>\n</param>\n"
	    "<param>\n<value><nil/></value></param>\n"
	    "<param>\n<value><nil> </nil></value></param>\n"
	    "</params>\n</methodCall>\n";

	ck_assert_int_eq(reloc_xmlrpc_call_decode(PEER, doc, strlen(doc),
	    &name, &params), 0);
	ck_assert_uint_eq(reloc_xv_len(params), 7);
	ck_assert_int_eq(reloc_xv_get_int(reloc_xv_nth(params, 2, NULL), &i),
	    0);
	ck_assert_int_eq(i, 1);
	ck_assert_int_eq(reloc_xv_type(reloc_xv_nth(params, 3, NULL)),
	    RELOC_XV_INT);
	ck_assert_int_eq(reloc_xv_type(reloc_xv_nth(params, 5, NULL)),
	    RELOC_XV_NIL);
	ck_assert_int_eq(reloc_xv_type(reloc_xv_nth(params, 6, NULL)),
	    RELOC_XV_NIL);
	/* nil is no value of any other type. */
	ck_assert_int_eq(reloc_xv_get_bool(reloc_xv_nth(params, 5, NULL), &b),
	    RELOC_ERR_INVAL);
	ck_assert_int_eq(reloc_xv_get_int(reloc_xv_nth(params, 5, NULL), &i),
	    RELOC_ERR_INVAL);
	ck_assert_ptr_null(reloc_xv_get_string(reloc_xv_nth(params, 5,
	    NULL)));
	ck_assert_str_eq(reloc_xv_type_name(RELOC_XV_NIL), "nil");
	free(name);
	/* It goes back out as <nil/>, and copies. */
	OK(reloc_xmlrpc_response_encode(reloc_xv_nth(params, 5, NULL), &name,
	    &len));
	ck_assert_ptr_nonnull(strstr(name, "<value><nil/></value>"));
	free(name);
	got = call_roundtrip("m", params);
	ck_assert_int_eq(reloc_xv_type(reloc_xv_nth(got, 5, NULL)),
	    RELOC_XV_NIL);
	reloc_xv_free(got);
	OK(reloc_xv_copy(params, &got));
	ck_assert_int_eq(reloc_xv_type(reloc_xv_nth(got, 6, NULL)),
	    RELOC_XV_NIL);
	reloc_xv_free(got);
	reloc_xv_free(params);
	ck_assert_int_eq(response(RESP_HEAD "<value><nil/></value>" RESP_TAIL,
	    &got), 0);
	ck_assert_int_eq(reloc_xv_type(got), RELOC_XV_NIL);
	reloc_xv_free(got);
}
END_TEST

/* Python's Binary and datetime values: kept as their text. */
START_TEST(test_python_base64_datetime)
{
	struct reloc_xv	*params, *got, *v;
	char		*name;
	const char	*doc = "<?xml version='1.0'?>\n<methodCall>\n"
	    "<methodName>m</methodName>\n<params>\n"
	    "<param>\n<value><base64>\n</base64></value>\n</param>\n"
	    "<param>\n<value><base64>\naGVsbG9o\nZWxsbw==\n</base64>"
	    "</value>\n</param>\n<param>\n<value><dateTime.iso8601>"
	    "20261130T01:02:03</dateTime.iso8601></value>\n</param>\n"
	    "</params>\n</methodCall>\n";

	ck_assert_int_eq(reloc_xmlrpc_call_decode(PEER, doc, strlen(doc),
	    &name, &params), 0);
	free(name);
	v = reloc_xv_nth(params, 0, NULL);
	ck_assert_int_eq(reloc_xv_type(v), RELOC_XV_BASE64);
	ck_assert_str_eq(reloc_xv_get_text(v), "");
	v = reloc_xv_nth(params, 1, NULL);
	ck_assert_int_eq(reloc_xv_type(v), RELOC_XV_BASE64);
	ck_assert_str_eq(reloc_xv_get_text(v), "aGVsbG9o\nZWxsbw==\n");
	ck_assert_ptr_null(reloc_xv_get_string(v));
	v = reloc_xv_nth(params, 2, NULL);
	ck_assert_int_eq(reloc_xv_type(v), RELOC_XV_DATETIME);
	ck_assert_str_eq(reloc_xv_get_text(v), "20261130T01:02:03");
	ck_assert_str_eq(reloc_xv_type_name(RELOC_XV_DATETIME),
	    "dateTime.iso8601");
	got = call_roundtrip("m", params);
	ck_assert_int_eq(reloc_xv_type(reloc_xv_nth(got, 2, NULL)),
	    RELOC_XV_DATETIME);
	ck_assert_str_eq(reloc_xv_get_text(reloc_xv_nth(got, 1, NULL)),
	    "aGVsbG9o\nZWxsbw==\n");
	reloc_xv_free(got);
	OK(reloc_xv_copy(params, &got));
	ck_assert_str_eq(reloc_xv_get_text(reloc_xv_nth(got, 2, NULL)),
	    "20261130T01:02:03");
	reloc_xv_free(got);
	reloc_xv_free(params);
	ck_assert_int_eq(reloc_xv_new_base64("a<b", &v), RELOC_ERR_INVAL);
	ck_assert_int_eq(reloc_xv_new_datetime("", &v), RELOC_ERR_INVAL);
}
END_TEST

TCase *
xmlrpc_python_tcase(void)
{
	TCase	*tc = tcase_create("python");

	tcase_add_checked_fixture(tc, xmlrpc_setup, xmlrpc_teardown);
	tcase_add_test(tc, test_bare_string_and_python);
	tcase_add_test(tc, test_python_nil_and_int_flags);
	tcase_add_test(tc, test_python_base64_datetime);
	return tc;
}
