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
 * The precheck suite's fixture, shared by check_precheck.c (table, the
 * lead's checks, arch, cpu) and precheck_cases.c (l2, storage, devices,
 * --force).
 */

#ifndef TESTS_PRECHECK_FIXTURE_H
#define TESTS_PRECHECK_FIXTURE_H

#include <check.h>

#include "reloc.h"

extern char			*tmp, *img;
extern char			*src_feats[], *dst_feats[], *dom_feats[];
extern struct reloc_bridge	 src_br[2], dst_br[2];
extern struct reloc_vif		 vifs[2];
extern struct reloc_disk	 disks[2];
extern struct reloc_passdev	 pass[2];
extern struct reloc_domain	 others[1];
extern struct reloc_hostinfo	 src, dst;
extern struct reloc_domain	 dom;
extern struct reloc_precheck_ctx ctx;
extern struct reloc_verdict	 v;

/* Checked fixture: every check passes until a test changes a fact. */
void	 setup(void);
void	 teardown(void);
/* Run every check into v (asserting that they ran). */
void	 run(void);
const struct reloc_finding *find(const char *code);
size_t	 count(const char *code);
/* Exactly these findings (codes, in any order), and nothing else. */
void	 expect(const char *const *codes, size_t n);
/* The finding code, of severity sev and check, whose message has text. */
void	 assert_finding(const char *code, enum reloc_severity sev,
	    const char *check, const char *text);
void	 assert_fix(const char *code, const char *text);

#define EXPECT(...) do {						\
	const char *const c_[] = { __VA_ARGS__ };			\
	expect(c_, sizeof(c_) / sizeof(c_[0]));				\
} while (0)

/* precheck_cases.c */
void	 precheck_add_cases(Suite *s);

#endif /* TESTS_PRECHECK_FIXTURE_H */
