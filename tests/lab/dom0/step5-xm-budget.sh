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
# Step 5: a downtime budget on real Xen.  A PVH guest that rewrites
# LAB_DIRTY_MB of its memory as fast as it can moves laba -> labb over a
# link capped at LAB_DIRTY_RATE MB/s (so that it dirties faster than the
# link sends, however fast the emulation runs) with "xm migrate -l -r
# RATE --max-downtime LAB_MAX_DOWNTIME": laba's daemon must throttle it with
# the scheduler's cap (auto-converge) while libxc copies, and put weight
# and cap back as they were; the copy on labb runs with the weight and
# cap it had on laba.  Then the same guest, labb -> laba, with a budget
# no link meets (1 ms) and "--timeout 10": xm must give up (exit 1) with
# the guest running on labb, counting, its cap as before.
set -eu
# shellcheck source=lab-lib.sh
. /lab/share/dom0/lab-lib.sh

need_daemon
g=lab-dirty
mem=${LAB_DIRTY_MEM:-128}
dirty=${LAB_DIRTY_MB:-16}
budget=${LAB_MAX_DOWNTIME:-1000}
rate=${LAB_DIRTY_RATE:-10}
destroy_everywhere "$g"
create_guest "$g" pvh "$mem" "lab_dirty=$dirty" ||
    fail "cannot start PVH guest $g (lab_dirty=$dirty) on laba"
grep -q "GUEST-DIRTY $dirty MiB" "/var/log/xen/console/guest-$g.log" ||
    fail "$g does not say it dirties $dirty MiB"
sched=$(on laba sched_of "$g") || fail "laba: $sched"

# The cap on laba, once a second while the move runs.
caps=$LAB_OUT/step5-caps
: > "$caps"
(
	while has_domain "$g"; do
		sched_of "$g" >> "$caps" 2>/dev/null || true
		sleep 1
	done
) &
poller=$!
from_line=$(on laba log_lines)
before=$(on laba last_tick "$g")
out=$LAB_OUT/step5-budget.out
read -r rc secs <<< "$(timed "$out" on laba xm_migrate -l -r "$rate" \
    --max-downtime "$budget" "$g" labb)"
kill "$poller" 2>/dev/null || true
wait "$poller" 2>/dev/null || true
[ "$rc" = 0 ] || fail "xm migrate -l -r $rate --max-downtime $budget $g labb" \
    "exited $rc: $(tail -n 3 "$out" | tr '\n' ' ')"
bench "xm pvh-dirty-budget-a-b $secs"
why=$(moved "$g" laba labb "$before") ||
    fail "after xm migrate -l --max-downtime $budget: $why"
throttled=$(on laba logged_since "$from_line" "throttled [0-9]+%" |
    tail -n 1)
[ -n "$throttled" ] || fail "laba's xrelocd.log: $g was never throttled" \
    "($dirty MiB rewritten as fast as it can, $rate MB/s, budget" \
    "$budget ms)"
on laba logged_since "$from_line" "throttle removed" >/dev/null ||
    fail "laba's xrelocd.log: the throttle of $g was never removed"
seen=$(awk -v w="${sched% *}" -v c="${sched#* }" \
    '$1 != w || $2 != c { print $1 "/" $2 }' "$caps" | sort -u |
    tr '\n' ' ')
after=$(on labb sched_of "$g") || fail "labb: $after"
[ "$after" = "$sched" ] || fail "$g on labb: weight/cap $after, it had" \
    "$sched on laba before the move"
down=$(grep -o 'downtime [0-9.]* m*s' "$out" | tail -n 1)
note "budget $budget ms: $down; weight/cap before $sched, polled during" \
    "the move: ${seen:-none changed}; after on labb $after"

# A budget no link meets: the move gives up and changes nothing.
before=$(on labb last_tick "$g")
from_line=$(on labb log_lines)
out=$LAB_OUT/step5-abort.out
read -r rc secs <<< "$(timed "$out" on labb xm_migrate -l \
    --max-downtime 1 --timeout 10 "$g" laba)"
[ "$rc" = 1 ] || fail "xm migrate -l --max-downtime 1 --timeout 10" \
    "exited $rc (want 1): $(tail -n 3 "$out" | tr '\n' ' ')"
stay=$(stayed "$g" labb laba) || fail "after the abort: $stay"
grep -qi "downtime" "$out" || fail "the abort does not give the" \
    "downtime it would have needed: $(tail -n 2 "$out" | tr '\n' ' ')"
after=$(on labb sched_of "$g") || fail "labb: $after"
[ "$after" = "$sched" ] || fail "$g on labb after the abort: weight/cap" \
    "$after, was $sched"
destroy_everywhere "$g"
pass "$dirty MiB dirtied: moved a->b at $rate MB/s, budget $budget ms" \
    "($down, ${throttled##*throttled }; restored $after); budget 1 ms" \
    "--timeout 10: xm exit 1, $stay"
