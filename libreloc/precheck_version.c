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
 * Xen version and relocation address family.  A stream written by a newer
 * Xen may not restore on an older one; xrelocd peers on IPv4 and IPv6
 * relocation networks cannot reach each other's announcements.
 */

#include <sys/socket.h>

#include "reloc-int.h"
#include "precheck.h"

int
reloc__precheck_version(const struct reloc_precheck_ctx *ctx,
    struct reloc_verdict *v)
{
	const struct reloc_hostinfo	*s = ctx->src, *d = ctx->dst;
	const char			*fix = "upgrade Xen on the target to "
					    "the source's version or newer";

	if (d->hv_major != s->hv_major)
		return reloc_verdict_add(v, RELOC_SEV_ERROR, "version",
		    "VERSION_MAJOR", fix, "Xen %u.%u on %s and %u.%u on %s: "
		    "major versions differ", s->hv_major, s->hv_minor,
		    s->hostname, d->hv_major, d->hv_minor, d->hostname);
	if (d->hv_minor < s->hv_minor)
		return reloc_verdict_add(v, RELOC_SEV_ERROR, "version",
		    "VERSION_OLDER", fix, "the target %s runs Xen %u.%u, "
		    "older than the source's %u.%u", d->hostname, d->hv_major,
		    d->hv_minor, s->hv_major, s->hv_minor);
	if (d->hv_minor > s->hv_minor + 1)
		return reloc_verdict_add(v, RELOC_SEV_ERROR, "version",
		    "VERSION_SKIP", "migrate through an intermediate version",
		    "Xen %u.%u to %u.%u skips more than one minor version",
		    s->hv_major, s->hv_minor, d->hv_major, d->hv_minor);
	if (d->hv_minor == s->hv_minor + 1)
		return reloc_verdict_add(v, RELOC_SEV_WARNING, "version",
		    "VERSION_MINOR", "", "Xen %u.%u to %u.%u: one minor "
		    "version up, supported by Xen", s->hv_major, s->hv_minor,
		    d->hv_major, d->hv_minor);
	return 0;
}

static const char *
family_name(int af)
{
	return af == AF_INET6 ? "IPv6" : "IPv4";
}

int
reloc__precheck_family(const struct reloc_precheck_ctx *ctx,
    struct reloc_verdict *v)
{
	if (ctx->src_family == 0 || ctx->dst_family == 0 ||
	    ctx->src_family == ctx->dst_family)
		return 0;
	return reloc_verdict_add(v, RELOC_SEV_ERROR, "family",
	    "FAMILY_MISMATCH", "give both hosts relocation addresses of the "
	    "same family (xend-relocation-address)",
	    "the source relocates over %s, the target over %s",
	    family_name(ctx->src_family), family_name(ctx->dst_family));
}
