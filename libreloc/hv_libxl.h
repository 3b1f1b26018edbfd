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
 * Private to the libxl backend: what hv_libxl.c takes from the lower Xen
 * libraries (xentoollog, libxc), implemented in hv_libxl_xc.c, and what
 * its two libxl files share.  Only the backend's files include this
 * header.
 */

#ifndef HV_LIBXL_H
#define HV_LIBXL_H

#include <xenctrl.h>
#include <xentoollog.h>

#include "reloc-int.h"

/*
 * The logger given to libxl and libxc: their messages go to our sink
 * (module "hv"), libxc's progress lines to the save in flight.
 */
struct hvl_log {
	xentoollog_logger vtable;	/* first: libxl hands it back */
	const struct reloc_save_params *save;	/* NULL outside a save */
	struct reloc__xen_progress prog;
};

void	reloc__hvl_log_init(struct hvl_log *lg);
/* Relay progress to p's callback until called again with NULL. */
void	reloc__hvl_log_save(struct hvl_log *lg,
	    const struct reloc_save_params *p);

/*
 * A featureset of Xen's (XEN_SYSCTL_cpu_featureset_host, _pv, _hvm), in
 * 32-bit words, malloc'ed.  RELOC_ERR_NOENT when xch is NULL or Xen
 * declines.
 */
int	reloc__hvl_featureset(xc_interface *xch, uint32_t index,
	    uint32_t **fs_r, uint32_t *nr_r);

/*
 * The names of the features a domain of that kind (PV, else HVM/PVH)
 * runs with on a host whose featureset is host[nr] (malloc'ed).
 */
int	reloc__hvl_guest_features(xc_interface *xch, const uint32_t *host,
	    uint32_t nr, bool pv, char ***names_r, size_t *n_r);

#ifdef LIBXL_H
/*
 * Shared by the two files that include libxl.h (before this header):
 * hv_libxl.c, which owns the context, and hv_libxl_mig.c.
 */
struct hvl {
	struct hvl_log		 lg;
	libxl_ctx		*ctx;
	xc_interface		*xch;	/* featuresets, or NULL */
	char			 state_dir[1024];	/* throttle notes */
};

/* Log a libxl error code as ERROR_NAME (n); returns RELOC_ERR_HV. */
int	reloc__hvl_err(const char *what, int lrc);

/* The ops of struct reloc_hv_ops that move a domain (hv_libxl_mig.c). */
int	reloc__hvl_save(void *priv, uint32_t domid, int fd,
	    const struct reloc_save_params *p);
int	reloc__hvl_resume(void *priv, uint32_t domid);
int	reloc__hvl_restore(void *priv, const struct reloc_domain *dom, int fd,
	    const struct reloc_restore_params *p, uint32_t *domid_r);
int	reloc__hvl_rename(void *priv, uint32_t domid, const char *name);
int	reloc__hvl_pause(void *priv, uint32_t domid);
int	reloc__hvl_unpause(void *priv, uint32_t domid);
int	reloc__hvl_destroy(void *priv, uint32_t domid);
#endif /* LIBXL_H */

#endif /* HV_LIBXL_H */
