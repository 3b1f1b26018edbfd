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
 * The log sink: libreloc's only way to say anything.  The default sink
 * writes to stderr; programs and tests install their own.
 */

#include <errno.h>
#include <stdarg.h>
#include <time.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "reloc-int.h"

static void	default_sink(enum reloc_log_level, const char *, const char *,
		    void *);

static reloc_log_fn		 sink = default_sink;
static void			*sink_arg;
static enum reloc_log_level	 max_level = RELOC_LOG_INFO;

static const char *const level_names[] = {
	[RELOC_LOG_ERR] = "err",
	[RELOC_LOG_WARN] = "warn",
	[RELOC_LOG_INFO] = "info",
	[RELOC_LOG_DEBUG] = "debug",
};

static void
default_sink(enum reloc_log_level level, const char *module, const char *msg,
    void *arg)
{
	(void)arg;
	fprintf(stderr, "%s: %s: %s\n", level_names[level], module, msg);
}

void
reloc_log_set_sink(reloc_log_fn fn, void *arg)
{
	sink = fn != NULL ? fn : default_sink;
	sink_arg = fn != NULL ? arg : NULL;
}

void
reloc_log_set_level(enum reloc_log_level level)
{
	max_level = level;
}

enum reloc_log_level
reloc_log_get_level(void)
{
	return max_level;
}

const char *
reloc_log_level_name(enum reloc_log_level level)
{
	if ((unsigned)level > RELOC_LOG_DEBUG)
		return "?";
	return level_names[level];
}

int
reloc_log_level_parse(const char *s, enum reloc_log_level *level_r)
{
	static const struct {
		const char		*name;
		enum reloc_log_level	 level;
	} names[] = {
		{ "err", RELOC_LOG_ERR }, { "error", RELOC_LOG_ERR },
		{ "critical", RELOC_LOG_ERR },
		{ "warn", RELOC_LOG_WARN }, { "warning", RELOC_LOG_WARN },
		{ "info", RELOC_LOG_INFO }, { "debug", RELOC_LOG_DEBUG },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcasecmp(s, names[i].name) == 0) {
			*level_r = names[i].level;
			return 0;
		}
	}
	return RELOC_ERR_INVAL;
}

bool
reloc__log_enabled(enum reloc_log_level level)
{
	return level <= max_level;
}

size_t
reloc_log_vis(char *dst, size_t size, const char *src)
{
	const unsigned char	*p;
	char			 e[8];
	size_t			 n = 0, elen;

	if (size == 0)
		return 0;
	for (p = (const unsigned char *)src; *p != '\0'; p++) {
		if (*p >= 0x20 && *p != 0x7f) {
			e[0] = (char)*p;
			e[1] = '\0';
		} else if (*p == '\n' || *p == '\r' || *p == '\t')
			snprintf(e, sizeof(e), "\\%c", *p == '\n' ? 'n' :
			    *p == '\r' ? 'r' : 't');
		else
			snprintf(e, sizeof(e), "\\x%02x", *p);
		elen = strlen(e);
		if (n + elen >= size)
			break;
		memcpy(dst + n, e, elen);
		n += elen;
	}
	dst[n] = '\0';
	return n;
}

bool
reloc_log_rate_allow(struct reloc_log_rate *lr, unsigned burst,
    unsigned interval_s, unsigned *dropped_r)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (lr->start_s == 0 || now.tv_sec - lr->start_s >=
	    (int64_t)interval_s) {
		lr->start_s = now.tv_sec;
		lr->logged = 0;
	}
	if (lr->logged >= burst) {
		lr->dropped++;
		return false;
	}
	lr->logged++;
	*dropped_r = lr->dropped;
	lr->dropped = 0;
	return true;
}

/* One line, whatever the strings in it held: see reloc_log_vis(). */
static void
vlog(enum reloc_log_level level, const char *module, int errnum,
    const char *fmt, va_list ap)
{
	char	msg[1024], vis[1024];
	size_t	len;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (errnum != 0) {
		len = strlen(msg);
		snprintf(msg + len, sizeof(msg) - len, ": %s",
		    strerror(errnum));
	}
	reloc_log_vis(vis, sizeof(vis), msg);
	sink(level, module, vis, sink_arg);
}

#define LOG_BODY(errnum_expr) do {					\
	va_list	ap;							\
	int	saved = errno;						\
									\
	if (!reloc__log_enabled(level))					\
		return;							\
	va_start(ap, fmt);						\
	vlog(level, module, (errnum_expr), fmt, ap);			\
	va_end(ap);							\
	errno = saved;							\
} while (0)

void
reloc__log(enum reloc_log_level level, const char *module, const char *fmt,
    ...)
{
	LOG_BODY(0);
}

void
reloc__log_errno(enum reloc_log_level level, const char *module,
    const char *fmt, ...)
{
	LOG_BODY(saved);
}

void
reloc_log(enum reloc_log_level level, const char *module, const char *fmt,
    ...)
{
	LOG_BODY(0);
}

void
reloc_log_errno(enum reloc_log_level level, const char *module,
    const char *fmt, ...)
{
	LOG_BODY(saved);
}
