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
 * Test fixtures shared by the Check suites: the log capture, paths,
 * temporary files, and waiting for a condition with a deadline.
 */

#include <sys/stat.h>

#include <err.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

static char	*cap_buf;
static size_t	 cap_len;
static size_t	 cap_size;

static void
capture_sink(enum reloc_log_level level, const char *module, const char *msg,
    void *arg)
{
	char	line[1400];
	int	n;

	(void)arg;
	n = snprintf(line, sizeof(line), "%s: %s: %s\n",
	    reloc_log_level_name(level), module, msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	if (getenv("TEST_VERBOSE") != NULL)
		fputs(line, stderr);
	if (cap_len + (size_t)n + 1 > cap_size) {
		cap_size = (cap_len + (size_t)n + 1) * 2;
		if ((cap_buf = realloc(cap_buf, cap_size)) == NULL)
			err(1, "realloc");
	}
	memcpy(cap_buf + cap_len, line, (size_t)n + 1);
	cap_len += (size_t)n;
}

static void
silent_sink(enum reloc_log_level level, const char *module, const char *msg,
    void *arg)
{
	(void)level;
	(void)arg;
	if (getenv("TEST_VERBOSE") != NULL)
		fprintf(stderr, "%s: %s\n", module, msg);
}

void
capture_start(void)
{
	capture_clear();
	reloc_log_set_level(RELOC_LOG_DEBUG);
	reloc_log_set_sink(capture_sink, NULL);
}

void
capture_stop(void)
{
	log_silence();
}

void
capture_clear(void)
{
	cap_len = 0;
	if (cap_buf != NULL)
		cap_buf[0] = '\0';
}

const char *
capture_text(void)
{
	return cap_buf != NULL ? cap_buf : "";
}

size_t
capture_count(const char *needle)
{
	const char	*p = capture_text();
	size_t		 n = 0;

	while ((p = strstr(p, needle)) != NULL) {
		n++;
		p += strlen(needle);
	}
	return n;
}

bool
capture_has(const char *needle)
{
	return capture_count(needle) > 0;
}

void
log_silence(void)
{
	reloc_log_set_level(RELOC_LOG_DEBUG);
	reloc_log_set_sink(silent_sink, NULL);
}

const char *
test_data_path(const char *name)
{
	static char	path[4096];

	if (strncmp(name, "shared/", 7) == 0)
		snprintf(path, sizeof(path), "%s/../shared/%s", TOP_SRCDIR,
		    name + 7);
	else
		snprintf(path, sizeof(path), "%s/tests/data/%s", TOP_SRCDIR,
		    name);
	return path;
}

char *
test_tmpdir(const char *tag)
{
	char	*path;

	if (asprintf(&path, "/tmp/xrelocd-test-%s-XXXXXX", tag) < 0)
		err(1, "asprintf");
	if (mkdtemp(path) == NULL)
		err(1, "mkdtemp %s", path);
	return path;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void
rm_rf(const char *path)
{
	if (path != NULL)
		nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *
write_file(const char *dir, const char *name, const char *text)
{
	char	*path;
	FILE	*f;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		err(1, "asprintf");
	if ((f = fopen(path, "w")) == NULL)
		err(1, "fopen %s", path);
	fputs(text, f);
	if (fclose(f) != 0)
		err(1, "fclose %s", path);
	return path;
}

static long long
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool
wait_until(bool (*pred)(void *), void *arg, unsigned deadline_ms)
{
	struct timespec	 tick = { 0, 10 * 1000 * 1000 };
	long long	 end = now_ms() + deadline_ms;

	while (!pred(arg)) {
		if (now_ms() >= end)
			return false;
		nanosleep(&tick, NULL);
	}
	return true;
}
