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
# Step 1, the baseline: Xen's own "xl migrate" (over ssh) moves a running
# PVH guest from laba to labb and back.  Its timings are the reference
# the xm rows are printed beside.
set -eu
# shellcheck source=lab-lib.sh
. /lab/share/dom0/lab-lib.sh

g=lab-pvh
destroy_everywhere "$g"
create_guest "$g" pvh 128 || fail "cannot start PVH guest $g on laba"

# xl_move FROM TO: one migration, checked and timed.
xl_move()
{
	local from=$1 to=$2 before why rc secs

	before=$(on "$from" last_tick "$g")
	read -r rc secs <<< "$(timed "$LAB_OUT/step1-xl-$from.out" \
	    on "$from" xl_migrate "$g" "$to")"
	[ "$rc" = 0 ] || fail "xl migrate $g $from -> $to exited $rc:" \
	    "$(tail -n 2 "$LAB_OUT/step1-xl-$from.out" | tr '\n' ' ')"
	bench "xl pvh-live-${from#lab}-${to#lab} $secs"
	why=$(moved "$g" "$from" "$to" "$before") ||
	    fail "after xl migrate $from -> $to: $why"
	echo "${from#lab}->${to#lab} $secs s, $why"
}

ab=$(xl_move laba labb)
ba=$(xl_move labb laba)
pass "xl migrate $ab; $ba"
