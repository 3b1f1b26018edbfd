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
 * What the two files of the xmlrpc Check suite share.
 */

#ifndef TESTS_CHECK_XMLRPC_H
#define TESTS_CHECK_XMLRPC_H

#include <check.h>

#include "reloc.h"

#define PEER	"xm[1234]"
/* Builder calls that must succeed. */
#define OK(e)	ck_assert_int_eq((e), 0)

#define RESP_HEAD	"<?xml version='1.0'?><methodResponse><params><param>"
#define RESP_TAIL	"</param></params></methodResponse>"

/* The checked fixture: the log captured. */
void	xmlrpc_setup(void);
void	xmlrpc_teardown(void);
/* Encode a call with params, decode it, and hand the params back. */
struct reloc_xv *call_roundtrip(const char *method,
	    const struct reloc_xv *params);
/* Decode a methodResponse document given as text. */
int	response(const char *doc, struct reloc_xv **xv_r);
/* check_xmlrpc_python.c */
TCase	*xmlrpc_python_tcase(void);

#endif /* TESTS_CHECK_XMLRPC_H */
