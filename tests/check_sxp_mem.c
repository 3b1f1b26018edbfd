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
 * Check suite for the S-expression codec, continued: the memory a read
 * tree holds stays within RELOC_SXP_BUDGET of its input for the worst
 * shapes of input, measured by the tree's own count and, outside the
 * sanitizers, by glibc's allocator (part of check_sxp).
 */

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_sxp.h"
#include "common.h"
#include "reloc-int.h"
#include "reloc_proto.h"

#if defined(__SANITIZE_ADDRESS__)
#define MALLOC_MEASURED	0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define MALLOC_MEASURED	0
#endif
#endif
#ifndef MALLOC_MEASURED
#define MALLOC_MEASURED	1
#endif

#define SHAPE_LEN	(1u << 20)
#define NAME		"peer 192.0.2.1:8002"

/* A buffer of len bytes repeating unit (whole units, blank padded). */
static char *
repeat(const char *unit, size_t len)
{
	size_t	 n = strlen(unit), i;
	char	*s = malloc(len);

	ck_assert_ptr_nonnull(s);
	for (i = 0; i + n <= len; i += n)
		memcpy(s + i, unit, n);
	memset(s + i, ' ', len - i);
	return s;
}

static size_t
heap_in_use(void)
{
	struct mallinfo2	mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

/* Read len bytes of s; assert the tree holds no more than its budget. */
static void
assert_bounded(const char *s, size_t len, size_t nodes)
{
	struct reloc_sxp	*root = NULL;
	size_t			 before, after, bytes;
	size_t			 budget = RELOC_SXP_BUDGET(len) + sizeof(NAME);

	before = heap_in_use();
	ck_assert_int_eq(reloc_sxp_read_mem(NAME, s, len, &root), 0);
	after = heap_in_use();
	bytes = reloc__sxp_bytes(root);
	ck_assert_uint_le(bytes, budget);
	if (MALLOC_MEASURED)
		ck_assert_uint_le(after - before, budget + 4096);
	if (nodes > 0)
		ck_assert_uint_eq(reloc_sxp_len(root), nodes);
	reloc_sxp_free(root);
	if (MALLOC_MEASURED)
		ck_assert_uint_le(heap_in_use(), before);
}

static void
assert_shape(const char *unit)
{
	char	*s = repeat(unit, SHAPE_LEN);

	assert_bounded(s, SHAPE_LEN, SHAPE_LEN / strlen(unit));
	free(s);
}

START_TEST(test_mem_atoms)
{
	assert_shape("a ");
	assert_shape("a\n");
	assert_shape("abc ");
	assert_shape("abcd ");
}
END_TEST

START_TEST(test_mem_lists)
{
	assert_shape("()");
	assert_shape("(a)");
	assert_shape("(()())");
}
END_TEST

START_TEST(test_mem_quoted)
{
	assert_shape("\"\"");
	assert_shape("''");
	assert_shape("\"\\x41\\n\\\"\\101\" ");
	assert_shape("\"abcd\"");
}
END_TEST

START_TEST(test_mem_long_atoms)
{
	char	*s = repeat("a", SHAPE_LEN);

	assert_bounded(s, SHAPE_LEN, 1);
	free(s);
	s = repeat("\"\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\" ",
	    SHAPE_LEN);
	assert_bounded(s, SHAPE_LEN, 0);
	free(s);
}
END_TEST

/* Lists nested to the depth limit, over and over, and inside out. */
START_TEST(test_mem_deep)
{
	char	unit[2 * RELOC_SXP_MAX_DEPTH + 2], *s;
	size_t	d = RELOC_SXP_MAX_DEPTH;

	memset(unit, '(', d);
	memset(unit + d, ')', d);
	unit[2 * d] = '\0';
	assert_shape(unit);
	unit[d] = 'a';
	memset(unit + d + 1, ')', d);
	unit[2 * d + 1] = '\0';
	assert_shape(unit);
	/* One deep spine whose every level holds many atoms. */
	s = repeat("a ", SHAPE_LEN);
	memset(s, '(', d);
	memset(s + SHAPE_LEN - d, ')', d);
	assert_bounded(s, SHAPE_LEN, 1);
	free(s);
}
END_TEST

/* A 1 MiB PRECHECK of tiny atoms decodes into one tree within budget. */
START_TEST(test_mem_decode)
{
	enum reloc_msg_type	 type;
	struct reloc_sxp	*body = NULL;
	size_t			 blen = RELOC_PROTO_MAX_LEN, used, before;
	uint8_t			*buf = malloc(RELOC_PROTO_HDR_LEN + blen);
	char			*s = repeat("a ", blen);

	ck_assert_ptr_nonnull(buf);
	memcpy(s, "(precheck", 9);
	s[blen - 1] = ')';
	ck_assert_int_eq(reloc_proto_hdr_encode(buf, RELOC_MSG_PRECHECK,
	    blen), 0);
	memcpy(buf + RELOC_PROTO_HDR_LEN, s, blen);
	free(s);
	before = heap_in_use();
	ck_assert_int_eq(reloc_proto_decode("192.0.2.1:8002", buf,
	    RELOC_PROTO_HDR_LEN + blen, &type, &body, &used), 0);
	ck_assert_int_eq(type, RELOC_MSG_PRECHECK);
	ck_assert_uint_eq(reloc_sxp_len(body), blen / 2 - 4);
	ck_assert_uint_le(reloc__sxp_bytes(body), RELOC_SXP_BUDGET(blen) +
	    sizeof(NAME));
	if (MALLOC_MEASURED)
		ck_assert_uint_le(heap_in_use() - before,
		    RELOC_SXP_BUDGET(blen) + 4096);
	reloc_sxp_free(body);
	free(buf);
}
END_TEST

/* A read tree is freed from its root, never changed, and can be split. */
START_TEST(test_mem_ownership)
{
	struct reloc_sxp	*root, *kid, *atom;

	root = sxp_read_ok("(a (b c)) (d \"long atom\")");
	ck_assert_uint_gt(reloc__sxp_bytes(root), 0);
	ck_assert_int_eq(reloc_sxp_new_atom("x", 1, &atom), 0);
	ck_assert_int_eq(reloc_sxp_append(reloc_sxp_nth(root, 0), atom),
	    RELOC_ERR_INVAL);
	/* Freeing a node that is not the root leaves the tree whole. */
	reloc_sxp_free(reloc_sxp_nth(root, 0));
	sxp_assert_atom(reloc_sxp_nth(reloc_sxp_nth(root, 0), 0), "a", 1);
	kid = reloc__sxp_take(root, 1);
	ck_assert_ptr_nonnull(kid);
	sxp_assert_atom(reloc_sxp_nth(kid, 1), "long atom", 9);
	ck_assert_str_eq(reloc_sxp_source(kid), "t");
	reloc_sxp_free(root);		/* no longer the root: kept */
	sxp_assert_atom(reloc_sxp_nth(kid, 0), "d", 1);
	reloc_sxp_free(kid);
	/* A built list gives its child away. */
	ck_assert_int_eq(reloc_sxp_new_list(&root), 0);
	ck_assert_int_eq(reloc_sxp_add_str(root, "k", "v"), 0);
	ck_assert_int_eq(reloc_sxp_add_str(root, "l", "w"), 0);
	kid = reloc__sxp_take(root, 0);
	ck_assert_uint_eq(reloc_sxp_len(root), 1);
	ck_assert_str_eq(reloc_sxp_value(root, "l"), "w");
	ck_assert_ptr_null(reloc__sxp_take(root, 1));
	reloc_sxp_free(kid);
	reloc_sxp_free(root);
}
END_TEST

TCase *
sxp_mem_tcase(void)
{
	TCase	*tc = tcase_create("memory");

	tcase_add_checked_fixture(tc, log_silence, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_mem_atoms);
	tcase_add_test(tc, test_mem_lists);
	tcase_add_test(tc, test_mem_quoted);
	tcase_add_test(tc, test_mem_long_atoms);
	tcase_add_test(tc, test_mem_deep);
	tcase_add_test(tc, test_mem_decode);
	tcase_add_test(tc, test_mem_ownership);
	return tc;
}
