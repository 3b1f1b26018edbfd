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
 * What the two files of the control Check suite share: a call through
 * control_dispatch and its answer.
 */

#ifndef TESTS_CHECK_CONTROL_H
#define TESTS_CHECK_CONTROL_H

#include <check.h>

#include "reloc.h"

#define FAULT_FAILED	1
#define FAULT_REQUEST	2
#define FAULT_NOENT	4
/* Builder calls that must succeed. */
#define OK_XV(e)	ck_assert_int_eq((e), 0)

/* The answer of the last call. */
extern struct reloc_xv	*res;
extern int		 fault;
extern char		*fault_msg;

/* The checked fixture: a daemon set up by hand (xrelocd_fixture.h). */
void	control_setup(void);
void	control_teardown(void);
/*
 * Call method with params described by fmt: s a string, i an int, b a
 * boolean, n nil, x a value (owned by the call).  The result in res, or
 * the fault in fault and fault_msg; returns fault.
 */
int	call(const char *method, const char *fmt, ...);
/* xrelocd.migrate's options for domain to 127.0.0.1, live. */
struct reloc_xv *opts(const char *domain);
/* check_control_args.c */
TCase	*control_args_tcase(void);

#endif /* TESTS_CHECK_CONTROL_H */
