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
 * The libxl backend: real Xen domains through libxenlight, the way xl's
 * migrate and migrate-receive drive it.  This file owns the context, the
 * domain list and descriptions and the host's facts (decoded in
 * hv_libxl_facts.c); the migration operations are in hv_libxl_mig.c.
 * Only these two files include libxl headers.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The 4.14 API is the newest libxl.h knows; it holds through 4.17+. */
#define LIBXL_API_VERSION 0x041400
#include <libxl.h>
#include <libxl_utils.h>
#include <xenctrl.h>
#include <xenguest.h>

#include "hv_libxl.h"

/*
 * Must outlast every ctx: libxl keeps the pointer.  Where the program's
 * event loop owns SIGCHLD (the daemon), libxl is told of each one through
 * the sigchld hook and reaps only its own children; elsewhere (a worker,
 * which has no other children) libxl catches SIGCHLD while it has some.
 */
static const libxl_childproc_hooks childproc_mainloop = {
	.chldowner = libxl_sigchld_owner_mainloop,
};
static const libxl_childproc_hooks childproc_libxl = {
	.chldowner = libxl_sigchld_owner_libxl,
};

int
reloc__hvl_err(const char *what, int lrc)
{
	const char	*s = libxl_error_to_string(lrc);
	char		 name[64];
	size_t		 i;

	for (i = 0; s != NULL && s[i] != '\0' && i < sizeof(name) - 1; i++)
		name[i] = (s[i] >= 'a' && s[i] <= 'z') ? s[i] - 'a' + 'A' :
		    s[i];
	name[i] = '\0';
	log_errx("hv", "%s: ERROR_%s (%d)", what, s != NULL ? name : "?", lrc);
	return RELOC_ERR_HV;
}

static int
hvl_open(const struct reloc_conf *conf, void **priv_r)
{
	struct hvl	*hv;
	int		 lrc;

	if ((hv = calloc(1, sizeof(*hv))) == NULL) {
		log_warn("hv", "calloc");
		return RELOC_ERR_NOMEM;
	}
	/* Where a throttle's undo is noted (hv_libxl_cap.c). */
	snprintf(hv->state_dir, sizeof(hv->state_dir), "%s", conf != NULL ?
	    reloc_conf_str(conf, RELOC_CK_STATE_DIR) : "");
	reloc__hvl_log_init(&hv->lg);
	lrc = libxl_ctx_alloc(&hv->ctx, LIBXL_VERSION, 0, &hv->lg.vtable);
	if (lrc != 0) {
		free(hv);
		return reloc__hvl_err("libxl_ctx_alloc", lrc);
	}
	libxl_childproc_setmode(hv->ctx, reloc__hv_sigchld_by_caller() ?
	    &childproc_mainloop : &childproc_libxl, NULL);
	/* Only for the featuresets: run without it if it will not open. */
	hv->xch = xc_interface_open(&hv->lg.vtable, &hv->lg.vtable, 0);
	if (hv->xch == NULL)
		log_debug("hv", "xc_interface_open failed; using hw_cap only");
	*priv_r = hv;
	return 0;
}

static void
hvl_sigchld(void *priv)
{
	struct hvl	*hv = priv;

	libxl_childproc_sigchld_occurred(hv->ctx);
}

/* libxl's rule for a child that forks without exec. */
static void
hvl_postfork_child(void *priv)
{
	struct hvl	*hv = priv;

	libxl_postfork_child_noexec(hv->ctx);
}

static void
hvl_close(void *priv)
{
	struct hvl	*hv = priv;

	if (hv == NULL)
		return;
	if (hv->xch != NULL)
		xc_interface_close(hv->xch);
	libxl_ctx_free(hv->ctx);
	free(hv);
}

static enum reloc_dom_type
dom_type(libxl_domain_type t)
{
	switch (t) {
	case LIBXL_DOMAIN_TYPE_PV:
		return RELOC_DOM_PV;
	case LIBXL_DOMAIN_TYPE_PVH:
		return RELOC_DOM_PVH;
	case LIBXL_DOMAIN_TYPE_HVM:
	case LIBXL_DOMAIN_TYPE_INVALID:
		break;
	}
	return RELOC_DOM_HVM;
}

static enum reloc_dom_state
dom_state(const libxl_dominfo *info)
{
	if (info->shutdown && info->shutdown_reason ==
	    LIBXL_SHUTDOWN_REASON_SUSPEND)
		return RELOC_DS_SUSPENDED;
	if (info->shutdown || info->dying)
		return RELOC_DS_SHUTDOWN;
	if (info->paused)
		return RELOC_DS_PAUSED;
	return RELOC_DS_RUNNING;
}

/* The brief description list() gives: everything libxl_dominfo has. */
static int
brief(struct hvl *hv, const libxl_dominfo *info, struct reloc_domain *d)
{
	d->domid = info->domid;
	if ((d->name = libxl_domid_to_name(hv->ctx, info->domid)) == NULL) {
		log_warnx("hv", "domain %u has no name", info->domid);
		return RELOC_ERR_NOENT;
	}
	snprintf(d->uuid, sizeof(d->uuid), LIBXL_UUID_FMT,
	    LIBXL_UUID_BYTES(info->uuid));
	d->type = dom_type(info->domain_type);
	d->state = dom_state(info);
	d->memory_kb = info->max_memkb;
	d->vcpus = info->vcpu_online;
	return 0;
}

static int
hvl_list(void *priv, struct reloc_domain **doms_r, size_t *n_r)
{
	struct hvl		*hv = priv;
	libxl_dominfo		*info;
	struct reloc_domain	*doms;
	size_t			 n = 0;
	int			 nr, i, rc = 0;

	if ((info = libxl_list_domain(hv->ctx, &nr)) == NULL)
		return reloc__hvl_err("libxl_list_domain", ERROR_FAIL);
	if ((doms = calloc(nr > 0 ? nr : 1, sizeof(*doms))) == NULL) {
		log_warn("hv", "calloc");
		libxl_dominfo_list_free(info, nr);
		return RELOC_ERR_NOMEM;
	}
	for (i = 0; i < nr && rc == 0; i++) {
		if (info[i].domid == 0)
			continue;
		rc = brief(hv, &info[i], &doms[n]);
		/* A domain that died between the two calls is not an error. */
		if (rc == RELOC_ERR_NOENT)
			rc = 0;
		else
			n++;
	}
	libxl_dominfo_list_free(info, nr);
	if (rc < 0) {
		while (n > 0)
			reloc_domain_dispose(&doms[--n]);
		free(doms);
		return rc;
	}
	*doms_r = doms;
	*n_r = n;
	return 0;
}

static int
fill_vifs(const libxl_domain_config *cfg, struct reloc_domain *d)
{
	int	 i, rc = 0;

	for (i = 0; i < cfg->num_nics && rc == 0; i++)
		rc = reloc__xendom_add_vif(d, cfg->nics[i].mac,
		    cfg->nics[i].bridge, cfg->nics[i].ip);
	return rc;
}

static int
fill_disks(const libxl_domain_config *cfg, struct reloc_domain *d)
{
	const libxl_device_disk	*dk;
	int			 i, rc = 0;

	for (i = 0; i < cfg->num_disks && rc == 0; i++) {
		dk = &cfg->disks[i];
		rc = reloc__xendom_add_disk(d, dk->vdev, dk->pdev_path,
		    dk->is_cdrom || dk->removable);
	}
	return rc;
}

/*
 * Passthrough devices.  libxl's migration refuses PCI devices, and it
 * has no notion of a migratable USB host device, so every one is marked
 * not migratable.
 */
static int
fill_passdevs(const libxl_domain_config *cfg, struct reloc_domain *d)
{
	const libxl_device_pci	*pci;
	const libxl_device_usbdev *usb;
	char			 id[32];
	int			 i, rc = 0;

	for (i = 0; i < cfg->num_pcidevs && rc == 0; i++) {
		pci = &cfg->pcidevs[i];
		snprintf(id, sizeof(id), "%04x:%02x:%02x.%x",
		    (unsigned)pci->domain, pci->bus, pci->dev, pci->func);
		rc = reloc__xendom_add_passdev(d, "pci", id);
	}
	for (i = 0; i < cfg->num_usbdevs && rc == 0; i++) {
		usb = &cfg->usbdevs[i];
		snprintf(id, sizeof(id), "%u-%u", usb->u.hostdev.hostbus,
		    usb->u.hostdev.hostaddr);
		rc = reloc__xendom_add_passdev(d, "usb", id);
	}
	return rc;
}

/*
 * physinfo's capability flags, and the host's featureset: all its words
 * from libxc when it answers, else the first eight, physinfo's hw_cap.
 */
static int
host_physinfo(struct hvl *hv, struct reloc__xen_raw *raw, uint32_t **fs_r)
{
	libxl_physinfo	 pi;
	uint32_t	 nr = 0;
	int		 lrc, rc;

	libxl_physinfo_init(&pi);
	if ((lrc = libxl_get_physinfo(hv->ctx, &pi)) != 0) {
		libxl_physinfo_dispose(&pi);
		return reloc__hvl_err("libxl_get_physinfo", lrc);
	}
	raw->cap_pv = pi.cap_pv;
	raw->cap_hvm = pi.cap_hvm;
	raw->cap_hap = pi.cap_hap;
	raw->cap_shadow = pi.cap_shadow;
	rc = reloc__hvl_featureset(hv->xch, XEN_SYSCTL_cpu_featureset_host,
	    fs_r, &nr);
	if (rc == RELOC_ERR_NOENT) {
		nr = sizeof(pi.hw_cap) / sizeof(pi.hw_cap[0]);
		rc = (*fs_r = malloc(sizeof(pi.hw_cap))) == NULL ?
		    RELOC_ERR_NOMEM : 0;
		if (rc == 0)
			memcpy(*fs_r, pi.hw_cap, sizeof(pi.hw_cap));
	}
	raw->featureset = *fs_r;
	raw->nr_featureset = nr;
	libxl_physinfo_dispose(&pi);
	return rc;
}

static int
fill_features(struct hvl *hv, struct reloc_domain *d)
{
	struct reloc__xen_raw	 raw;
	uint32_t		*fs = NULL;
	int			 rc;

	memset(&raw, 0, sizeof(raw));
	if ((rc = host_physinfo(hv, &raw, &fs)) < 0)
		return rc;
	rc = reloc__hvl_guest_features(hv->xch, fs, raw.nr_featureset,
	    d->type == RELOC_DOM_PV, &d->cpu_features, &d->nr_cpu_features);
	free(fs);
	return rc;
}

static int
fill_from_config(struct hvl *hv, libxl_domain_config *cfg,
    struct reloc_domain *d)
{
	char	*json;
	int	 rc;

	d->type = dom_type(cfg->c_info.type);
	d->memory_kb = cfg->b_info.max_memkb;
	d->vcpus = (unsigned)cfg->b_info.max_vcpus;
	/* libxl_defbool_val() asserts on an unset value. */
	if (!libxl_defbool_is_default(cfg->b_info.disable_migrate) &&
	    libxl_defbool_val(cfg->b_info.disable_migrate))
		log_warnx("hv", "domain %s: its config sets no_migrate=1; "
		    "xen will refuse to save it", d->name);
	if ((rc = fill_vifs(cfg, d)) < 0 || (rc = fill_disks(cfg, d)) < 0 ||
	    (rc = fill_passdevs(cfg, d)) < 0)
		return rc;
	if ((rc = fill_features(hv, d)) < 0)
		return rc;
	/* The stream has no config: it travels beside it, as xl sends it. */
	if ((json = libxl_domain_config_to_json(hv->ctx, cfg)) == NULL)
		return reloc__hvl_err("libxl_domain_config_to_json",
		    ERROR_FAIL);
	d->config = json;
	d->config_len = strlen(json);
	return 0;
}

/* The domain whose uuid is the text dom; RELOC_ERR_NOENT if none. */
static int
lookup_uuid(struct hvl *hv, const char *dom, uint32_t *domid_r)
{
	libxl_dominfo	*info;
	libxl_uuid	 uuid;
	int		 nr, i, rc = RELOC_ERR_NOENT;

	if (!reloc_domain_uuid_valid(dom) ||
	    libxl_uuid_from_string(&uuid, dom) != 0)
		return RELOC_ERR_NOENT;
	if ((info = libxl_list_domain(hv->ctx, &nr)) == NULL)
		return reloc__hvl_err("libxl_list_domain", ERROR_FAIL);
	for (i = 0; i < nr && rc < 0; i++) {
		if (libxl_uuid_compare(&info[i].uuid, &uuid) == 0) {
			*domid_r = info[i].domid;
			rc = 0;
		}
	}
	libxl_dominfo_list_free(info, nr);
	return rc;
}

static int
lookup(struct hvl *hv, const char *dom, uint32_t *domid_r)
{
	if (libxl_domain_qualifier_to_domid(hv->ctx, dom, domid_r) != 0 &&
	    lookup_uuid(hv, dom, domid_r) < 0) {
		log_warnx("hv", "no domain %s", dom);
		return RELOC_ERR_NOENT;
	}
	if (*domid_r == 0) {
		log_warnx("hv", "domain 0 cannot be migrated");
		return RELOC_ERR_INVAL;
	}
	return 0;
}

static int
hvl_describe(void *priv, const char *dom, struct reloc_domain *dom_r)
{
	struct hvl		*hv = priv;
	struct reloc_domain	 d;
	libxl_dominfo		 info;
	libxl_domain_config	 cfg;
	uint32_t		 domid;
	int			 lrc, rc;

	memset(&d, 0, sizeof(d));
	if ((rc = lookup(hv, dom, &domid)) < 0)
		return rc;
	libxl_dominfo_init(&info);
	libxl_domain_config_init(&cfg);
	if ((lrc = libxl_domain_info(hv->ctx, &info, domid)) != 0) {
		rc = reloc__hvl_err("libxl_domain_info", lrc);
		if (lrc == ERROR_DOMAIN_NOTFOUND)
			rc = RELOC_ERR_NOENT;
		goto out;
	}
	if ((rc = brief(hv, &info, &d)) < 0)
		goto out;
	lrc = libxl_retrieve_domain_configuration(hv->ctx, domid, &cfg, NULL);
	if (lrc != 0) {
		rc = reloc__hvl_err("libxl_retrieve_domain_configuration", lrc);
		goto out;
	}
	rc = fill_from_config(hv, &cfg, &d);
 out:
	libxl_domain_config_dispose(&cfg);
	libxl_dominfo_dispose(&info);
	if (rc < 0) {
		reloc_domain_dispose(&d);
		return rc;
	}
	*dom_r = d;
	return 0;
}

static int
hvl_host_info(void *priv, struct reloc_hostinfo *hi_r)
{
	struct hvl		*hv = priv;
	const libxl_version_info *vi;
	struct reloc__xen_raw	 raw;
	struct reloc_hostinfo	 hi;
	uint32_t		*fs = NULL;
	int			 lrc, rc;

	memset(&raw, 0, sizeof(raw));
	memset(&hi, 0, sizeof(hi));
	if ((vi = libxl_get_version_info(hv->ctx)) == NULL)
		return reloc__hvl_err("libxl_get_version_info", ERROR_FAIL);
	raw.major = vi->xen_version_major;
	raw.minor = vi->xen_version_minor;
	raw.extra = vi->xen_version_extra;
	raw.caps = vi->capabilities;
	if ((lrc = libxl_get_free_memory(hv->ctx, &raw.free_kb)) != 0)
		return reloc__hvl_err("libxl_get_free_memory", lrc);
	if ((rc = host_physinfo(hv, &raw, &fs)) == 0)
		rc = reloc__xenfacts_local(&raw, &hi);
	free(fs);
	if (rc < 0) {
		reloc_hostinfo_dispose(&hi);
		return rc;
	}
	*hi_r = hi;
	return 0;
}

const struct reloc_hv_ops reloc__hv_libxl_ops = {
	.name = "libxl",
	.open = hvl_open,
	.sigchld = hvl_sigchld,
	.postfork_child = hvl_postfork_child,
	.close = hvl_close,
	.list = hvl_list,
	.describe = hvl_describe,
	.host_info = hvl_host_info,
	.save = reloc__hvl_save,
	.resume = reloc__hvl_resume,
	.restore = reloc__hvl_restore,
	.rename = reloc__hvl_rename,
	.pause = reloc__hvl_pause,
	.unpause = reloc__hvl_unpause,
	.destroy = reloc__hvl_destroy,
};
