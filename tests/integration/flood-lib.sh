# shellcheck shell=sh
#
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
# The floods of connections from 127.0.0.2 that never send HELLO, for
# flood_hello.sh and flood_dns.sh (after lib.sh): host A's web01 moves to
# B under the flood, the refusals are summed up, and B's log holds a few
# lines per interval, not one per connection.

FLOOD=$(dirname "$0")/flood_peer.py
REFUSED="refused connection from 127\.0\.0\.2:[0-9]+"
PER_PEER="\(xrelocd-max-pending-per-peer\)"

# flood_web01: web01 on A, with a vif, its memory dirtied while it moves.
flood_web01() {
	sim_on A create web01 --memory 64 --dirty-rate 20 \
	    --vif mac=00:16:3e:00:00:01,bridge=xenbr0 >/dev/null
	check "web01 runs on A" runs A web01
}

# flood_start DESC: 64 connections at a time from 127.0.0.2 to B until
# $WORK/stop; DESC is checked: B refuses those beyond 4 of them.
flood_start() {
	FLOOD_T0=$(date +%s)
	python3 "$FLOOD" 127.0.0.2 "$(port_of B)" 64 "$WORK/stop" \
	    >"$WORK/flood.out" 2>&1 &
	FLOOD_PID=$!
	check "$1" logged B \
	    "$REFUSED: 4 connections from it have not finished HELLO $PER_PEER"
}

# flood_migrate: web01 moves live from A to B under the flood.
flood_migrate() {
	migrate A B web01 -l
	check "under the flood: xm exits 0" [ "$XM_RC" -eq 0 ]
	check "under the flood: web01 runs only on B" runs_only_on B web01
	check "under the flood: memory at B equals A's at pause" \
	    memory_equal A B web01
}

# flood_summed: B summed the refusals up.
flood_summed() {
	check "the refusals are summed up" logged B \
	    "refused [0-9]+ more connections from 127\.0\.0\.2 in the last 10 s: "
}

# flood_stop: end the flood; B logged a few lines per interval and rate
# limit about it, fewer than it refused; web01 moves back.
flood_stop() {
	touch "$WORK/stop"
	wait "$FLOOD_PID"
	fs_t1=$(date +%s)
	fs_opened=$(cat "$WORK/flood.out")
	fs_lines=$(grep -c -E \
	    "(refused|closed) .*connections? from 127\.0\.0\.2" \
	    "$WORK/B/log" || true)
	# Two lines per interval of 10 s and per rate limit, at most.
	fs_bound=$((4 * ((fs_t1 - FLOOD_T0) / 10 + 2)))
	log "the flood opened $fs_opened connections in" \
	    "$((fs_t1 - FLOOD_T0)) s; B logged $fs_lines lines about them" \
	    "(at most $fs_bound)"
	check "the log holds summaries, not a line per connection" \
	    [ "$fs_lines" -le "$fs_bound" ]
	check "the flood was refused more often than logged" \
	    [ "$fs_opened" -gt "$fs_lines" ]
	migrate B A web01 -l
	check "back: xm exits 0" [ "$XM_RC" -eq 0 ]
	check "back: web01 runs only on A" runs_only_on A web01
}
