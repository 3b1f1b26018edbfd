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
 * The daemon fixture: see xrelocd_fixture.h.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "common.h"
#include "xrelocd_fixture.h"

struct fixture		fx;
static struct worker	busy;	/* a job's worker, never looked into */

static int
hook_start(struct xrelocd *x, struct job *j)
{
	(void)x;
	if (fx.starts < sizeof(fx.started) / sizeof(fx.started[0]))
		fx.started[fx.starts] = j;
	fx.starts++;
	if (fx.fail_start)
		return -1;
	if (!fx.no_worker)
		j->worker = &busy;
	return 0;
}

static void
hook_changed(struct xrelocd *x, struct job *j)
{
	(void)x;
	(void)j;
	fx.changes++;
}

static const struct job_hooks hooks = {
	.start = hook_start,
	.changed = hook_changed,
};

void
fx_setup_conf(const char *conf)
{
	log_silence();
	memset(&fx, 0, sizeof(fx));
	TAILQ_INIT(&fx.x.workers);
	TAILQ_INIT(&fx.x.jobs);
	fx.x.next_job = 1;
	ck_assert_ptr_nonnull(fx.x.base = event_base_new());
	if (conf == NULL)
		ck_assert_int_eq(reloc_conf_new_default(&fx.x.conf), 0);
	else
		ck_assert_int_eq(reloc_conf_load_mem("test.sxp", conf,
		    strlen(conf), &fx.x.conf), 0);
	fx.x.job_hooks = &hooks;
	fake_init(&fx.f);
	fx.x.hv = &fake_ops;
	fx.x.hv_priv = &fx.f;
}

void
fx_setup(void)
{
	fx_setup_conf(NULL);
}

void
fx_teardown(void)
{
	job_free_all(&fx.x);
	reloc_conf_free(fx.x.conf);
	event_base_free(fx.x.base);
}

const char *
fx_uuid(const char *domain)
{
	struct fake_dom	*d;

	if ((d = fake_find(&fx.f, domain)) == NULL)
		d = fake_add(&fx.f, domain, RELOC_DS_RUNNING);
	ck_assert_ptr_nonnull(d);
	return d->uuid;
}

int
fx_submit(const char *domain, bool high, struct job **j_r)
{
	struct job_opts	o;
	int		rc;

	(void)fx_uuid(domain);
	memset(&o, 0, sizeof(o));
	ck_assert_ptr_nonnull(o.domain = strdup(domain));
	ck_assert_ptr_nonnull(o.host = strdup("127.0.0.1"));
	ck_assert_ptr_nonnull(o.port = strdup("8002"));
	o.live = true;
	o.high = high;
	ck_assert_int_eq(job_resolve(&fx.x, &o), 0);
	rc = job_submit(&fx.x, &o, j_r);
	job_opts_dispose(&o);
	return rc;
}
