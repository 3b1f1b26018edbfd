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
# Step 4: a migration that fails at the target.  labb is the smaller
# host: a guest that fits on laba does not fit in labb's free memory.
# Without force the memory precheck refuses; forced past it, the restore
# on labb fails mid-stream.  Either way xm reports failure (exit 1) and
# the guest still runs on laba under its own name, with no copy on labb.
set -eu
# shellcheck source=lab-lib.sh
. /lab/share/dom0/lab-lib.sh

need_daemon
g=lab-big
mem=${LAB_BIG_MEM:-640}
free_b=$(on labb xl_free)
[ "$free_b" -lt "$mem" ] ||
    skip "labb has ${free_b} MiB free, not less than the guest's $mem MiB"
destroy_everywhere "$g"
create_guest "$g" pvh "$mem" || fail "cannot start $mem MiB guest on laba"

# refused WHAT OUT: xm must have failed as a migration (1), not as a
# usage error (2), and the guest must be where it was.
refused()
{
	local what=$1 rc=$2 out=$3 why

	[ "$rc" = 1 ] || fail "$what exited $rc (want 1):" \
	    "$(tail -n 3 "$out" | tr '\n' ' ')"
	why=$(stayed "$g" laba labb) || fail "after $what: $why"
	echo "$why"
}

out=$LAB_OUT/step4-precheck.out
read -r rc secs <<< "$(timed "$out" xm migrate -l "$g" labb)"
refused "xm migrate -l (precheck)" "$rc" "$out" >/dev/null
grep -qi mem "$out" || fail "precheck refusal does not name memory:" \
    "$(tail -n 3 "$out" | tr '\n' ' ')"

out=$LAB_OUT/step4-forced.out
force=${LAB_XM_FORCE:---force=memory}
# shellcheck disable=SC2086
read -r rc secs <<< "$(timed "$out" xm migrate -l $force "$g" labb)"
why=$(refused "forced xm migrate -l" "$rc" "$out")
destroy_everywhere "$g"
pass "labb free ${free_b} MiB < $mem MiB: precheck refused; forced move" \
    "failed at labb; $why"
