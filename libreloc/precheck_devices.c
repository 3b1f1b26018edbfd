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
 * Devices that cannot follow a domain: media in its CD-ROM or floppy
 * drives (the image is a file of this host), and passed-through PCI or
 * USB devices (hardware of this host).
 */

#include <stdio.h>
#include <string.h>

#include "reloc-int.h"
#include "precheck.h"

#define VDEV(d)		((d)->vdev != NULL ? (d)->vdev : "?")
#define ID(p)		((p)->id != NULL ? (p)->id : "?")

static int
check_drive(const struct reloc_precheck_ctx *ctx, struct reloc_verdict *v,
    const struct reloc_disk *disk)
{
	const char	*dom = ctx->dom->name;
	char		 fix[256];

	if (disk->path == NULL || *disk->path == '\0')
		return reloc_verdict_add(v, RELOC_SEV_WARNING, "media",
		    "MEDIA_EMPTY_DRIVE", "nothing to do; insert media on the "
		    "target after the migration if needed",
		    "%s: empty removable drive %s is attached", dom,
		    VDEV(disk));
	snprintf(fix, sizeof(fix), "eject the media (xl cd-eject %s %s), "
	    "or give --force media", dom, VDEV(disk));
	return reloc_verdict_add(v, RELOC_SEV_ERROR, "media",
	    "MEDIA_INSERTED", fix, "%s: removable drive %s has media "
	    "inserted (%s)", dom, VDEV(disk), disk->path);
}

int
reloc__precheck_media(const struct reloc_precheck_ctx *ctx,
    struct reloc_verdict *v)
{
	size_t	 i;
	int	 rc;

	for (i = 0; i < ctx->dom->nr_disks; i++) {
		if (!ctx->dom->disks[i].removable)
			continue;
		if ((rc = check_drive(ctx, v, &ctx->dom->disks[i])) < 0)
			return rc;
	}
	return 0;
}

static int
check_passdev(const struct reloc_precheck_ctx *ctx, struct reloc_verdict *v,
    const struct reloc_passdev *p)
{
	const char	*dom = ctx->dom->name;
	char		 fix[256];

	if (p->kind != NULL && strcmp(p->kind, "pci") == 0) {
		snprintf(fix, sizeof(fix), "detach it (xl pci-detach %s %s), "
		    "migrate, then attach a device of the target", dom, ID(p));
		return reloc_verdict_add(v, RELOC_SEV_ERROR, "passthrough",
		    "PCI_PASSTHROUGH", fix, "%s: PCI device %s is passed "
		    "through; it cannot leave %s", dom, ID(p),
		    ctx->src->hostname);
	}
	if (p->kind != NULL && strcmp(p->kind, "usb") == 0) {
		if (p->migratable)
			return 0;
		snprintf(fix, sizeof(fix), "detach it (xl usb-list %s names "
		    "its controller and port for xl usbdev-detach), or mark "
		    "it migratable", dom);
		return reloc_verdict_add(v, RELOC_SEV_ERROR, "passthrough",
		    "USB_NOT_MIGRATABLE", fix, "%s: USB device %s is passed "
		    "through and not marked migratable", dom, ID(p));
	}
	return reloc_verdict_add(v, RELOC_SEV_ERROR, "passthrough",
	    "PASSTHROUGH_UNKNOWN", "detach the device before migrating",
	    "%s: passed-through device %s is of unknown kind %s", dom, ID(p),
	    p->kind != NULL ? p->kind : "(none)");
}

int
reloc__precheck_passthrough(const struct reloc_precheck_ctx *ctx,
    struct reloc_verdict *v)
{
	size_t	 i;
	int	 rc;

	for (i = 0; i < ctx->dom->nr_passdevs; i++)
		if ((rc = check_passdev(ctx, v, &ctx->dom->passdevs[i])) < 0)
			return rc;
	return 0;
}
