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
 * Replays a fuzz target's corpus without libFuzzer, so make check runs
 * every target over its seeds: each file given (or every file of
 * $srcdir/fuzz/corpus/FUZZ_NAME by default) is fed to
 * LLVMFuzzerTestOneInput once.  Not linked when fuzzing for real.
 */

#include <sys/stat.h>

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"


static int
run_file(const char *path)
{
	static uint8_t	 buf[1 << 21];
	FILE		*f;
	size_t		 n;

	if ((f = fopen(path, "rb")) == NULL) {
		perror(path);
		return 1;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	return 0;
}

static int
run_path(const char *path, unsigned *count)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	char		 file[4096];
	int		 bad = 0;

	if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
		(*count)++;
		return run_file(path);
	}
	if ((d = opendir(path)) == NULL) {
		perror(path);
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		snprintf(file, sizeof(file), "%s/%s", path, de->d_name);
		if (stat(file, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		bad |= run_file(file);
		(*count)++;
	}
	closedir(d);
	return bad;
}

int
main(int argc, char **argv)
{
	const char	*srcdir = getenv("srcdir");
	char		 dir[4096];
	unsigned	 count = 0;
	int		 i, bad = 0;

	if (argc < 2) {
		snprintf(dir, sizeof(dir), "%s/fuzz/corpus/%s",
		    srcdir != NULL ? srcdir : ".", FUZZ_NAME);
		bad = run_path(dir, &count);
	}
	for (i = 1; i < argc; i++)
		bad |= run_path(argv[i], &count);
	printf("fuzz_%s: %u inputs\n", FUZZ_NAME, count);
	return bad != 0 || count == 0 ? 1 : 0;
}
