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
 * Shared test fixtures: a log sink that captures messages so tests can
 * assert on them, and paths to the source and build trees.
 */

#ifndef TESTS_COMMON_H
#define TESTS_COMMON_H

#include <stdbool.h>
#include <stddef.h>

#include "reloc.h"

/* Install a sink that captures every message (and prints with -v). */
void	 capture_start(void);
/* Stop capturing and restore a silent sink. */
void	 capture_stop(void);
/* All captured lines, "level: module: msg\n" each (borrowed). */
const char *capture_text(void);
/* How many captured lines contain needle. */
size_t	 capture_count(const char *needle);
bool	 capture_has(const char *needle);
void	 capture_clear(void);

/*
 * The deadline of every wait in the tests, in milliseconds: generous,
 * since a test waits for a condition and a loaded machine is slow, not
 * wrong.  Only a condition that never comes takes this long.
 */
#define WAIT_MS		60000

/*
 * Call pred(arg) every 10 ms until it returns true, for at most
 * deadline_ms of wall-clock time.  True if it did; never asserts.
 */
bool	 wait_until(bool (*pred)(void *), void *arg, unsigned deadline_ms);

/* Silence libreloc's log (fixtures call this). */
void	 log_silence(void);

/* A path under the source tree's tests/data or shared/testdata. */
const char *test_data_path(const char *name);
/* Make a fresh temporary directory (removed by rm_rf). */
char	*test_tmpdir(const char *tag);
void	 rm_rf(const char *path);
/* Write a file, returning its path in dir (malloc'ed). */
char	*write_file(const char *dir, const char *name, const char *text);

#endif /* TESTS_COMMON_H */
