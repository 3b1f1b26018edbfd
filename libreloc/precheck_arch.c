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
 * Architecture and virtualization: the target's Xen must run the domain's
 * type on the same architecture, an HVM guest's saved state only restores
 * under the same extensions (VT-x or SVM), and a live migration needs
 * log-dirty paging on both hosts.
 */

#include <string.h>

#include "reloc-int.h"
#include "precheck.h"

enum vfamily {
	VF_UNKNOWN,
	VF_VMX,		/* Intel VT-x, and CPUs that implement it */
	VF_SVM,		/* AMD-V */
};

static const struct {
	const char	*vendor;
	enum vfamily	 family;
} vendors[] = {
	{ "GenuineIntel", VF_VMX },
	{ "CentaurHauls", VF_VMX },
	{ "  Shanghai  ", VF_VMX },
	{ "AuthenticAMD", VF_SVM },
	{ "HygonGenuine", VF_SVM },
};

static enum vfamily
vfamily_of(const char *vendor)
{
	size_t	 i;

	for (i = 0; vendor != NULL && i < sizeof(vendors) /
	    sizeof(vendors[0]); i++)
		if (strcmp(vendors[i].vendor, vendor) == 0)
			return vendors[i].family;
	return VF_UNKNOWN;
}

static const char *
vfamily_name(enum vfamily f)
{
	return f == VF_SVM ? "SVM (AMD-V)" : "VT-x";
}

/* "a PV", "a PVH", "an HVM", for messages. */
static const char *
type_label(enum reloc_dom_type t)
{
	return t == RELOC_DOM_PV ? "a PV" : t == RELOC_DOM_PVH ? "a PVH" :
	    "an HVM";
}

static const char *
str_or(const char *s, const char *def)
{
	return s != NULL && *s != '\0' ? s : def;
}

static int
check_arch(const struct reloc_precheck_ctx *ctx, struct reloc_verdict *v)
{
	const struct reloc_hostinfo	*s = ctx->src, *d = ctx->dst;

	if (s->arch == NULL || d->arch == NULL || strcmp(s->arch, d->arch) == 0)
		return 0;
	return reloc_verdict_add(v, RELOC_SEV_ERROR, "arch", "ARCH_DIFFERS",
	    "choose a target of the same architecture",
	    "%s: the source %s is %s, the target %s is %s", ctx->dom->name,
	    s->hostname, s->arch, d->hostname, d->arch);
}

static int
check_type(const struct reloc_precheck_ctx *ctx, struct reloc_verdict *v)
{
	const struct reloc_hostinfo	*d = ctx->dst;
	const char			*type = type_label(ctx->dom->type);
	enum vfamily			 sf, df;

	if (ctx->dom->type == RELOC_DOM_PV && !d->cap_pv)
		return reloc_verdict_add(v, RELOC_SEV_ERROR, "arch",
		    "ARCH_TYPE", "choose a target whose Xen runs PV guests, "
		    "or give --force arch",
		    "%s is a PV domain, but Xen on %s cannot run PV guests "
		    "(capabilities: %s)", ctx->dom->name, d->hostname,
		    str_or(d->caps, "none"));
	if (ctx->dom->type != RELOC_DOM_PV && !d->cap_hvm)
		return reloc_verdict_add(v, RELOC_SEV_ERROR, "arch",
		    "ARCH_TYPE", "enable VT-x or SVM in the target's firmware, "
		    "or choose another target",
		    "%s is %s domain, but Xen on %s has no hardware "
		    "virtualization (capabilities: %s)", ctx->dom->name, type,
		    d->hostname, str_or(d->caps, "none"));
	if (ctx->dom->type != RELOC_DOM_HVM)
		return 0;
	sf = vfamily_of(ctx->src->cpu_vendor);
	df = vfamily_of(d->cpu_vendor);
	if (sf == VF_UNKNOWN || df == VF_UNKNOWN || sf == df)
		return 0;
	return reloc_verdict_add(v, RELOC_SEV_ERROR, "arch",
	    "ARCH_VIRT_FAMILY", "migrate HVM domains between hosts of the "
	    "same CPU vendor family",
	    "%s is an HVM domain running under %s on %s; %s only has %s",
	    ctx->dom->name, vfamily_name(sf), ctx->src->hostname,
	    d->hostname, vfamily_name(df));
}

/* Live migration re-sends dirtied pages: both hosts need log-dirty mode. */
static int
check_logdirty(const struct reloc_precheck_ctx *ctx, struct reloc_verdict *v,
    const struct reloc_hostinfo *hi, const char *role)
{
	bool		 pv = ctx->dom->type == RELOC_DOM_PV;
	const char	*need = pv ? "shadow paging" : "HAP or shadow paging";

	if (!ctx->live || hi->cap_shadow || (!pv && hi->cap_hap))
		return 0;
	return reloc_verdict_add(v, RELOC_SEV_ERROR, "arch", "ARCH_LOGDIRTY",
	    "migrate without -l (the domain pauses for the whole copy), or "
	    "run a Xen built with shadow paging (CONFIG_SHADOW_PAGING)",
	    "%s: live migration of %s domain needs log-dirty mode, and Xen "
	    "on the %s %s lacks %s", ctx->dom->name,
	    type_label(ctx->dom->type), role, hi->hostname, need);
}

int
reloc__precheck_arch(const struct reloc_precheck_ctx *ctx,
    struct reloc_verdict *v)
{
	int	 rc;

	if ((rc = check_arch(ctx, v)) < 0 || (rc = check_type(ctx, v)) < 0 ||
	    (rc = check_logdirty(ctx, v, ctx->dst, "target")) < 0 ||
	    (rc = check_logdirty(ctx, v, ctx->src, "source")) < 0)
		return rc;
	return 0;
}
