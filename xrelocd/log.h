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
 * The daemon's and xm's logging shorthands over libreloc's sink.
 */

#ifndef XRELOCD_LOG_H
#define XRELOCD_LOG_H

#include "reloc.h"

#define log_warn(mod, ...)	reloc_log_errno(RELOC_LOG_WARN, mod, __VA_ARGS__)
#define log_warnx(mod, ...)	reloc_log(RELOC_LOG_WARN, mod, __VA_ARGS__)
#define log_err(mod, ...)	reloc_log_errno(RELOC_LOG_ERR, mod, __VA_ARGS__)
#define log_errx(mod, ...)	reloc_log(RELOC_LOG_ERR, mod, __VA_ARGS__)
#define log_info(mod, ...)	reloc_log(RELOC_LOG_INFO, mod, __VA_ARGS__)
#define log_debug(mod, ...)	reloc_log(RELOC_LOG_DEBUG, mod, __VA_ARGS__)

/* Start-up failures and broken invariants only. */
void	fatal(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void	fatalx(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#endif /* XRELOCD_LOG_H */
