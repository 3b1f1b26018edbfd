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
 * The backend registry: every hypervisor backend built in, found by the
 * name used in xrelocd-backend; and who owns the process's SIGCHLD.
 */

#include "config.h"

#include <string.h>

#include "reloc-int.h"

static const struct reloc_hv_ops *const backends[] = {
	&reloc__hv_sim_ops,
#ifdef HAVE_XEN
	&reloc__hv_libxl_ops,
#endif
	NULL
};

const struct reloc_hv_ops *
reloc_hv_lookup(const char *name)
{
	size_t	 i;

	if (name == NULL)
		return NULL;
	for (i = 0; backends[i] != NULL; i++)
		if (strcmp(backends[i]->name, name) == 0)
			return backends[i];
	return NULL;
}

const struct reloc_hv_ops *const *
reloc_hv_all(void)
{
	return backends;
}

/* SIGCHLD is the process's: the program says who handles it. */
static bool	sigchld_by_caller;

void
reloc_hv_sigchld_owned(bool by_caller)
{
	sigchld_by_caller = by_caller;
}

bool
reloc__hv_sigchld_by_caller(void)
{
	return sigchld_by_caller;
}
