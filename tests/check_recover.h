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
 * What the two files of the recovery Check suite share: a fake backend, a
 * journal for this host and one for the target, records of web01.
 */

#ifndef TESTS_CHECK_RECOVER_H
#define TESTS_CHECK_RECOVER_H

#include <check.h>

#include "fakehv.h"
#include "reloc.h"

extern char		*jdir;		/* this host's journal */
extern char		*tdir;		/* the target's, for its answers */
extern struct fake	 f;

/* The checked fixture: fresh journals and backend, a silent log. */
void	setup(void);
void	teardown(void);
/* A new record of web01 (peer 127.0.0.1) whose copy here is d. */
void	rec_make(struct reloc_record *r, enum reloc_role role,
	    const struct fake_dom *d, enum reloc_mstate state, bool go);
/* Options on f and jdir, QUERY rounds 10 ms apart. */
void	opts_make(struct reloc_recover_opts *o);
/* r ended with outcome and state, and the journal holds it so. */
void	assert_final(const struct reloc_record *r, int outcome,
	    enum reloc_mstate state);
/* reloc_recover with opts_make's options. */
int	run_recover(struct reloc_record *r);

/* check_recover_ask.c */
TCase	*recover_ask_tcase(void);

#endif /* TESTS_CHECK_RECOVER_H */
