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
 * Storage: a domain's disks are not copied, so every disk's backing path
 * must already be visible on the target (shared storage), and should be
 * the same size there.  Blocks on stat(2) of each path.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "reloc-int.h"
#include "precheck.h"

#define VDEV(d)		((d)->vdev != NULL ? (d)->vdev : "?")
#define LOWER_DIGITS	"abcdefghijklmnopqrstuvwxyz0123456789"

/* The path behind xl's "phy:", "file:", "tap:aio:" prefixes. */
static const char *
backing_path(const char *p)
{
	size_t	 n;

	while (*p != '/') {
		n = strspn(p, LOWER_DIGITS);
		if (n == 0 || p[n] != ':')
			break;
		p += n + 1;
	}
	return p;
}

/* Size in bytes of a file or block device; 0 when it cannot be told. */
static uint64_t
path_size(const char *path, const struct stat *st)
{
	off_t	 end;
	int	 fd;

	if (S_ISREG(st->st_mode))
		return (uint64_t)st->st_size;
	if (!S_ISBLK(st->st_mode))
		return 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		log_debug("precheck", "open %s: %s", path, strerror(errno));
		return 0;
	}
	end = lseek(fd, 0, SEEK_END);
	close(fd);
	return end > 0 ? (uint64_t)end : 0;
}

static int
check_size(const struct reloc_precheck_ctx *ctx, struct reloc_verdict *v,
    const struct reloc_disk *disk, const char *path, const struct stat *st)
{
	uint64_t	 have = path_size(path, st);

	if (disk->size == 0 || have == 0 || have == disk->size)
		return 0;
	return reloc_verdict_add(v, RELOC_SEV_WARNING, "storage",
	    "STORAGE_SIZE", "check that both hosts see the same storage at "
	    "this path", "%s: disk %s's backing %s is %llu bytes on %s but "
	    "%llu bytes on %s", ctx->dom->name, VDEV(disk), path,
	    (unsigned long long)have, ctx->dst->hostname,
	    (unsigned long long)disk->size, ctx->src->hostname);
}

static int
check_disk(const struct reloc_precheck_ctx *ctx, struct reloc_verdict *v,
    const struct reloc_disk *disk)
{
	const char	*path;
	struct stat	 st;

	/* Removable media are the media check's. */
	if (disk->removable || disk->path == NULL || *disk->path == '\0')
		return 0;
	path = backing_path(disk->path);
	if (*path != '/')
		return reloc_verdict_add(v, RELOC_SEV_WARNING, "storage",
		    "STORAGE_UNCHECKED", "check by hand that the target "
		    "reaches this storage",
		    "%s: disk %s is backed by %s, not a path: not checked on "
		    "%s", ctx->dom->name, VDEV(disk), disk->path,
		    ctx->dst->hostname);
	if (stat(path, &st) == -1)
		return reloc_verdict_add(v, RELOC_SEV_ERROR, "storage",
		    "STORAGE_MISSING", "put the disk on storage both hosts "
		    "share (NFS, iSCSI, a cluster LV) under the same path, or "
		    "give --force storage",
		    "%s: disk %s's backing %s is not visible on %s (%s): "
		    "shared storage is required", ctx->dom->name, VDEV(disk),
		    path, ctx->dst->hostname, strerror(errno));
	return check_size(ctx, v, disk, path, &st);
}

int
reloc__precheck_storage(const struct reloc_precheck_ctx *ctx,
    struct reloc_verdict *v)
{
	size_t	 i;
	int	 rc;

	for (i = 0; i < ctx->dom->nr_disks; i++)
		if ((rc = check_disk(ctx, v, &ctx->dom->disks[i])) < 0)
			return rc;
	return 0;
}
