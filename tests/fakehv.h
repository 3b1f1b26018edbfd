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
 * A fake hypervisor backend for the state machine tests: one table of
 * domains in memory, a tiny self-delimiting stream, and a switch to make
 * any one operation fail.
 */

#ifndef TESTS_FAKEHV_H
#define TESTS_FAKEHV_H

#include "reloc.h"

/* Operations that can be made to fail, one bit each. */
enum fake_op {
	FAKE_NONE = 0,
	FAKE_SAVE = 1 << 0,
	FAKE_RESUME = 1 << 1,
	FAKE_RESTORE = 1 << 2,
	FAKE_RENAME = 1 << 3,
	FAKE_UNPAUSE = 1 << 4,
	FAKE_DESTROY = 1 << 5,
};

struct fake_dom {
	bool			 used;
	uint32_t		 domid;
	char			 name[64];
	char			 uuid[37];
	enum reloc_dom_state	 state;
};

struct fake {
	struct fake_dom		 doms[4];
	unsigned		 fail;		/* these fake_ops fail */
	unsigned		 resumes;
	uint32_t		 next_domid;
	uint64_t		 free_kb;	/* host_info; 0: 1 TiB */
	/* What changes on this host while a stream is restored. */
	const char		*arrives;	/* a domain of that name */
	uint64_t		 free_kb_restored; /* then free; 0: same */
	char			 host_uuid[37];	/* "" by default */
};

extern const struct reloc_hv_ops fake_ops;

void	fake_init(struct fake *f);
/* Add a domain; returns its slot. */
struct fake_dom *fake_add(struct fake *f, const char *name,
	    enum reloc_dom_state state);
/* The domain called name, or NULL. */
struct fake_dom *fake_find(struct fake *f, const char *name);

#endif /* TESTS_FAKEHV_H */
