#!/bin/sh
# Live and offline migration between two sim hosts on loopback: the domain
# runs only on the target afterwards, its memory at the target equals the
# source's at pause byte for byte, and its counter carries on.
set -eu
. "$(dirname "$0")/lib.sh"

start_host A
start_host B

sim_on A create web01 --memory 64 --dirty-rate 20 \
    --vif mac=00:16:3e:00:00:01,bridge=xenbr0 >/dev/null
check "web01 runs on A" runs A web01
c0=$(counter A web01)

migrate A B web01 -l
check "live: xm exits 0" [ "$XM_RC" -eq 0 ]
check "live: summary printed" grep -q "moved to" "$XM_OUT"
check "live: web01 runs only on B" runs_only_on B web01
check "live: no web01 left on A" sh -c "! $SIM -d $WORK/A/sim info web01 >/dev/null 2>&1"
check "live: memory at B equals A's at pause" memory_equal A B web01
check "live: counter carried on" [ "$(counter B web01)" -gt "$c0" ]
check "live: no --incoming left on B" sh -c "! $SIM -d $WORK/B/sim info web01--incoming >/dev/null 2>&1"
check "live: neither daemon logged an error" \
    sh -c "! grep -E ': (error|warning): ' $WORK/A/log $WORK/B/log"

# And back, offline this time (pause, copy once, run on the other side).
c1=$(counter B web01)
migrate B A web01
check "offline: xm exits 0" [ "$XM_RC" -eq 0 ]
check "offline: web01 runs only on A" runs_only_on A web01
check "offline: memory at A equals B's at pause" memory_equal B A web01
check "offline: counter carried on" [ "$(counter A web01)" -gt "$c1" ]

# By domain id, options after the domain (xend's syntax).
id=$(xm_on A list | awk '$1 == "web01" { print $2 }')
set +e
xm_on A migrate "$id" -l -p "$(port_of B)" 127.0.0.1 >"$WORK/xm.out" 2>&1
rc=$?
set -e
check "by id with options after it: exit 0" [ "$rc" -eq 0 ]
check "by id: runs on B" runs_only_on B web01

# Prechecks only: nothing moves.
migrate B A web01 --check
check "--check: exit 0" [ "$XM_RC" -eq 0 ]
check "--check: still runs on B only" runs_only_on B web01

finish
