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
 * The libxl backend's use of the lower Xen libraries: a xentoollog logger
 * that routes libxl's and libxc's messages to our sink and turns libxc's
 * progress lines into struct reloc_progress, and libxc's CPU featuresets.
 * No libxl headers here.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xenctrl.h>
#include <xenguest.h>
#include <xentoollog.h>

#include "hv_libxl.h"

static uint64_t
now_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static enum reloc_log_level
xtl_to_level(xentoollog_level level)
{
	if (level >= XTL_ERROR)
		return RELOC_LOG_ERR;
	if (level == XTL_WARN)
		return RELOC_LOG_WARN;
	if (level >= XTL_INFO)
		return RELOC_LOG_INFO;
	return RELOC_LOG_DEBUG;
}

static void lg_vmessage(xentoollog_logger *, xentoollog_level, int,
    const char *, const char *, va_list)
    __attribute__((format(printf, 5, 0)));

/* One line each, tagged with libxl's context ("libxl", "xc"). */
static void
lg_vmessage(xentoollog_logger *lg, xentoollog_level level, int errnoval,
    const char *context, const char *fmt, va_list ap)
{
	enum reloc_log_level	 l = xtl_to_level(level);
	char			 msg[1024];
	char			*p;

	(void)lg;
	if (!reloc__log_enabled(l))
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	for (p = msg; *p != '\0'; p++)
		if (*p == '\n')
			*p = ' ';
	if (context == NULL)
		context = "xen";
	if (errnoval >= 0)
		reloc__log(l, "hv", "%s: %s: %s", context, msg,
		    strerror(errnoval));
	else
		reloc__log(l, "hv", "%s: %s", context, msg);
}

/* libxc's progress, relayed by libxl from its save helper process. */
static void
lg_progress(xentoollog_logger *vt, const char *context, const char *what,
    int percent, unsigned long done, unsigned long total)
{
	struct hvl_log	*lg = (struct hvl_log *)vt;

	(void)context;
	(void)percent;
	if (lg->save == NULL || lg->save->progress == NULL)
		return;
	if (reloc__xenfacts_progress_step(&lg->prog, what, done, total,
	    now_ns()))
		lg->save->progress(&lg->prog.p, lg->save->progress_arg);
}

/* The logger is embedded in the backend's instance, not allocated. */
static void
lg_destroy(xentoollog_logger *vt)
{
	(void)vt;
}

void
reloc__hvl_log_init(struct hvl_log *lg)
{
	memset(lg, 0, sizeof(*lg));
	lg->vtable.vmessage = lg_vmessage;
	lg->vtable.progress = lg_progress;
	lg->vtable.destroy = lg_destroy;
	reloc__xenfacts_progress_init(&lg->prog);
}

void
reloc__hvl_log_save(struct hvl_log *lg, const struct reloc_save_params *p)
{
	if (p != NULL)
		reloc__xenfacts_progress_init(&lg->prog);
	lg->save = p;
}

int
reloc__hvl_featureset(xc_interface *xch, uint32_t index, uint32_t **fs_r,
    uint32_t *nr_r)
{
	uint32_t	*fs, nr;

	if (xch == NULL)
		return RELOC_ERR_NOENT;
	nr = xc_get_cpu_featureset_size();
	if ((fs = calloc(nr, sizeof(*fs))) == NULL) {
		log_warn("hv", "calloc");
		return RELOC_ERR_NOMEM;
	}
	if (xc_get_cpu_featureset(xch, index, &nr, fs) != 0) {
		log_debug("hv", "xc_get_cpu_featureset %u: %s", index,
		    strerror(errno));
		free(fs);
		return RELOC_ERR_NOENT;
	}
	*fs_r = fs;
	*nr_r = nr;
	return 0;
}

/*
 * The features a domain runs with.  Reading its own CPUID policy back
 * needs libxc's policy API, which changes between releases, so we take
 * the host's featureset masked by Xen's default for guests of its kind:
 * what a domain gets unless its config passes cpuid= .  A config that
 * restricts cpuid only needs less, so the CPU precheck errs towards
 * blocking; the mask keeps host-only bits (vmx, svm, ds) out.  Without
 * libxc's answer the host's featureset stands.
 */
int
reloc__hvl_guest_features(xc_interface *xch, const uint32_t *host,
    uint32_t nr, bool pv, char ***names_r, size_t *n_r)
{
	uint32_t	*fs, *guest = NULL, nr_guest = 0, i;
	int		 rc;

	if ((fs = calloc(nr > 0 ? nr : 1, sizeof(*fs))) == NULL)
		return RELOC_ERR_NOMEM;
	memcpy(fs, host, nr * sizeof(*fs));
	rc = reloc__hvl_featureset(xch, pv ? XEN_SYSCTL_cpu_featureset_pv :
	    XEN_SYSCTL_cpu_featureset_hvm, &guest, &nr_guest);
	if (rc == 0) {
		for (i = 0; i < nr; i++)
			fs[i] &= i < nr_guest ? guest[i] : 0;
		free(guest);
	}
	if (rc == 0 || rc == RELOC_ERR_NOENT)
		rc = reloc__xenfacts_features(fs, nr, names_r, n_r);
	free(fs);
	return rc;
}
