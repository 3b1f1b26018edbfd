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
 * The host uuid: which hypervisor host this is, whatever daemon runs on
 * it.  Sent in HELLO so that both ends of a migration know when the peer
 * is this host (a migration to the same host, as with xl migrate DOM
 * localhost).  The libxl backend takes dom0's machine id (on Xen, dom0 is
 * the host); the sim backend keeps one per sim directory.
 */

#include <sys/random.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "reloc-int.h"

/* Where a Xen host's dom0 keeps a stable id, best first. */
static const char *const xen_paths[] = {
	"/etc/machine-id",
	"/var/lib/dbus/machine-id",
	"/sys/class/dmi/id/product_uuid",
};

int
reloc__hostid_parse(const char *text, char uuid[37])
{
	char	hex[33];
	size_t	i, n = 0;

	for (i = 0; text[i] != '\0' && text[i] != '\n'; i++) {
		if (text[i] == '-' && n < sizeof(hex) - 1 &&
		    (n == 8 || n == 12 || n == 16 || n == 20))
			continue;
		if (!isxdigit((unsigned char)text[i]) || n == sizeof(hex) - 1)
			return RELOC_ERR_INVAL;
		hex[n++] = (char)tolower((unsigned char)text[i]);
	}
	hex[n] = '\0';
	/* All zeros or all ones: firmware that never set one. */
	if (n != 32 || strspn(hex, "0") == 32 || strspn(hex, "f") == 32)
		return RELOC_ERR_INVAL;
	snprintf(uuid, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex,
	    hex + 8, hex + 12, hex + 16, hex + 20);
	return 0;
}

int
reloc__hostid_read(const char *path, char uuid[37])
{
	char	buf[128];
	ssize_t	r;
	int	fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return errno == ENOENT ? RELOC_ERR_NOENT : RELOC_ERR_IO;
	r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r <= 0)
		return RELOC_ERR_INVAL;
	buf[r] = '\0';
	return reloc__hostid_parse(buf, uuid);
}

int
reloc__hostid_xen(char uuid[37])
{
	size_t	i;

	for (i = 0; i < sizeof(xen_paths) / sizeof(xen_paths[0]); i++)
		if (reloc__hostid_read(xen_paths[i], uuid) == 0)
			return 0;
	log_warnx("hv", "no host uuid: none of /etc/machine-id, "
	    "/var/lib/dbus/machine-id, /sys/class/dmi/id/product_uuid is "
	    "usable; migrations to this same host will be refused "
	    "(run systemd-machine-id-setup to make one)");
	uuid[0] = '\0';
	return RELOC_ERR_NOENT;
}

int
reloc__uuid_new(char uuid[37])
{
	uint8_t	 b[16];

	if (getrandom(b, sizeof(b), 0) != sizeof(b)) {
		log_warn("hv", "getrandom");
		return RELOC_ERR_IO;
	}
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(uuid, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4],
	    b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
	    b[15]);
	return 0;
}
