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
 * The fake control server and job-status builders check_xm uses.
 */

#ifndef TESTS_XM_FAKE_H
#define TESTS_XM_FAKE_H

#include <sys/types.h>

#include <stdbool.h>

#include <check.h>

#include "reloc.h"

/* A job status of web01 to hostB as xrelocd sends it. */
struct reloc_xv *fake_status(const char *state, int exit_code,
	    const char *msg);
void	fake_add_progress(struct reloc_xv *st);
void	fake_add_summary(struct reloc_xv *st);
/* check_xm_budget.c: the downtime budget's options and progress. */
TCase	*xm_budget_tcase(void);
/* check_xm_failed.c: the final line of a move that failed. */
TCase	*xm_failed_tcase(void);
void	fake_add_finding(struct reloc_xv *st, const char *sev,
	    const char *check, const char *code, const char *msg,
	    const char *fix);

/*
 * Serve canned answers on path from a child; stop kills it.  Without
 * with_wait it is an xrelocd older than xrelocd.job.wait.  Its method
 * fake.calls answers {status, wait}: the job.status and job.wait calls
 * it got.
 */
pid_t	fake_server_start(const char *path, bool with_wait);
void	fake_server_stop(pid_t pid);

#endif /* TESTS_XM_FAKE_H */
