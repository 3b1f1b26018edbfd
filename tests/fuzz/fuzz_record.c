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
 * Fuzz target for record_sxp.c: read arbitrary bytes with the sxp reader
 * and each form as a migration record; a record that reads writes back to
 * a form that reads as the same record, and has an XML-RPC form.  make
 * check links it with replay.c to run it over tests/fuzz/corpus/record;
 * clang -fsanitize=fuzzer fuzzes it.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

/* Written, read and written again, a record is the same form. */
static void
round_trip(const struct reloc_record *r)
{
	struct reloc_sxp	*a = NULL, *b = NULL, *root = NULL;
	struct reloc_record	 back, copy;
	struct reloc_xv		*xv = NULL;
	char			*buf = NULL;
	size_t			 len;

	if (reloc_record_to_sxp(r, &a) != 0 ||
	    reloc_sxp_write(a, &buf, &len) != 0 ||
	    reloc_sxp_read_mem("back", buf, len, &root) != 0 ||
	    reloc_record_from_sxp("back", reloc_sxp_nth(root, 0), &back) != 0)
		abort();
	reloc_record_init(&copy, RELOC_ROLE_TARGET);
	if (reloc_record_copy(&copy, &back) != 0 ||
	    reloc_record_to_sxp(&copy, &b) != 0 || !reloc_sxp_equal(a, b))
		abort();
	if (reloc_record_to_xv(r, &xv) != 0 ||
	    strcmp(reloc_xv_member_string(xv, "status"),
	    reloc_record_state_word(r)) != 0)
		abort();
	reloc_xv_free(xv);
	reloc_record_dispose(&copy);
	reloc_record_dispose(&back);
	reloc_sxp_free(root);
	reloc_sxp_free(b);
	reloc_sxp_free(a);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reloc_sxp	*root = NULL;
	struct reloc_record	 r;
	size_t			 i;

	reloc_log_set_sink(fuzz_quiet, NULL);
	if (reloc_sxp_read_mem("fuzz", (const char *)data, size, &root) != 0)
		return 0;
	for (i = 0; i < reloc_sxp_len(root); i++) {
		if (reloc_record_from_sxp("fuzz", reloc_sxp_nth(root, i),
		    &r) != 0)
			continue;
		round_trip(&r);
		reloc_record_dispose(&r);
	}
	reloc_sxp_free(root);
	return 0;
}
