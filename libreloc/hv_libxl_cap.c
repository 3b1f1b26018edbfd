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
 * Auto-converge on Xen: the guest's throttle as the scheduler's cap,
 * remembered and put back exactly as it was (weight and cap).  No libxl
 * here: the libxl backend passes its sched_params calls, the tests a
 * recorder.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "converge-int.h"

static void
note_path(const char *dir, uint32_t domid, const char *suffix, char *buf,
    size_t len)
{
	snprintf(buf, len, "%s/throttle.%" PRIu32 "%s", dir, domid, suffix);
}

/* Durable before the cap changes: write, sync, rename. */
static int
note_write(const struct reloc__cap *c)
{
	char	 tmp[4096], path[4096], line[128];
	int	 fd, n, ok;

	note_path(c->note_dir, c->domid, ".tmp", tmp, sizeof(tmp));
	note_path(c->note_dir, c->domid, "", path, sizeof(path));
	n = snprintf(line, sizeof(line), "%s %d %d\n", c->uuid, c->weight,
	    c->cap);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1) {
		log_warn("hv", "domain %u: not throttled: %s", c->domid, tmp);
		return reloc__errno_to_err(errno);
	}
	ok = write(fd, line, (size_t)n) == n && fsync(fd) == 0;
	ok = close(fd) == 0 && ok && rename(tmp, path) == 0;
	if (!ok) {
		log_warn("hv", "domain %u: not throttled: %s", c->domid, path);
		(void)unlink(tmp);
		return RELOC_ERR_IO;
	}
	return 0;
}

static void
note_drop(const struct reloc__cap *c)
{
	char	 path[4096];

	if (c->note_dir == NULL)
		return;
	note_path(c->note_dir, c->domid, "", path, sizeof(path));
	if (unlink(path) == -1 && errno != ENOENT)
		log_warn("hv", "domain %u: remove %s", c->domid, path);
}

int
reloc__cap_note_take(const char *dir, uint32_t domid, const char *uuid,
    int *weight_r, int *cap_r)
{
	char	 path[4096], u[40];
	FILE	*f;
	int	 w, cap, n;

	note_path(dir, domid, "", path, sizeof(path));
	if ((f = fopen(path, "re")) == NULL)
		return RELOC_ERR_NOENT;
	n = fscanf(f, "%39s %d %d", u, &w, &cap);
	fclose(f);
	(void)unlink(path);
	if (n != 3 || strcasecmp(u, uuid) != 0) {
		log_warnx("hv", "domain %u: stale throttle note %s removed",
		    (unsigned)domid, path);
		return RELOC_ERR_NOENT;
	}
	*weight_r = w;
	*cap_r = cap;
	return 0;
}

void
reloc__cap_init(struct reloc__cap *c, const struct reloc__cap_ops *ops,
    void *arg, uint32_t domid, unsigned vcpus)
{
	memset(c, 0, sizeof(*c));
	c->ops = ops;
	c->arg = arg;
	c->domid = domid;
	c->vcpus = vcpus != 0 ? vcpus : 1;
}

int
reloc__cap_set(struct reloc__cap *c, unsigned pct)
{
	long	 allowed, cap;
	int	 rc;

	if (pct == 0)
		return reloc__cap_restore(c);
	if (pct == c->pct)
		return 0;
	if (!c->held) {
		if ((rc = c->ops->get(c->arg, c->domid, &c->weight,
		    &c->cap)) < 0 ||
		    (c->note_dir != NULL && (rc = note_write(c)) < 0))
			return rc;
		c->held = true;
	}
	/* A share of what it may use now: its cap, or all its vcpus. */
	allowed = c->cap > 0 ? c->cap : 100l * (long)c->vcpus;
	cap = allowed * (100 - (long)(pct > 99 ? 99 : pct)) / 100;
	if (cap < 1)
		cap = 1;
	if ((rc = c->ops->set(c->arg, c->domid, c->weight, (int)cap)) < 0)
		return rc;
	c->pct = pct;
	log_info("hv", "domain %u: throttled %u%%: cap %ld (was %d)",
	    (unsigned)c->domid, pct, cap, c->cap);
	return 0;
}

int
reloc__cap_restore(struct reloc__cap *c)
{
	int	 rc;

	if (!c->held)
		return 0;
	if ((rc = c->ops->set(c->arg, c->domid, c->weight, c->cap)) < 0) {
		log_warnx("hv", "domain %u: cap %d, weight %d not restored",
		    (unsigned)c->domid, c->cap, c->weight);
		return rc;
	}
	log_info("hv", "domain %u: throttle removed: cap %d, weight %d",
	    (unsigned)c->domid, c->cap, c->weight);
	note_drop(c);
	c->held = false;
	c->pct = 0;
	return 0;
}
