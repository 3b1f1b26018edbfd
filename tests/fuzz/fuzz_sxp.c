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
 * Fuzz target for the S-expression codec: read arbitrary bytes; whatever
 * reads must write and read back equal.  Built with clang
 * -fsanitize=fuzzer to fuzz; make check links replay.c, which feeds it the
 * corpus in tests/fuzz/corpus/sxp.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

/* Each top-level form on its own line reads back as the same forms. */
static void
round_trip(const struct reloc_sxp *root)
{
	struct reloc_sxp	*back = NULL;
	char			*all = NULL, *buf, *p;
	size_t			 i, len, total = 0;

	for (i = 0; i < reloc_sxp_len(root); i++) {
		if (reloc_sxp_write(reloc_sxp_nth(root, i), &buf, &len) != 0)
			abort();
		if ((p = realloc(all, total + len + 1)) == NULL)
			abort();
		all = p;
		memcpy(all + total, buf, len);
		all[total + len] = '\n';
		total += len + 1;
		free(buf);
	}
	if (reloc_sxp_read_mem("w", all, total, &back) != 0 ||
	    !reloc_sxp_equal(root, back))
		abort();
	reloc_sxp_free(back);
	free(all);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reloc_sxp	*root = NULL;

	reloc_log_set_sink(fuzz_quiet, NULL);
	if (reloc_sxp_read_mem("fuzz", (const char *)data, size, &root) == 0) {
		(void)reloc_sxp_value(root, "xend-relocation-port");
		round_trip(root);
		reloc_sxp_free(root);
	}
	return 0;
}
