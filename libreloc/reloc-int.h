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
 * Private prototypes shared between libreloc's files, grouped by the file
 * that defines them.  Nothing here is installed.
 */

#ifndef RELOC_INT_H
#define RELOC_INT_H

#include "reloc.h"

/* log.c */
void	reloc__log(enum reloc_log_level level, const char *module,
	    const char *fmt, ...) RELOC_PRINTF(3, 4);
/* Like reloc__log, with ": strerror(errno)" appended. */
void	reloc__log_errno(enum reloc_log_level level, const char *module,
	    const char *fmt, ...) RELOC_PRINTF(3, 4);
bool	reloc__log_enabled(enum reloc_log_level level);

#define log_warn(mod, ...)	reloc__log_errno(RELOC_LOG_WARN, mod, __VA_ARGS__)
#define log_warnx(mod, ...)	reloc__log(RELOC_LOG_WARN, mod, __VA_ARGS__)
#define log_err(mod, ...)	reloc__log_errno(RELOC_LOG_ERR, mod, __VA_ARGS__)
#define log_errx(mod, ...)	reloc__log(RELOC_LOG_ERR, mod, __VA_ARGS__)
#define log_info(mod, ...)	reloc__log(RELOC_LOG_INFO, mod, __VA_ARGS__)
#define log_debug(mod, ...)	reloc__log(RELOC_LOG_DEBUG, mod, __VA_ARGS__)

/* err.c */
/* Map an errno value to the closest reloc_err. */
int	reloc__errno_to_err(int e);

#endif /* RELOC_INT_H */
