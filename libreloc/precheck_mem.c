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
 * Memory: the target must have the domain's memory free, plus Xen's
 * per-domain overhead (page tables, p2m, shadow pool).  On a migration to
 * the same host too: both copies exist until the end, as with xl, and the
 * domain's own memory is not free.
 */

#include <string.h>

#include "reloc-int.h"
#include "precheck.h"

/*
 * Xen's overhead: about 1 MiB per vcpu plus 8 KiB per MiB of guest memory
 * (libxl's shadow and p2m estimates), plus 4 MiB.
 */
static uint64_t
overhead_kb(const struct reloc_domain *dom)
{
	return 4096 + 1024ull * dom->vcpus + dom->memory_kb / 1024 * 8;
}

uint64_t
reloc_precheck_memory_need_kb(uint64_t memory_kb, unsigned vcpus)
{
	struct reloc_domain	dom;

	memset(&dom, 0, sizeof(dom));
	dom.memory_kb = memory_kb;
	dom.vcpus = vcpus;
	return memory_kb + overhead_kb(&dom);
}

/* Not enough: to the same host, the room is for a second copy. */
static int
memory_short(const struct reloc_precheck_ctx *ctx, struct reloc_verdict *v,
    uint64_t need, uint64_t have)
{
	bool	same = ctx->same_host;

	return reloc_verdict_add(v, RELOC_SEV_ERROR, "memory",
	    "MEMORY_SHORT", same ? "free memory on this host (destroy or "
	    "balloon down domains, or lower dom0-min-mem), or migrate to "
	    "another host" : "free memory on the target (destroy or "
	    "balloon down domains, or lower dom0-min-mem), or choose "
	    "another target",
	    "%s%s%s %llu MiB (%llu MiB memory + %llu MiB overhead), "
	    "%s has %llu MiB free", same ? "migrating " : "", ctx->dom->name,
	    same ? " to the same host needs room for a second copy while it "
	    "moves:" : " needs",
	    (unsigned long long)need / 1024,
	    (unsigned long long)ctx->dom->memory_kb / 1024,
	    (unsigned long long)overhead_kb(ctx->dom) / 1024,
	    ctx->dst->hostname, (unsigned long long)have / 1024);
}

int
reloc__precheck_memory(const struct reloc_precheck_ctx *ctx,
    struct reloc_verdict *v)
{
	uint64_t	need = ctx->dom->memory_kb + overhead_kb(ctx->dom);
	uint64_t	have = ctx->dst->free_memory_kb;

	/*
	 * Rechecking: the restored copy already holds its memory.  Count it
	 * as free, so that the answer is the one the first check would give
	 * on the host as it is now.
	 */
	if (ctx->incoming != NULL)
		have += ctx->incoming->memory_kb;
	if (have < need)
		return memory_short(ctx, v, need, have);
	if (have < need + need / 10)
		return reloc_verdict_add(v, RELOC_SEV_WARNING, "memory",
		    "MEMORY_TIGHT", "expect no room for ballooning on the "
		    "target",
		    "%s leaves less than 10%% of free memory on %s "
		    "(%llu of %llu MiB)", ctx->dom->name, ctx->dst->hostname,
		    (unsigned long long)need / 1024,
		    (unsigned long long)have / 1024);
	return 0;
}
