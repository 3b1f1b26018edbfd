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
 * CPU: the target must have the source's CPU vendor and every CPU feature
 * the domain runs with, or the guest faults on its first instruction the
 * target lacks.
 */

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "reloc-int.h"
#include "precheck.h"

static bool
has_feature(const struct reloc_hostinfo *hi, const char *name)
{
	size_t	 i;

	for (i = 0; i < hi->nr_cpu_features; i++)
		if (strcmp(hi->cpu_features[i], name) == 0)
			return true;
	return false;
}

static bool
dom_has_feature(const struct reloc_domain *dom, const char *name)
{
	size_t	 i;

	for (i = 0; i < dom->nr_cpu_features; i++)
		if (strcmp(dom->cpu_features[i], name) == 0)
			return true;
	return false;
}

/* Xen's featureset order (word, bit); names Xen does not know go last. */
static long
feature_rank(const char *name)
{
	unsigned	 word, bit;

	if (reloc__xenfacts_feature_lookup(name, &word, &bit) < 0)
		return LONG_MAX;
	return (long)word * 32 + bit;
}

static int
cmp_feature(const void *a, const void *b)
{
	const char	*fa = *(const char *const *)a;
	const char	*fb = *(const char *const *)b;
	long		 ra = feature_rank(fa), rb = feature_rank(fb);

	if (ra != rb)
		return ra < rb ? -1 : 1;
	return strcmp(fa, fb);
}

/* The features the domain uses and dst lacks, sorted, space-separated. */
static int
missing_list(const struct reloc_domain *dom, const struct reloc_hostinfo *dst,
    char **list_r, size_t *n_r)
{
	const char	**miss;
	char		 *list;
	size_t		  i, n = 0, len = 1;

	*list_r = NULL;
	*n_r = 0;
	if ((miss = calloc(dom->nr_cpu_features + 1, sizeof(*miss))) == NULL)
		return RELOC_ERR_NOMEM;
	for (i = 0; i < dom->nr_cpu_features; i++)
		if (!has_feature(dst, dom->cpu_features[i])) {
			miss[n++] = dom->cpu_features[i];
			len += strlen(dom->cpu_features[i]) + 1;
		}
	qsort(miss, n, sizeof(*miss), cmp_feature);
	if (n > 0 && (list = calloc(1, len)) != NULL) {
		for (i = 0; i < n; i++) {
			if (i > 0)
				strcat(list, " ");
			strcat(list, miss[i]);
		}
		*list_r = list;
	}
	free(miss);
	if (n > 0 && *list_r == NULL)
		return RELOC_ERR_NOMEM;
	*n_r = n;
	return 0;
}

static int
check_vendor(const struct reloc_precheck_ctx *ctx, struct reloc_verdict *v)
{
	const struct reloc_hostinfo	*s = ctx->src, *d = ctx->dst;

	if (s->cpu_vendor == NULL || d->cpu_vendor == NULL ||
	    strcmp(s->cpu_vendor, d->cpu_vendor) == 0)
		return 0;
	return reloc_verdict_add(v, RELOC_SEV_ERROR, "cpu", "CPU_VENDOR",
	    "migrate between hosts with CPUs of the same vendor, or shut the "
	    "domain down and start it on the target",
	    "%s: the source %s has %s CPUs, the target %s has %s",
	    ctx->dom->name, s->hostname, s->cpu_vendor, d->hostname,
	    d->cpu_vendor);
}

static void
log_extra(const struct reloc_precheck_ctx *ctx)
{
	size_t	 i, n = 0;

	for (i = 0; i < ctx->dst->nr_cpu_features; i++)
		if (!dom_has_feature(ctx->dom, ctx->dst->cpu_features[i]))
			n++;
	if (n > 0)
		log_debug("precheck", "%s: %s has %zu CPU features the "
		    "domain does not use", ctx->dom->name, ctx->dst->hostname,
		    n);
}

int
reloc__precheck_cpu(const struct reloc_precheck_ctx *ctx,
    struct reloc_verdict *v)
{
	char	*list;
	size_t	 n;
	int	 rc;

	if ((rc = check_vendor(ctx, v)) < 0)
		return rc;
	if (ctx->dom->nr_cpu_features == 0) {
		log_debug("precheck", "%s: no CPU feature list from the "
		    "source: features not checked", ctx->dom->name);
		return 0;
	}
	log_extra(ctx);
	if ((rc = missing_list(ctx->dom, ctx->dst, &list, &n)) < 0 || n == 0)
		return rc;
	rc = reloc_verdict_add(v, RELOC_SEV_ERROR, "cpu",
	    "CPU_FEATURES_MISSING", "start the domain with a CPU feature "
	    "mask both hosts offer (cpuid= in its config), choose a target "
	    "with these features, or give --force cpu",
	    "%s runs with %zu CPU feature%s that %s lacks: %s",
	    ctx->dom->name, n, n == 1 ? "" : "s", ctx->dst->hostname, list);
	free(list);
	return rc;
}
