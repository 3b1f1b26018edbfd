#!/bin/sh
# A peer on the allow-list that opens connections without end and never
# sends HELLO (from 127.0.0.2) takes only xrelocd-max-pending-per-peer of
# the xrelocd-max-pending slots: a live migration from another allowed
# host (127.0.0.1) meanwhile succeeds, and the refusals are logged once
# per peer and interval, then summed up, not once each.
set -eu
. "$(dirname "$0")/lib.sh"

FLOOD=$(dirname "$0")/flood_peer.py
REFUSED="refused connection from 127\.0\.0\.2:[0-9]+"
PER_PEER="\(xrelocd-max-pending-per-peer\)"
ALLOW="127.0.0.1 127.0.0.2"

start_host A
start_host B "(xrelocd-max-pending 16) (xrelocd-max-pending-per-peer 4)"
sim_on A create web01 --memory 64 --dirty-rate 20 \
    --vif mac=00:16:3e:00:00:01,bridge=xenbr0 >/dev/null
check "web01 runs on A" runs A web01

t0=$(date +%s)
python3 "$FLOOD" 127.0.0.2 "$(port_of B)" 64 "$WORK/stop" \
    >"$WORK/flood.out" 2>&1 &
flood=$!
check "the flood is refused beyond 4 connections" logged B \
    "$REFUSED: 4 connections from it have not finished HELLO $PER_PEER"

migrate A B web01 -l
check "under the flood: xm exits 0" [ "$XM_RC" -eq 0 ]
check "under the flood: web01 runs only on B" runs_only_on B web01
check "under the flood: memory at B equals A's at pause" \
    memory_equal A B web01
check "the refusals are summed up" logged B \
    "refused [0-9]+ more connections from 127\.0\.0\.2 in the last 10 s: "

touch "$WORK/stop"
wait "$flood"
t1=$(date +%s)
opened=$(cat "$WORK/flood.out")
lines=$(grep -c -E "(refused|closed) .*connections? from 127\.0\.0\.2" \
    "$WORK/B/log" || true)
# Two lines per interval of 10 s and per rate limit, at most.
bound=$((4 * ((t1 - t0) / 10 + 2)))
log "the flood opened $opened connections in $((t1 - t0)) s; B logged" \
    "$lines lines about them (at most $bound)"
check "the log holds summaries, not a line per connection" \
    [ "$lines" -le "$bound" ]
check "the flood was refused more often than logged" \
    [ "$opened" -gt "$lines" ]
migrate B A web01 -l
check "back: xm exits 0" [ "$XM_RC" -eq 0 ]
check "back: web01 runs only on A" runs_only_on A web01

finish
