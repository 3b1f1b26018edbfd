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
 * A daemon set up by hand for the jobs and control suites: its event
 * base, a configuration, the fake backend, and job hooks that count their
 * calls instead of starting workers.
 */

#ifndef TESTS_XRELOCD_FIXTURE_H
#define TESTS_XRELOCD_FIXTURE_H

#include "fakehv.h"
#include "xrelocd.h"

struct fixture {
	struct xrelocd	 x;
	struct fake	 f;
	bool		 fail_start;	/* the start hook fails */
	bool		 no_worker;	/* it leaves j->worker NULL */
	unsigned	 starts;	/* start hook calls */
	unsigned	 changes;	/* changed hook calls */
	struct job	*started[128];	/* in order */
};

extern struct fixture	fx;

/* The checked fixture: CONF is the file's text (NULL: the defaults). */
void	fx_setup_conf(const char *conf);
void	fx_setup(void);
void	fx_teardown(void);
/*
 * Queue a source job for the domain (added to the fake backend running
 * when missing) to 127.0.0.1 with priority high or standard: 0 or the
 * job_submit error.
 */
int	fx_submit(const char *domain, bool high, struct job **j_r);
/* The uuid the fake backend gives domain (added if missing). */
const char *fx_uuid(const char *domain);

#endif /* TESTS_XRELOCD_FIXTURE_H */
