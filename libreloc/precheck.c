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
 * The precheck table and its runner.  Each check lives in its own
 * precheck_<what>.c and appends findings; the runner marks the errors of
 * checks the admin forced.
 */

#include <string.h>

#include "reloc-int.h"
#include "precheck.h"

/*
 * recheck: the answer can change while memory streams (another domain
 * arrives, memory is taken, a bridge or a disk goes), so the target asks
 * again just before READY.  The host's CPU, architecture and version, and
 * the domain's own devices, cannot change in that time.
 */
static const struct precheck {
	const char	*name;
	bool		 forcible;
	bool		 recheck;
	int		(*run)(const struct reloc_precheck_ctx *,
			    struct reloc_verdict *);
} checks[] = {
	{ "name",        false, true,  reloc__precheck_name },
	{ "memory",      true,  true,  reloc__precheck_memory },
	{ "version",     true,  false, reloc__precheck_version },
	{ "family",      true,  false, reloc__precheck_family },
	{ "arch",        true,  false, reloc__precheck_arch },
	{ "cpu",         true,  false, reloc__precheck_cpu },
	{ "l2",          true,  true,  reloc__precheck_l2 },
	{ "storage",     true,  true,  reloc__precheck_storage },
	{ "media",       true,  false, reloc__precheck_media },
	{ "passthrough", true,  false, reloc__precheck_passthrough },
};

#define NR_CHECKS	(sizeof(checks) / sizeof(checks[0]))

const char *const *
reloc_precheck_names(void)
{
	static const char	*names[NR_CHECKS + 1];
	size_t			 i;

	for (i = 0; i < NR_CHECKS; i++)
		names[i] = checks[i].name;
	names[NR_CHECKS] = NULL;
	return names;
}

bool
reloc_precheck_forcible(const char *name)
{
	size_t	i;

	for (i = 0; i < NR_CHECKS; i++)
		if (strcmp(checks[i].name, name) == 0)
			return checks[i].forcible;
	return false;
}

static bool
is_forced(const struct reloc_precheck_ctx *ctx, const struct precheck *c)
{
	size_t	i;

	if (!c->forcible)
		return false;
	for (i = 0; i < ctx->nr_force; i++)
		if (strcmp(ctx->force[i], c->name) == 0)
			return true;
	return false;
}

static int
run_checks(const struct reloc_precheck_ctx *ctx, struct reloc_verdict *v,
    bool only_recheck)
{
	size_t	i, j, first;
	int	rc;

	for (i = 0; i < NR_CHECKS; i++) {
		if (only_recheck && !checks[i].recheck)
			continue;
		first = v->nr_findings;
		if ((rc = checks[i].run(ctx, v)) < 0) {
			log_warnx("precheck", "check %s could not run: %s",
			    checks[i].name, reloc_strerror(rc));
			return rc;
		}
		if (!is_forced(ctx, &checks[i]))
			continue;
		for (j = first; j < v->nr_findings; j++) {
			if (v->findings[j].severity != RELOC_SEV_ERROR)
				continue;
			v->findings[j].forced = true;
			log_warnx("precheck", "domain %s: check %s forced by "
			    "the admin: %s", ctx->dom->name, checks[i].name,
			    v->findings[j].message);
		}
	}
	return 0;
}

int
reloc_precheck_run(const struct reloc_precheck_ctx *ctx,
    struct reloc_verdict *v)
{
	return run_checks(ctx, v, false);
}

int
reloc_precheck_recheck(const struct reloc_precheck_ctx *ctx,
    struct reloc_verdict *v)
{
	if (ctx->incoming == NULL)
		return RELOC_ERR_INVAL;
	return run_checks(ctx, v, true);
}

bool
reloc_precheck_rechecked(const char *name)
{
	size_t	i;

	for (i = 0; i < NR_CHECKS; i++)
		if (strcmp(checks[i].name, name) == 0)
			return checks[i].recheck;
	return false;
}
