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
# Step 3: a PV guest.  This Xen has no shadow paging, which PV log-dirty
# (so a live move) needs: "xm migrate -l" must refuse in its prechecks
# and name shadow paging, leaving the guest running.  The offline move
# ("xm migrate", guest paused while it is copied) must then work, both
# ways, with the counter carrying on.
set -eu
# shellcheck source=lab-lib.sh
. /lab/share/dom0/lab-lib.sh

need_daemon
g=lab-pv
destroy_everywhere "$g"
create_guest "$g" pv 128 || fail "cannot start PV guest $g on laba"

out=$LAB_OUT/step3-live.out
read -r rc secs <<< "$(timed "$out" xm migrate -l "$g" labb)"
[ "$rc" != 0 ] || fail "live migration of PV guest $g was not refused"
grep -qi shadow "$out" ||
    fail "live PV refusal does not name shadow paging:" \
    "$(tail -n 3 "$out" | tr '\n' ' ')"
why=$(stayed "$g" laba labb) || fail "after the refused live move: $why"

# xm_move FROM TO: one offline migration, checked and timed.
xm_move()
{
	local from=$1 to=$2 before why rc secs out=$LAB_OUT/step3-xm-$1.out

	before=$(on "$from" last_tick "$g")
	read -r rc secs <<< "$(timed "$out" on "$from" xm_migrate "$g" "$to")"
	[ "$rc" = 0 ] || fail "xm migrate $g $to on $from exited $rc:" \
	    "$(tail -n 3 "$out" | tr '\n' ' ')"
	bench "xm pv-offline-${from#lab}-${to#lab} $secs"
	why=$(moved "$g" "$from" "$to" "$before") ||
	    fail "after xm migrate $from -> $to: $why"
	echo "${from#lab}->${to#lab} $secs s, $why"
}

ab=$(xm_move laba labb)
ba=$(xm_move labb laba)
destroy_everywhere "$g"
pass "live refused (shadow paging); xm migrate $ab; $ba"
