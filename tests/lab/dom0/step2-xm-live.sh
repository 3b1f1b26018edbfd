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
# Step 2: xrelocd moves a running PVH guest live ("xm migrate -l") from
# laba to labb and back.  First "xm migrate --check" must pass and move
# nothing; after each move "xm list" on the target must show the guest.
# Then the same guest moves once more, laba -> labb over mutual TLS
# ("xm migrate -l -s", port 8003, certificates from scripts/lab-ca.sh):
# labb's daemon must log the TLS handshake with laba.  Last it comes
# back labb -> laba compressed ("xm migrate -l -z zstd"): xm's final line
# must say how much went on the wire with zstd.
set -eu
# shellcheck source=lab-lib.sh
. /lab/share/dom0/lab-lib.sh

need_daemon
g=lab-pvh
create_guest "$g" pvh 128 || fail "cannot start PVH guest $g on laba"

out=$LAB_OUT/step2-check.out
read -r rc secs <<< "$(timed "$out" xm migrate --check "$g" labb)"
[ "$rc" = 0 ] || fail "xm migrate --check $g labb exited $rc:" \
    "$(tail -n 3 "$out" | tr '\n' ' ')"
has_domain "$g" || fail "xm migrate --check moved or lost $g"

# xm_move FROM TO [OPTION...]: one live migration, checked and timed;
# the kind (pvh-live-tls, pvh-live-zstd) follows the options.
xm_move()
{
	local from=$1 to=$2 before why rc secs kind opts tag
	shift 2
	opts="$*"
	case $opts in
	-s) tag=-tls ;;
	-z\ *) tag=-${opts#-z } ;;
	*) tag= ;;
	esac
	kind=pvh-live$tag
	local out=$LAB_OUT/step2-xm-$from$tag.out
	before=$(on "$from" last_tick "$g")
	# shellcheck disable=SC2086 # $opts: no word when empty
	read -r rc secs <<< \
	    "$(timed "$out" on "$from" xm_migrate -l $opts "$g" "$to")"
	[ "$rc" = 0 ] || fail "xm migrate -l${opts:+ $opts} $g $to on $from" \
	    "exited $rc: $(tail -n 3 "$out" | tr '\n' ' ')"
	bench "xm $kind-${from#lab}-${to#lab} $secs"
	why=$(moved "$g" "$from" "$to" "$before") ||
	    fail "after xm migrate -l${opts:+ $opts} $from -> $to: $why"
	on "$to" xm_list | grep -q "^$g " ||
	    fail "xm list on $to does not show $g"
	echo "${from#lab}->${to#lab} $secs s, $why"
}

ab=$(xm_move laba labb)
ba=$(xm_move labb laba)
tls=$(xm_move laba labb -s)
why=$(on labb tls_logged 169.254.77.1) ||
    fail "xm migrate -l -s laba -> labb: $why"
note "labb: $why"
ktls="kernel tls sessions: laba $(on laba ktls_count),"
ktls="$ktls labb $(on labb ktls_count)"
note "$ktls"
zstd=$(xm_move labb laba -z zstd)
wire=$(grep -o '[0-9.]* [KMG]iB on the wire (zstd)' \
    "$LAB_OUT/step2-xm-labb-zstd.out") ||
    fail "xm migrate -l -z zstd labb -> laba: xm did not report a" \
    "compressed stream: $(tail -n 2 "$LAB_OUT/step2-xm-labb-zstd.out" |
    tr '\n' ' ')"
destroy_everywhere "$g"
pass "xm migrate -l $ab; $ba; -l -s $tls, $ktls; -l -z zstd $zstd," \
    "$wire"
