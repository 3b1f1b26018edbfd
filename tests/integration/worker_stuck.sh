#!/bin/sh
# A target worker that hangs (SIGSTOP) mid-stream is killed by its daemon
# once it has made no progress for xrelocd-io-timeout, and recovered as
# any killed worker: web01 runs exactly once, on the source, and the
# incoming copy is gone.  A slow migration under the same timeout is not
# touched: slow is not stuck.
set -eu
. "$(dirname "$0")/lib.sh"

IO_TIMEOUT=10
start_host A
start_host B
sim_on A create web01 --memory 32 --dirty-rate 1 >/dev/null

# A slow migration (2 MB/s for 32 MiB: longer than the I/O timeout).
migrate A B web01 -l -r 2
check "slow but moving: xm exits 0" [ "$XM_RC" -eq 0 ]
check "slow but moving: web01 runs only on B" runs_only_on B web01
check "slow but moving: no worker was killed" \
    sh -c "! grep -q 'no progress for' $WORK/A/log $WORK/B/log"

# A's target worker: the one that logs as worker[web01], streaming.
target_worker() {
	tw=$(sed -n 's/.*xrelocd\[\([0-9]*\)\]: worker\[web01\]: migrate: target web01 .*-> streaming.*/\1/p' \
	    "$WORK/A/log" | tail -n 1)
	[ -n "$tw" ] && kill -0 "$tw" 2>/dev/null && echo "$tw" >"$WORK/tw"
}

# Back to A, slowly, and the target worker (on A) stops mid-stream.
XM_OUT=$WORK/xm.out
xm_on B migrate -l -r 2 -p "$(port_of A)" web01 127.0.0.1 \
    >"$XM_OUT" 2>&1 &
xm=$!
check "A's target worker streams" \
    wait_for "A's target worker" "$WAIT" target_worker
kill -STOP "$(cat "$WORK/tw")"
log "stopped A's target worker, pid $(cat "$WORK/tw")"
check "A kills its stuck worker" logged A "no progress for [0-9]+s \\(xrelocd-io-timeout\\): killed"
check "the stuck worker is gone" \
    wait_for "pid $(cat "$WORK/tw") to end" "$WAIT" \
    sh -c "! kill -0 $(cat "$WORK/tw") 2>/dev/null"
set +e
wait "$xm"
rc=$?
set -e
sed 's/^/    xm: /' "$XM_OUT"
check "xm migrate exits 1" [ "$rc" -eq 1 ]
check "web01 runs only on B" runs_only_on B web01
check "A keeps no incoming copy" \
    wait_for "web01--incoming to go from A" "$WAIT" \
    sh -c "! \"$SIM\" -d $WORK/A/sim info web01--incoming >/dev/null 2>&1"

finish
