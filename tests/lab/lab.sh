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
# The xrelocd Xen lab: two Xen hosts under QEMU on one L2 segment.
#
#   lab.sh build      build (or reuse) the cached dom0/Xen/guest image
#   lab.sh check      build, boot both hosts, run the scenario, report
#   lab.sh shell      boot one host with no scenario, console on this tty
#   lab.sh attach a|b a root shell in that dom0 of the running check
#   lab.sh clean      drop cached images (downloaded packages are kept)
#   lab.sh key        print the image's cache key
#
# See tests/lab/README for the settings (environment variables) and what
# each scenario step checks.
set -eu

LAB_SRC=$(cd "$(dirname "$0")" && pwd)
. "$LAB_SRC/lib.sh"
. "$LAB_SRC/build.sh"
. "$LAB_SRC/run.sh"

usage()
{
	sed -n '/^# The xrelocd Xen lab/,/^# See/p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

case "${1:-}" in
build)
	build_image >/dev/null
	;;
check)
	run_check
	;;
shell)
	run_shell
	;;
attach)
	run_attach "${2:-a}"
	;;
clean)
	rm -rf "$LAB_CACHE"/img-*
	;;
key)
	lab_key
	;;
*)
	usage
	;;
esac
