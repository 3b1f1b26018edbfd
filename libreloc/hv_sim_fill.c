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
 * What a new sim domain's memory holds: random bytes, nothing (zero), or
 * a realistic mix of zero, text and random blocks, so that zero-page
 * elision and compression meet what a real guest's memory looks like.
 */

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hv_sim.h"

#define FILL_BLOCK	(64u << 10)	/* bytes of one kind in a row */
#define TEXT_DIR	"/usr/share/common-licenses"
#define TEXT_MAX	(1u << 20)	/* system text read at most */
#define TEXT_MIN	(64u << 10)	/* less: generate the rest */

enum kind { K_ZERO, K_TEXT, K_RANDOM };

struct text {
	char		*buf;
	size_t		 len;
	size_t		 pos;		/* where the next block starts */
};

/* The guest's and the fills' generator: xorshift64*, state never 0. */
uint64_t
reloc__sim_xorshift(uint64_t *s)
{
	uint64_t	 x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dull;
}

static void
fill_random(uint8_t *mem, uint64_t bytes, uint64_t *s)
{
	uint64_t	*w = (uint64_t *)mem, i;

	for (i = 0; i < bytes / 8; i++)
		w[i] = reloc__sim_xorshift(s);
}

/* Append the regular files of TEXT_DIR to t, up to TEXT_MAX bytes. */
static void
text_read_dir(struct text *t)
{
	DIR		*d;
	struct dirent	*e;
	ssize_t		 n;
	int		 dfd, fd;

	if ((d = opendir(TEXT_DIR)) == NULL)
		return;
	dfd = dirfd(d);
	while ((e = readdir(d)) != NULL && t->len < TEXT_MAX) {
		if (e->d_name[0] == '.' ||
		    (fd = openat(dfd, e->d_name, O_RDONLY | O_CLOEXEC)) == -1)
			continue;
		while (t->len < TEXT_MAX && (n = read(fd, t->buf + t->len,
		    TEXT_MAX - t->len)) > 0)
			t->len += (size_t)n;
		close(fd);
	}
	closedir(d);
}

/* Words in lines, after whatever the system gave, up to TEXT_MIN. */
static void
text_generate(struct text *t, uint64_t *s)
{
	static const char *const words[] = { "the", "domain", "memory",
	    "page", "of", "a", "host", "and", "to", "migrate", "is", "in",
	    "relocation", "service", "xen", "guest", "kernel", "for", "with",
	    "network", "storage", "license", "software", "copy", "that" };
	const size_t	 nw = sizeof(words) / sizeof(words[0]);
	size_t		 col = 0, wl;
	const char	*w;

	while (t->len < TEXT_MIN) {
		w = words[reloc__sim_xorshift(s) % nw];
		wl = strlen(w);
		memcpy(t->buf + t->len, w, wl);
		t->len += wl;
		col += wl + 1;
		t->buf[t->len++] = col > 72 ? '\n' : ' ';
		if (col > 72)
			col = 0;
	}
}

static int
text_load(struct text *t, uint64_t *s)
{
	if ((t->buf = malloc(TEXT_MAX + TEXT_MIN + 64)) == NULL)
		return RELOC_ERR_NOMEM;
	t->len = t->pos = 0;
	text_read_dir(t);
	text_generate(t, s);
	return 0;
}

/* One block of text: the corpus again from where the last block ended. */
static void
fill_text(struct text *t, uint8_t *dst, uint64_t bytes)
{
	size_t	 done = 0, n;

	while (done < bytes) {
		n = t->len - t->pos;
		if (n > bytes - done)
			n = (size_t)(bytes - done);
		memcpy(dst + done, t->buf + t->pos, n);
		done += n;
		t->pos = (t->pos + n) % t->len;
	}
}

/*
 * Realistic: groups of four blocks, two zero, one text, one random, in
 * an order drawn for each group, so every stretch of memory is a mix.
 * Zero blocks are not written: the memory file reads as zero there.
 */
static int
fill_realistic(uint8_t *mem, uint64_t bytes, uint64_t *s)
{
	enum kind	 g[4];
	struct text	 t;
	uint64_t	 off, len, i, j, r;
	enum kind	 k;
	int		 rc;

	if ((rc = text_load(&t, s)) < 0)
		return rc;
	for (off = 0, i = 0; off < bytes; off += len, i++) {
		if (i % 4 == 0) {
			g[0] = g[1] = K_ZERO;
			g[2] = K_TEXT;
			g[3] = K_RANDOM;
			for (j = 3; j > 0; j--) {
				r = reloc__sim_xorshift(s) % (j + 1);
				k = g[j];
				g[j] = g[r];
				g[r] = k;
			}
		}
		len = bytes - off < FILL_BLOCK ? bytes - off : FILL_BLOCK;
		if (g[i % 4] == K_TEXT)
			fill_text(&t, mem + off, len);
		else if (g[i % 4] == K_RANDOM)
			fill_random(mem + off, len, s);
	}
	free(t.buf);
	return 0;
}

/*
 * Fill a new domain's memory (pages, mapped read-write over a file that
 * reads as zero) as fill says; seed picks the random bytes and the order
 * of blocks.  RELOC_ERR_NOMEM when the text buffer cannot be had.
 */
int
reloc__sim_fill(uint8_t *mem, uint64_t pages, enum reloc__sim_fill fill,
    uint64_t seed)
{
	uint64_t	 s = seed | 1;

	switch (fill) {
	case RELOC_SIM_FILL_RANDOM:
		fill_random(mem, pages << SIM_PAGE_SHIFT, &s);
		return 0;
	case RELOC_SIM_FILL_REALISTIC:
		return fill_realistic(mem, pages << SIM_PAGE_SHIFT, &s);
	case RELOC_SIM_FILL_ZERO:
	case RELOC_SIM_FILL_SPARSE:
		return 0;
	}
	return RELOC_ERR_INVAL;
}

bool
reloc__sim_fill_parse(const char *str, enum reloc__sim_fill *fill_r)
{
	if (strcmp(str, "random") == 0)
		*fill_r = RELOC_SIM_FILL_RANDOM;
	else if (strcmp(str, "zero") == 0)
		*fill_r = RELOC_SIM_FILL_ZERO;
	else if (strcmp(str, "realistic") == 0)
		*fill_r = RELOC_SIM_FILL_REALISTIC;
	else
		return false;
	return true;
}
