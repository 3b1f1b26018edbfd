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
 * Fuzz target for the XML-RPC codec.  The first byte picks what the rest
 * is fed to: a methodCall, a methodResponse, an HTTP request or an HTTP
 * response.  Whatever decodes must encode to a document that decodes and
 * encodes to the same bytes again.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static void
call(const char *buf, size_t len)
{
	struct reloc_xv	*params = NULL, *params2 = NULL;
	char		*method = NULL, *method2 = NULL, *doc, *doc2;
	size_t		 dlen, dlen2;

	if (reloc_xmlrpc_call_decode("fuzz", buf, len, &method, &params) != 0)
		return;
	if (reloc_xmlrpc_call_encode(method, params, &doc, &dlen) != 0)
		abort();
	/* Escaping may grow a document past the limit: no property. */
	if (dlen > RELOC_XMLRPC_MAX_LEN)
		goto out;
	if (reloc_xmlrpc_call_decode("fuzz", doc, dlen, &method2,
	    &params2) != 0 ||
	    reloc_xmlrpc_call_encode(method2, params2, &doc2, &dlen2) != 0 ||
	    dlen != dlen2 || memcmp(doc, doc2, dlen) != 0)
		abort();
	free(doc2);
out:
	free(doc);
	free(method);
	free(method2);
	reloc_xv_free(params);
	reloc_xv_free(params2);
}

static void
response(const char *buf, size_t len)
{
	struct reloc_xv	*v = NULL, *v2 = NULL;
	char		*fs = NULL, *doc, *doc2;
	size_t		 dlen, dlen2;
	int		 fc, rc;

	rc = reloc_xmlrpc_response_decode("fuzz", buf, len, &v, &fc, &fs);
	if (rc == RELOC_ERR_DENIED) {
		if (reloc_xmlrpc_fault_encode(fc, fs, &doc, &dlen) != 0)
			abort();
		free(doc);
		free(fs);
		return;
	}
	if (rc != 0)
		return;
	if (reloc_xmlrpc_response_encode(v, &doc, &dlen) != 0)
		abort();
	if (dlen > RELOC_XMLRPC_MAX_LEN)
		goto out;
	if (reloc_xmlrpc_response_decode("fuzz", doc, dlen, &v2, &fc,
	    &fs) != 0 ||
	    reloc_xmlrpc_response_encode(v2, &doc2, &dlen2) != 0 ||
	    dlen != dlen2 || memcmp(doc, doc2, dlen) != 0)
		abort();
	free(doc2);
out:
	free(doc);
	reloc_xv_free(v);
	reloc_xv_free(v2);
}

static void
http(const char *buf, size_t len, bool request)
{
	const char	*body;
	size_t		 blen, used;
	int		 rc;

	if (request)
		rc = reloc_xmlrpc_http_request_parse("fuzz", buf, len, &body,
		    &blen, &used);
	else
		rc = reloc_xmlrpc_http_response_parse("fuzz", buf, len, &body,
		    &blen, &used);
	if (rc == 0 && (used > len || body < buf || body + blen > buf + len ||
	    body + blen != buf + used))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*buf = (const char *)data + 1;

	reloc_log_set_sink(fuzz_quiet, NULL);
	if (size == 0)
		return 0;
	switch (data[0] % 4) {
	case 0:
		call(buf, size - 1);
		break;
	case 1:
		response(buf, size - 1);
		break;
	case 2:
		http(buf, size - 1, true);
		break;
	default:
		http(buf, size - 1, false);
		break;
	}
	return 0;
}
