#!/bin/sh
# The fault matrix over TLS: a live migration with xm migrate -s, the
# target holding at dst-done (past GO, before DONE), the source's
# xrelocd and its worker killed with SIGKILL, the source started again.
# Only its journal says the migration ran over TLS (the mode is the
# default, opportunistic): the recovery must QUERY the target's TLS
# port over TLS, learn the domain was taken, and destroy the paused
# copy.  web01 then runs exactly once, on B, with A's memory.
set -eu
. "$(dirname "$0")/matrix-lib.sh"
. "$(dirname "$0")/tls-lib.sh"

no_away_on_a() { ! has_domain A web01--migratedaway; }

MX_WHAT="over tls, source killed at dst-done"
BSSL=$(free_port)
rm -rf "$XRELOCD_FAULT_RELEASE"
mkdir -p "$WORK/A/state" "$WORK/B/state"
start_host A "$(tls_conf hostA.lab)"
FAULT=dst-done:wait start_host B "$(SSL_PORT=$BSSL tls_conf hostB.lab)"
sim_on A create web01 --memory $MEM --dirty-rate 20 >/dev/null
COUNT0=$(counter A web01)
MX_XM_OUT=$WORK/xm.out
xm_on A migrate -l -s -p "$BSSL" web01 127.0.0.1 >"$MX_XM_OUT" 2>&1 &
MX_XM_PID=$!
check "$MX_WHAT: B holds at dst-done" \
    wait_for "B to hold at dst-done" "$MATRIX_WAIT" mx_holds B dst-done
check "$MX_WHAT: the stream ran over tls" \
    logged B "tls: peer 127\\.0\\.0\\.1: TLSv1\\.[23] "
MX_WORKERS="$(mx_workers A) $(mx_workers B)"
log "workers: $MX_WORKERS"
for p in $(mx_workers A); do mx_kill "$p" "host A's worker"; done
mx_kill_daemon A
check "$MX_WHAT: A's journal says tls" \
    grep -q -r "(ssl yes)" "$WORK/A/state"
touch "$XRELOCD_FAULT_RELEASE"
check "$MX_WHAT: A's xrelocd starts again" mx_restart A
check "$MX_WHAT: A asked B over tls, and B answered taken" \
    wait_for "B's answer" "$MATRIX_WAIT" \
    logged B "asked about migration .*: taken"
check "$MX_WHAT: A destroyed web01--migratedaway" \
    wait_for "no web01--migratedaway on A" "$MATRIX_WAIT" no_away_on_a
check "$MX_WHAT: web01 runs on B only" runs_only_on B web01
check "$MX_WHAT: its counter went on past $COUNT0" \
    counter_past B web01 "$COUNT0"
check "$MX_WHAT: B's memory equals A's at pause" memory_equal A B web01
mx_xm_reap
mx_reap_workers

finish
