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
 * Fuzz target for proto.c: decode arbitrary bytes as a stream of
 * messages.  Whatever decodes must encode again and decode to the same
 * type and the same body text.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

/* Encode body again; the result must decode to the same message. */
static void
reencode(enum reloc_msg_type type, const struct reloc_sxp *body)
{
	struct reloc_sxp	*again = NULL;
	enum reloc_msg_type	 type2;
	uint8_t			*buf = NULL, *buf2 = NULL;
	size_t			 len, len2, used;

	if (reloc_proto_encode(type, body, &buf, &len) != 0)
		abort();
	if (reloc_proto_decode("fuzz", buf, len, &type2, &again, &used) != 0 ||
	    type2 != type || used != len)
		abort();
	if (reloc_proto_encode(type, again, &buf2, &len2) != 0 ||
	    len2 != len || memcmp(buf, buf2, len) != 0)
		abort();
	reloc_sxp_free(again);
	free(buf);
	free(buf2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reloc_sxp	*body;
	enum reloc_msg_type	 type;
	uint32_t		 blen;
	size_t			 used;

	reloc_log_set_sink(fuzz_quiet, NULL);
	(void)reloc_proto_hdr_decode("fuzz", data, size, &type, &blen);
	while (size > 0) {
		if (reloc_proto_decode("fuzz", data, size, &type, &body,
		    &used) != 0)
			break;
		if (used < RELOC_PROTO_HDR_LEN || used > size)
			abort();
		reencode(type, body);
		reloc_sxp_free(body);
		data += used;
		size -= used;
	}
	return 0;
}
