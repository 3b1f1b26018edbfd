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
 * The libxl backend's description of a domain, in plain C: appending the
 * devices libxl lists (vifs, disks, passthrough devices) to a struct
 * reloc_domain, disk sizes, and the config blob as libxl reads it back.
 */

#include <sys/stat.h>
#include <sys/types.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reloc-int.h"

/* Grow an array by one zeroed element; *n counts it at once. */
static void *
grow(void *arr, size_t *n, size_t size)
{
	char	*a;

	if ((a = reallocarray(arr, *n + 1, size)) == NULL) {
		log_warn("hv", "reallocarray");
		return NULL;
	}
	memset(a + *n * size, 0, size);
	(*n)++;
	return a;
}

static int
dup_opt(const char *s, char **dst)
{
	if (s == NULL || *s == '\0')
		return 0;
	return reloc__xenfacts_dup(s, dst);
}

int
reloc__xendom_add_vif(struct reloc_domain *d, const uint8_t mac[6],
    const char *bridge, const char *ip)
{
	struct reloc_vif	*v;
	int			 rc;

	if ((v = grow(d->vifs, &d->nr_vifs, sizeof(*v))) == NULL)
		return RELOC_ERR_NOMEM;
	d->vifs = v;
	v += d->nr_vifs - 1;
	if (asprintf(&v->mac, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
	    mac[2], mac[3], mac[4], mac[5]) < 0) {
		v->mac = NULL;
		return RELOC_ERR_NOMEM;
	}
	if ((rc = dup_opt(bridge, &v->bridge)) < 0)
		return rc;
	/* xl's ip= may list several addresses; the first is enough. */
	if (ip != NULL && *ip != '\0' &&
	    (v->ip = strndup(ip, strcspn(ip, " "))) == NULL)
		return RELOC_ERR_NOMEM;
	return 0;
}

uint64_t
reloc__xendom_disk_size(const char *path)
{
	struct stat	 st;
	off_t		 end;
	int		 fd;

	if (path == NULL || path[0] != '/' || stat(path, &st) == -1)
		return 0;
	if (S_ISREG(st.st_mode))
		return (uint64_t)st.st_size;
	if (!S_ISBLK(st.st_mode))
		return 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	end = lseek(fd, 0, SEEK_END);
	close(fd);
	return end > 0 ? (uint64_t)end : 0;
}

int
reloc__xendom_add_disk(struct reloc_domain *d, const char *vdev,
    const char *path, bool removable)
{
	struct reloc_disk	*k;
	int			 rc;

	if ((k = grow(d->disks, &d->nr_disks, sizeof(*k))) == NULL)
		return RELOC_ERR_NOMEM;
	d->disks = k;
	k += d->nr_disks - 1;
	k->removable = removable;
	k->size = reloc__xendom_disk_size(path);
	/* An empty CD-ROM drive has no path, or an empty one. */
	if ((rc = dup_opt(vdev, &k->vdev)) < 0)
		return rc;
	return dup_opt(path, &k->path);
}

int
reloc__xendom_add_passdev(struct reloc_domain *d, const char *kind,
    const char *id)
{
	struct reloc_passdev	*pd;
	int			 rc;

	if ((pd = grow(d->passdevs, &d->nr_passdevs, sizeof(*pd))) == NULL)
		return RELOC_ERR_NOMEM;
	d->passdevs = pd;
	pd += d->nr_passdevs - 1;
	pd->migratable = false;
	if ((rc = reloc__xenfacts_dup(kind, &pd->kind)) < 0)
		return rc;
	return reloc__xenfacts_dup(id, &pd->id);
}

int
reloc__xendom_config_json(const struct reloc_domain *dom, char **json_r)
{
	size_t	 len = dom->config_len;

	if (dom->config == NULL || len == 0) {
		log_warnx("hv", "domain %s: no libxl config to restore from",
		    dom->name != NULL ? dom->name : "?");
		return RELOC_ERR_INVAL;
	}
	/* xl counts the NUL in the blob; we do not: accept both. */
	if (dom->config[len - 1] == '\0')
		len--;
	if (memchr(dom->config, '\0', len) != NULL) {
		log_warnx("hv", "domain %s: libxl config has a NUL byte",
		    dom->name != NULL ? dom->name : "?");
		return RELOC_ERR_INVAL;
	}
	if ((*json_r = strndup(dom->config, len)) == NULL)
		return RELOC_ERR_NOMEM;
	return 0;
}
