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
 * Domain and host descriptions: the tables that describe them field by
 * field, their names, and deep copy and release driven by those tables.
 * The wire form is in domain_sxp.c.
 */

#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "domain-int.h"

#define FS(st, n, m)	{ n, F_STR, offsetof(st, m), 0, NULL, false }
#define FN(st, n, t, m)	{ n, t, offsetof(st, m), 0, NULL, false }
#define FV(st, n, m, c)	{ n, F_STRV, offsetof(st, m), offsetof(st, c), NULL, \
			    false }
#define FR(st, n, m, c, r) \
	{ n, F_RECS, offsetof(st, m), offsetof(st, c), r, false }
#define FEND		{ NULL, F_STR, 0, 0, NULL, false }

static const struct dom_field vif_fields[] = {
	FS(struct reloc_vif, "mac", mac),
	FS(struct reloc_vif, "bridge", bridge),
	FS(struct reloc_vif, "ip", ip),
	FEND
};

static const struct dom_field disk_fields[] = {
	FS(struct reloc_disk, "vdev", vdev),
	FS(struct reloc_disk, "path", path),
	FN(struct reloc_disk, "removable", F_BOOL, removable),
	FN(struct reloc_disk, "size", F_U64, size),
	FEND
};

static const struct dom_field passdev_fields[] = {
	FS(struct reloc_passdev, "kind", kind),
	FS(struct reloc_passdev, "id", id),
	FN(struct reloc_passdev, "migratable", F_BOOL, migratable),
	FEND
};

static const struct dom_field bridge_fields[] = {
	FS(struct reloc_bridge, "name", name),
	FS(struct reloc_bridge, "subnet", subnet),
	FN(struct reloc_bridge, "mtu", F_UINT, mtu),
	FEND
};

static const struct dom_rec vif_rec = {
	"vif", sizeof(struct reloc_vif), vif_fields
};
static const struct dom_rec disk_rec = {
	"disk", sizeof(struct reloc_disk), disk_fields
};
static const struct dom_rec passdev_rec = {
	"dev", sizeof(struct reloc_passdev), passdev_fields
};
static const struct dom_rec bridge_rec = {
	"bridge", sizeof(struct reloc_bridge), bridge_fields
};

#define D	struct reloc_domain
const struct dom_field reloc__domain_fields[] = {
	FN(D, "domid", F_U32, domid),
	{ "name", F_STR, offsetof(D, name), 0, NULL, true },
	{ "uuid", F_UUID, offsetof(D, uuid), 0, NULL, true },
	{ "type", F_DTYPE, offsetof(D, type), 0, NULL, true },
	FN(D, "state", F_DSTATE, state),
	FN(D, "memory-kb", F_U64, memory_kb),
	FN(D, "vcpus", F_UINT, vcpus),
	FR(D, "vifs", vifs, nr_vifs, &vif_rec),
	FR(D, "disks", disks, nr_disks, &disk_rec),
	FR(D, "passthrough", passdevs, nr_passdevs, &passdev_rec),
	FV(D, "cpu-features", cpu_features, nr_cpu_features),
	{ "config", F_BLOB, offsetof(D, config), offsetof(D, config_len), NULL,
	    false },
	FEND
};
#undef D

#define H	struct reloc_hostinfo
const struct dom_field reloc__host_fields[] = {
	{ "hostname", F_STR, offsetof(H, hostname), 0, NULL, true },
	/* Optional: peers before it ignore it, and lack it (not us). */
	{ "host-uuid", F_UUID, offsetof(H, host_uuid), 0, NULL, false },
	FS(H, "hv-version", hv_version),
	FN(H, "hv-major", F_UINT, hv_major),
	FN(H, "hv-minor", F_UINT, hv_minor),
	FS(H, "arch", arch),
	FS(H, "caps", caps),
	FN(H, "cap-pv", F_BOOL, cap_pv),
	FN(H, "cap-hvm", F_BOOL, cap_hvm),
	FN(H, "cap-hap", F_BOOL, cap_hap),
	FN(H, "cap-shadow", F_BOOL, cap_shadow),
	FS(H, "cpu-vendor", cpu_vendor),
	FV(H, "cpu-features", cpu_features, nr_cpu_features),
	FN(H, "free-memory-kb", F_U64, free_memory_kb),
	FR(H, "bridges", bridges, nr_bridges, &bridge_rec),
	FEND
};
#undef H

const char *const reloc__dom_type_names[RELOC_DOM_HVM + 1] = {
	[RELOC_DOM_PV] = "pv",
	[RELOC_DOM_PVH] = "pvh",
	[RELOC_DOM_HVM] = "hvm",
};

const char *const reloc__dom_state_names[RELOC_DS_SHUTDOWN + 1] = {
	[RELOC_DS_RUNNING] = "running",
	[RELOC_DS_PAUSED] = "paused",
	[RELOC_DS_SUSPENDED] = "suspended",
	[RELOC_DS_SHUTDOWN] = "shutdown",
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

bool
reloc_domain_uuid_valid(const char *s)
{
	size_t	i;

	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!isxdigit((unsigned char)s[i]))
			return false;
	}
	return s[36] == '\0';
}

const char *
reloc_dom_type_name(enum reloc_dom_type type)
{
	if ((unsigned)type >= NELEM(reloc__dom_type_names))
		return "?";
	return reloc__dom_type_names[type];
}

const char *
reloc_dom_state_name(enum reloc_dom_state state)
{
	if ((unsigned)state >= NELEM(reloc__dom_state_names))
		return "?";
	return reloc__dom_state_names[state];
}

/* ---------------------------------------------------------------- release */

static void
free_strv(char ***v, size_t *n)
{
	size_t	i;

	for (i = 0; *v != NULL && i < *n; i++)
		free((*v)[i]);
	free(*v);
	*v = NULL;
	*n = 0;
}

/* Record arrays have many pointer types: move them through memcpy. */
void *
reloc__dom_get_ptr(const void *obj, size_t off)
{
	void	*p;

	memcpy(&p, (const char *)obj + off, sizeof(p));
	return p;
}

void
reloc__dom_set_ptr(void *obj, size_t off, void *p)
{
	memcpy((char *)obj + off, &p, sizeof(p));
}

static void
free_recs(void *obj, const struct dom_field *f)
{
	char	*arr = reloc__dom_get_ptr(obj, f->off);
	size_t	*n = AT(obj, f->aux, size_t), i;

	for (i = 0; arr != NULL && i < *n; i++)
		reloc__dom_free_fields(arr + i * f->rec->size, f->rec->fields);
	free(arr);
	reloc__dom_set_ptr(obj, f->off, NULL);
	*n = 0;
}

/* Every pointer is reset, so releasing twice is harmless. */
void
reloc__dom_free_fields(void *obj, const struct dom_field *f)
{
	for (; f->name != NULL; f++) {
		if (f->type == F_STR || f->type == F_BLOB) {
			free(*AT(obj, f->off, str_t));
			*AT(obj, f->off, str_t) = NULL;
			if (f->type == F_BLOB)
				*AT(obj, f->aux, size_t) = 0;
		} else if (f->type == F_STRV)
			free_strv(AT(obj, f->off, strv_t),
			    AT(obj, f->aux, size_t));
		else if (f->type == F_RECS)
			free_recs(obj, f);
	}
}

void
reloc_domain_dispose(struct reloc_domain *dom)
{
	if (dom != NULL)
		reloc__dom_free_fields(dom, reloc__domain_fields);
}

void
reloc_hostinfo_dispose(struct reloc_hostinfo *hi)
{
	if (hi == NULL)
		return;
	reloc__dom_free_fields(hi, reloc__host_fields);
	free_strv(&hi->disks_visible, &hi->nr_disks_visible);
}

/* ---------------------------------------------------------------- copy */

static int	copy_fields(void *dst, const void *src,
		    const struct dom_field *f);

/* After a shallow copy: forget the pointers that belong to the source. */
static void
clear_ptrs(void *obj, const struct dom_field *f)
{
	for (; f->name != NULL; f++) {
		if (f->type == F_STR || f->type == F_BLOB)
			*AT(obj, f->off, str_t) = NULL;
		else if (f->type == F_STRV)
			*AT(obj, f->off, strv_t) = NULL;
		else if (f->type == F_RECS)
			reloc__dom_set_ptr(obj, f->off, NULL);
		if (f->type == F_BLOB || f->type == F_STRV ||
		    f->type == F_RECS)
			*AT(obj, f->aux, size_t) = 0;
	}
}

int
reloc__dom_copy_bytes(char **dst, const char *src, size_t len)
{
	if (src == NULL)
		return 0;
	if ((*dst = malloc(len + 1)) == NULL)
		return RELOC_ERR_NOMEM;
	memcpy(*dst, src, len);
	(*dst)[len] = '\0';
	return 0;
}

static int
copy_strv(char ***dst, size_t *dn, char *const *src, size_t n)
{
	size_t	i;
	int	rc;

	if (src == NULL || n == 0)
		return 0;
	if ((*dst = calloc(n, sizeof(**dst))) == NULL)
		return RELOC_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		*dn = i + 1;
		rc = reloc__dom_copy_bytes(&(*dst)[i], src[i], strlen(src[i]));
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int
copy_recs(void *dst, const void *src, const struct dom_field *f)
{
	const char	*sarr = reloc__dom_get_ptr(src, f->off);
	size_t		 n = *CAT(src, f->aux, size_t), sz = f->rec->size, i;
	char		*darr;
	int		 rc;

	if (sarr == NULL || n == 0)
		return 0;
	if ((darr = calloc(n, sz)) == NULL)
		return RELOC_ERR_NOMEM;
	reloc__dom_set_ptr(dst, f->off, darr);
	for (i = 0; i < n; i++) {
		memcpy(darr + i * sz, sarr + i * sz, sz);
		clear_ptrs(darr + i * sz, f->rec->fields);
		*AT(dst, f->aux, size_t) = i + 1;
		if ((rc = copy_fields(darr + i * sz, sarr + i * sz,
		    f->rec->fields)) < 0)
			return rc;
	}
	return 0;
}

/* dst is a shallow copy of src with its pointers cleared. */
static int
copy_fields(void *dst, const void *src, const struct dom_field *f)
{
	const char	*s;
	int		 rc = 0;

	for (; f->name != NULL && rc == 0; f++) {
		s = f->type == F_STR || f->type == F_BLOB ?
		    *CAT(src, f->off, str_t) : NULL;
		if (f->type == F_STR && s != NULL)
			rc = reloc__dom_copy_bytes(AT(dst, f->off, str_t), s,
			    strlen(s));
		else if (f->type == F_BLOB && s != NULL) {
			rc = reloc__dom_copy_bytes(AT(dst, f->off, str_t), s,
			    *CAT(src, f->aux, size_t));
			*AT(dst, f->aux, size_t) = *CAT(src, f->aux, size_t);
		} else if (f->type == F_STRV)
			rc = copy_strv(AT(dst, f->off, strv_t),
			    AT(dst, f->aux, size_t), *CAT(src, f->off, strv_t),
			    *CAT(src, f->aux, size_t));
		else if (f->type == F_RECS)
			rc = copy_recs(dst, src, f);
	}
	return rc;
}

int
reloc_domain_copy(const struct reloc_domain *src, struct reloc_domain *dst)
{
	struct reloc_domain	tmp;
	int			rc;

	if (src == NULL || dst == NULL)
		return RELOC_ERR_INVAL;
	memcpy(&tmp, src, sizeof(tmp));
	clear_ptrs(&tmp, reloc__domain_fields);
	if ((rc = copy_fields(&tmp, src, reloc__domain_fields)) < 0) {
		reloc__dom_free_fields(&tmp, reloc__domain_fields);
		return rc;
	}
	*dst = tmp;
	return 0;
}

