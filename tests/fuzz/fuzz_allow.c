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
 * Fuzz target for allow.c: compile an arbitrary allow-list, walk its
 * entries and match a few peers.  make check links it with replay.c to
 * run it over tests/fuzz/corpus/allow; clang -fsanitize=fuzzer fuzzes it.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static const char *const peers[] = {
	"192.0.2.7", "10.0.0.5", "::1", "fd00::1", "::ffff:10.0.0.5",
};

static void
match_peer(const struct reloc_allow *a, const char *peer)
{
	struct sockaddr_in	sin;
	struct sockaddr_in6	sin6;

	memset(&sin, 0, sizeof(sin));
	memset(&sin6, 0, sizeof(sin6));
	if (inet_pton(AF_INET, peer, &sin.sin_addr) == 1) {
		sin.sin_family = AF_INET;
		(void)reloc_allow_match(a, (struct sockaddr *)&sin,
		    sizeof(sin), "host1.example.org");
	} else if (inet_pton(AF_INET6, peer, &sin6.sin6_addr) == 1) {
		sin6.sin6_family = AF_INET6;
		(void)reloc_allow_match(a, (struct sockaddr *)&sin6,
		    sizeof(sin6), NULL);
	}
}

/* Config values are short; longer inputs only slow the fuzzer down. */
static int
too_long(const char *s)
{
	return strlen(s) > 4096;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reloc_allow	*a = NULL;
	const char		*text;
	char			*spec;
	size_t			 i;

	reloc_log_set_sink(fuzz_quiet, NULL);
	if ((spec = malloc(size + 1)) == NULL)
		return 0;
	memcpy(spec, data, size);
	spec[size] = '\0';
	if (!too_long(spec) &&
	    reloc_allow_compile(spec, "fuzz:1:1", &a) == 0) {
		for (i = 0; i < reloc_allow_count(a); i++)
			(void)reloc_allow_entry(a, i, &text);
		(void)reloc_allow_needs_name(a);
		for (i = 0; i < sizeof(peers) / sizeof(peers[0]); i++)
			match_peer(a, peers[i]);
		reloc_allow_free(a);
	}
	free(spec);
	return 0;
}
