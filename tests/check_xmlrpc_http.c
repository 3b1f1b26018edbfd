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
 * Check suite for xmlrpc_http.c, the HTTP/1.1 framing of the control
 * socket: requests and responses built and parsed, incomplete input,
 * malformed and oversized messages.
 */

#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "common.h"
#include "reloc-int.h"

#define PEER	"xm[1234]"

static void
setup(void)
{
	capture_start();
}

static void
teardown(void)
{
	capture_stop();
}

START_TEST(test_http_request)
{
	const char	*body = "<methodCall/>", *got;
	char		*req;
	size_t		 len, glen, used, i;

	ck_assert_int_eq(reloc_xmlrpc_http_request(body, strlen(body), &req,
	    &len), 0);
	ck_assert_ptr_nonnull(strstr(req, "POST /RPC2 HTTP/1.1\r\n"));
	ck_assert_ptr_nonnull(strstr(req, "Content-Length: 13\r\n"));
	/* Every prefix is incomplete, the whole is complete. */
	for (i = 0; i < len; i++)
		ck_assert_int_eq(reloc_xmlrpc_http_request_parse(PEER, req, i,
		    &got, &glen, &used), RELOC_ERR_AGAIN);
	ck_assert_int_eq(reloc_xmlrpc_http_request_parse(PEER, req, len,
	    &got, &glen, &used), 0);
	ck_assert_uint_eq(glen, strlen(body));
	ck_assert_mem_eq(got, body, glen);
	ck_assert_uint_eq(used, len);
	free(req);
}
END_TEST

START_TEST(test_http_request_errors)
{
	const char	*bad[] = {
		"GET /RPC2 HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
		"POST /other HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
		"POST /RPC2 HTTP/1.1\r\n\r\n",
		"POST /RPC2 HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n",
		"POST /RPC2 HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
		"POST /RPC2 HTTP/1.1\r\nContent-Length: 1\r\n"
		    "Content-Length: 2\r\n\r\n",
		"POST /RPC2 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
		"POST /RPC2 HTTP/1.1\r\nno colon\r\n\r\n",
		"POST /RPC2\r\nContent-Length: 0\r\n\r\n",
	};
	const char	*got;
	char		*big;
	size_t		 glen, used, i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_int_eq(reloc_xmlrpc_http_request_parse(PEER, bad[i],
		    strlen(bad[i]), &got, &glen, &used), RELOC_ERR_PROTO);
	ck_assert(capture_has("method GET not allowed"));
	ck_assert(capture_has("body of 2000000 bytes over the limit"));
	/* Headers that never end. */
	big = malloc(20000);
	ck_assert_ptr_nonnull(big);
	memset(big, 'a', 20000);
	memcpy(big, "POST /RPC2 HTTP/1.1\r\nX: ", 25);
	ck_assert_int_eq(reloc_xmlrpc_http_request_parse(PEER, big, 20000,
	    &got, &glen, &used), RELOC_ERR_PROTO);
	ck_assert_int_eq(reloc_xmlrpc_http_request_parse(PEER, big, 4000,
	    &got, &glen, &used), RELOC_ERR_AGAIN);
	free(big);
	/* Bare LF line ends and header case are tolerated. */
	ck_assert_int_eq(reloc_xmlrpc_http_request_parse(PEER,
	    "POST / HTTP/1.0\ncontent-length:  2 \n\nabEXTRA", 44, &got, &glen,
	    &used), 0);
	ck_assert_uint_eq(glen, 2);
	ck_assert_uint_eq(used, 39);
}
END_TEST

START_TEST(test_http_response)
{
	const char	*got;
	char		*resp;
	size_t		 len, glen, used;

	ck_assert_int_eq(reloc_xmlrpc_http_response(200, "<x/>", 4, &resp,
	    &len), 0);
	ck_assert_int_eq(strncmp(resp, "HTTP/1.1 200 OK\r\n", 17), 0);
	ck_assert_int_eq(reloc_xmlrpc_http_response_parse(PEER, resp, len - 1,
	    &got, &glen, &used), RELOC_ERR_AGAIN);
	ck_assert_int_eq(reloc_xmlrpc_http_response_parse(PEER, resp, len,
	    &got, &glen, &used), 0);
	ck_assert_mem_eq(got, "<x/>", 4);
	free(resp);
	ck_assert_int_eq(reloc_xmlrpc_http_response(400, NULL, 0, &resp,
	    &len), 0);
	ck_assert_int_eq(reloc_xmlrpc_http_response_parse(PEER, resp, len,
	    &got, &glen, &used), RELOC_ERR_PROTO);
	ck_assert(capture_has("HTTP status 'HTTP/1.1 400 Bad Request'"));
	free(resp);
	ck_assert_int_eq(reloc_xmlrpc_http_response(299, NULL, 0, &resp,
	    &len), RELOC_ERR_INVAL);
}
END_TEST

static Suite *
xmlrpc_http_suite(void)
{
	Suite	*s = suite_create("xmlrpc_http");
	TCase	*tc = tcase_create("http");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_http_request);
	tcase_add_test(tc, test_http_request_errors);
	tcase_add_test(tc, test_http_response);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(xmlrpc_http_suite());
	int	 failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
