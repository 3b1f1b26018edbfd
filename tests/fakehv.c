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
 * The fake backend: see fakehv.h.  The stream is "FAKE", a 64 KiB pattern
 * and "END!", so a truncated or cut stream is noticed.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "fakehv.h"

#define STREAM_LEN	(64 * 1024)

void
fake_init(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	f->next_domid = 1;
}

struct fake_dom *
fake_add(struct fake *f, const char *name, enum reloc_dom_state state)
{
	size_t	i;

	for (i = 0; i < 4; i++) {
		if (f->doms[i].used)
			continue;
		f->doms[i].used = true;
		f->doms[i].domid = f->next_domid++;
		snprintf(f->doms[i].name, sizeof(f->doms[i].name), "%s", name);
		snprintf(f->doms[i].uuid, sizeof(f->doms[i].uuid),
		    "00000000-0000-0000-0000-%012u", f->doms[i].domid + 100);
		f->doms[i].state = state;
		return &f->doms[i];
	}
	return NULL;
}

struct fake_dom *
fake_find(struct fake *f, const char *name)
{
	size_t	i;

	for (i = 0; i < 4; i++)
		if (f->doms[i].used && strcmp(f->doms[i].name, name) == 0)
			return &f->doms[i];
	return NULL;
}

static struct fake_dom *
by_id(struct fake *f, uint32_t domid)
{
	size_t	i;

	for (i = 0; i < 4; i++)
		if (f->doms[i].used && f->doms[i].domid == domid)
			return &f->doms[i];
	return NULL;
}

static int
fk_open(const struct reloc_conf *conf, void **priv_r)
{
	(void)conf;
	(void)priv_r;
	return RELOC_ERR_INVAL;	/* the tests pass their fake directly */
}

static void
fk_close(void *priv)
{
	(void)priv;
}

static int
fill(const struct fake_dom *d, struct reloc_domain *dom)
{
	memset(dom, 0, sizeof(*dom));
	dom->domid = d->domid;
	dom->state = d->state;
	dom->type = RELOC_DOM_PVH;
	dom->memory_kb = 64;
	dom->vcpus = 1;
	memcpy(dom->uuid, d->uuid, sizeof(dom->uuid));
	if ((dom->name = strdup(d->name)) == NULL ||
	    (dom->config = strdup("(fake)")) == NULL)
		return RELOC_ERR_NOMEM;
	dom->config_len = 6;
	return 0;
}

static int
fk_list(void *priv, struct reloc_domain **doms_r, size_t *n_r)
{
	struct fake		*f = priv;
	struct reloc_domain	*doms = calloc(4, sizeof(*doms));
	size_t			 i, n = 0;

	if (doms == NULL)
		return RELOC_ERR_NOMEM;
	for (i = 0; i < 4; i++)
		if (f->doms[i].used && fill(&f->doms[i], &doms[n++]) < 0)
			return RELOC_ERR_NOMEM;
	*doms_r = doms;
	*n_r = n;
	return 0;
}

/* By name, numeric id or uuid, as the real backends take it. */
static int
fk_describe(void *priv, const char *name, struct reloc_domain *dom_r)
{
	struct fake	*f = priv;
	struct fake_dom	*d = fake_find(f, name);
	char		*end;
	unsigned long	 id;
	size_t		 i;

	if (d == NULL && *name != '\0') {
		id = strtoul(name, &end, 10);
		if (*end == '\0' && id <= UINT32_MAX)
			d = by_id(f, (uint32_t)id);
	}
	for (i = 0; d == NULL && i < 4; i++)
		if (f->doms[i].used && strcasecmp(f->doms[i].uuid, name) == 0)
			d = &f->doms[i];
	return d == NULL ? RELOC_ERR_NOENT : fill(d, dom_r);
}

static int
fk_host_info(void *priv, struct reloc_hostinfo *hi)
{
	struct fake	*f = priv;

	memset(hi, 0, sizeof(*hi));
	memcpy(hi->host_uuid, f->host_uuid, sizeof(hi->host_uuid));
	hi->hv_major = 4;
	hi->hv_minor = 17;
	hi->cap_pv = hi->cap_hvm = hi->cap_hap = hi->cap_shadow = true;
	hi->free_memory_kb = f->free_kb != 0 ? f->free_kb : 1 << 30;
	if ((hi->hostname = strdup("fakehost")) == NULL ||
	    (hi->hv_version = strdup("4.17.0")) == NULL ||
	    (hi->arch = strdup("x86_64")) == NULL ||
	    (hi->caps = strdup("xen-3.0-x86_64 hvm-3.0-x86_64")) == NULL ||
	    (hi->cpu_vendor = strdup("GenuineIntel")) == NULL)
		return RELOC_ERR_NOMEM;
	return 0;
}

static int
write_all(int fd, const void *buf, size_t len)
{
	const char	*p = buf;
	ssize_t		 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) <= 0)
			return RELOC_ERR_IO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
read_all(int fd, void *buf, size_t len)
{
	char	*p = buf;
	ssize_t	 n;

	while (len > 0) {
		if ((n = read(fd, p, len)) <= 0)
			return n == 0 ? RELOC_ERR_CLOSED : RELOC_ERR_IO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
fk_save(void *priv, uint32_t domid, int fd, const struct reloc_save_params *p)
{
	struct fake	*f = priv;
	struct fake_dom	*d = by_id(f, domid);
	static char	 pattern[STREAM_LEN];
	int		 rc;

	(void)p;
	if (d == NULL)
		return RELOC_ERR_NOENT;
	d->state = RELOC_DS_SUSPENDED;
	if (f->fail & FAKE_SAVE)
		return RELOC_ERR_HV;
	memset(pattern, 0x5a, sizeof(pattern));
	if ((rc = write_all(fd, "FAKE", 4)) < 0 ||
	    (rc = write_all(fd, pattern, sizeof(pattern))) < 0)
		return rc;
	return write_all(fd, "END!", 4);
}

static int
fk_resume(void *priv, uint32_t domid)
{
	struct fake	*f = priv;
	struct fake_dom	*d = by_id(f, domid);

	f->resumes++;
	if (d == NULL || (f->fail & FAKE_RESUME))
		return RELOC_ERR_HV;
	d->state = RELOC_DS_RUNNING;
	return 0;
}

static int
fk_restore(void *priv, const struct reloc_domain *dom, int fd,
    const struct reloc_restore_params *p, uint32_t *domid_r)
{
	struct fake	*f = priv;
	static char	 buf[STREAM_LEN + 8];
	struct fake_dom	*d;
	int		 rc;

	(void)dom;
	if ((rc = read_all(fd, buf, sizeof(buf))) < 0)
		return rc;
	if (memcmp(buf, "FAKE", 4) != 0 || memcmp(buf + 4 + STREAM_LEN,
	    "END!", 4) != 0 || (f->fail & FAKE_RESTORE))
		return RELOC_ERR_PROTO;
	if ((d = fake_add(f, p->name, RELOC_DS_PAUSED)) == NULL)
		return RELOC_ERR_NOSPC;
	memcpy(d->uuid, dom->uuid, sizeof(d->uuid));
	*domid_r = d->domid;
	if (f->arrives != NULL && fake_add(f, f->arrives,
	    RELOC_DS_RUNNING) == NULL)
		return RELOC_ERR_NOSPC;
	if (f->free_kb_restored != 0)
		f->free_kb = f->free_kb_restored;
	return 0;
}

static int
fk_rename(void *priv, uint32_t domid, const char *name)
{
	struct fake	*f = priv;
	struct fake_dom	*d = by_id(f, domid);

	if (d == NULL || (f->fail & FAKE_RENAME))
		return RELOC_ERR_HV;
	snprintf(d->name, sizeof(d->name), "%s", name);
	return 0;
}

static int
fk_pause(void *priv, uint32_t domid)
{
	struct fake_dom	*d = by_id(priv, domid);

	if (d == NULL)
		return RELOC_ERR_NOENT;
	d->state = RELOC_DS_PAUSED;
	return 0;
}

static int
fk_unpause(void *priv, uint32_t domid)
{
	struct fake	*f = priv;
	struct fake_dom	*d = by_id(f, domid);

	if (d == NULL || (f->fail & FAKE_UNPAUSE))
		return RELOC_ERR_HV;
	d->state = RELOC_DS_RUNNING;
	return 0;
}

static int
fk_destroy(void *priv, uint32_t domid)
{
	struct fake	*f = priv;
	struct fake_dom	*d = by_id(f, domid);

	if (d == NULL || (f->fail & FAKE_DESTROY))
		return RELOC_ERR_HV;
	d->used = false;
	return 0;
}

const struct reloc_hv_ops fake_ops = {
	.name = "fake",
	.open = fk_open,
	.close = fk_close,
	.list = fk_list,
	.describe = fk_describe,
	.host_info = fk_host_info,
	.save = fk_save,
	.resume = fk_resume,
	.restore = fk_restore,
	.rename = fk_rename,
	.pause = fk_pause,
	.unpause = fk_unpause,
	.destroy = fk_destroy,
};
