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

enum fake_op {
	FAKE_NONE,
	FAKE_SAVE,
	FAKE_RESUME,
	FAKE_RESTORE,
	FAKE_RENAME,
	FAKE_UNPAUSE,
	FAKE_DESTROY,
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
	enum fake_op		 fail;		/* this op fails */
	unsigned		 resumes;
	uint32_t		 next_domid;
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
