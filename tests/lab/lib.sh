#!/bin/bash
# Copyright (c) 2026 The xrelocd developers
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
# WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
# MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
# ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
# WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
# ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
# OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
#
# Host-side settings and helpers shared by lab.sh, build.sh and run.sh:
# where the image cache lives, its key, logging, and the host's tools.

# Every setting can be overridden from the environment.
LAB_CACHE=${XRELOCD_LAB_CACHE:-/var/cache/xrelocd-lab}
# The mirror this host's apt already uses (deb822 first, then one-line).
LAB_MIRROR=${LAB_MIRROR:-$(sed -n 's/^URIs: *//p' \
    /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)}
LAB_MIRROR=${LAB_MIRROR:-$(awk '/^deb /{print $2; exit}' \
    /etc/apt/sources.list 2>/dev/null)}
LAB_MIRROR=${LAB_MIRROR:-http://deb.debian.org/debian}

lab_log()
{
	printf '[lab %s] %s\n' "$(date +%T)" "$*" >&2
}

lab_fatal()
{
	lab_log "error: $*"
	exit 1
}

# The cache key: a hash of every file that goes into the image, so that
# editing the recipe rebuilds it and nothing else does.  The dom0 step
# scripts (dom0/) are not baked in: they reach dom0 over 9p at boot.
lab_key()
{
	(cd "$LAB_SRC" && cat build.sh image/*) | sha256sum | cut -c1-16
}

lab_imgdir()
{
	echo "$LAB_CACHE/img-$(lab_key)"
}

# Host packages the lab needs, installed only when a tool is missing.
lab_deps()
{
	local missing=
	command -v qemu-system-x86_64 >/dev/null || missing="$missing qemu-system-x86"
	command -v debootstrap >/dev/null || missing="$missing debootstrap"
	command -v cpio >/dev/null || missing="$missing cpio"
	command -v mke2fs >/dev/null || missing="$missing e2fsprogs"
	command -v flock >/dev/null || missing="$missing util-linux"
	command -v openssl >/dev/null || missing="$missing openssl"
	[ -z "$missing" ] && return 0
	[ "$(id -u)" = 0 ] || lab_fatal "need root to install:$missing"
	lab_log "installing host packages:$missing"
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y \
	    --no-install-recommends $missing >&2
}
