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
 * Name and uuid: a domain with the same name or uuid must not already
 * exist on the target, or it would run twice.  Never forcible.  On a
 * migration to the same host the domain that moves is on the target
 * already: that one copy, and no other domain, is left out.
 */

#include <string.h>

#include "reloc-int.h"
#include "precheck.h"

/* True if have is name, or name plus one of our rename suffixes. */
static bool
same_name(const char *have, const char *name)
{
	size_t	len = strlen(name);

	if (strncmp(have, name, len) != 0)
		return false;
	return have[len] == '\0' ||
	    strcmp(have + len, RELOC_SUFFIX_INCOMING) == 0 ||
	    strcmp(have + len, RELOC_SUFFIX_AWAY) == 0;
}

/* d is the moving domain itself: same host, same uuid and same id. */
static bool
is_moving(const struct reloc_precheck_ctx *ctx, const struct reloc_domain *d)
{
	return ctx->same_host && ctx->dom->uuid[0] != '\0' &&
	    strcmp(d->uuid, ctx->dom->uuid) == 0 &&
	    d->domid == ctx->dom->domid;
}

int
reloc__precheck_name(const struct reloc_precheck_ctx *ctx,
    struct reloc_verdict *v)
{
	const struct reloc_domain	*d;
	size_t				 i;
	int				 rc;

	for (i = 0; i < ctx->nr_dst_doms; i++) {
		d = &ctx->dst_doms[i];
		/* Rechecking: our own restored copy is no clash (by id). */
		if (ctx->incoming != NULL && d->domid == ctx->incoming->domid)
			continue;
		/* To this host: the domain that moves is no clash either. */
		if (is_moving(ctx, d))
			continue;
		if (same_name(d->name, ctx->dom->name)) {
			rc = reloc_verdict_add(v, RELOC_SEV_ERROR, "name",
			    "NAME_EXISTS", "rename or destroy the domain on "
			    "the target, or migrate under another name",
			    "a domain named %s already exists on %s (id %u)",
			    d->name, ctx->dst->hostname, d->domid);
			if (rc < 0)
				return rc;
		}
		if (ctx->dom->uuid[0] != '\0' &&
		    strcmp(d->uuid, ctx->dom->uuid) == 0) {
			rc = reloc_verdict_add(v, RELOC_SEV_ERROR, "name",
			    "UUID_EXISTS", "the target already runs this "
			    "domain: check for a copy left by an earlier "
			    "migration (xm list on the target)",
			    "a domain with uuid %s already exists on %s (%s)",
			    d->uuid, ctx->dst->hostname, d->name);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}
