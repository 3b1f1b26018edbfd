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
 * The prechecks' entry points, one per precheck_<what>.c file.
 */

#ifndef RELOC_PRECHECK_H
#define RELOC_PRECHECK_H

#include "reloc.h"

/* precheck_name.c */
int	reloc__precheck_name(const struct reloc_precheck_ctx *,
	    struct reloc_verdict *);
/* precheck_mem.c */
int	reloc__precheck_memory(const struct reloc_precheck_ctx *,
	    struct reloc_verdict *);
/* precheck_version.c */
int	reloc__precheck_version(const struct reloc_precheck_ctx *,
	    struct reloc_verdict *);
int	reloc__precheck_family(const struct reloc_precheck_ctx *,
	    struct reloc_verdict *);
/* precheck_arch.c */
int	reloc__precheck_arch(const struct reloc_precheck_ctx *,
	    struct reloc_verdict *);
/* precheck_cpu.c */
int	reloc__precheck_cpu(const struct reloc_precheck_ctx *,
	    struct reloc_verdict *);
/* precheck_net.c */
int	reloc__precheck_l2(const struct reloc_precheck_ctx *,
	    struct reloc_verdict *);
/* precheck_storage.c */
int	reloc__precheck_storage(const struct reloc_precheck_ctx *,
	    struct reloc_verdict *);
/* precheck_devices.c */
int	reloc__precheck_media(const struct reloc_precheck_ctx *,
	    struct reloc_verdict *);
int	reloc__precheck_passthrough(const struct reloc_precheck_ctx *,
	    struct reloc_verdict *);

#endif /* RELOC_PRECHECK_H */
