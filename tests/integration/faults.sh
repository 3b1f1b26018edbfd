#!/bin/sh
# The failure rules of xrelocd(8), each tested by injecting its fault.
# Before GO: the domain runs on the source as before, and the target keeps
# nothing.  After GO without DONE: xm exits 3, the source copy stays
# suspended, and exactly one copy runs.
set -eu
. "$(dirname "$0")/lib.sh"
needs_fault_injection

MEM=64

# fresh SRCFAULT DSTFAULT: two new hosts A and B, web01 running on A
# dirtying RATE MB/s (default 20).
fresh() {
	for h in $HOSTS; do stop_host "$h"; done
	HOSTS=""
	rm -rf "$WORK/A" "$WORK/B"
	FAULT=$1 start_host A
	FAULT=$2 start_host B
	sim_on A create web01 --memory $MEM --dirty-rate "${RATE:-20}" >/dev/null
}

nothing_on() {
	! has_domain "$1" web01 && ! has_domain "$1" web01--incoming
}

# Expect a failure before GO: exit 1, runs on A only, B keeps nothing.
# When B's worker died, B's daemon destroys its copy once it has reaped
# the worker, which may be after xm returned: wait for it.
expect_rollback() {
	what=$1
	check "$what: xm exits 1" [ "$XM_RC" -eq 1 ]
	check "$what: web01 runs only on A, under its name" runs_only_on A web01
	check "$what: B keeps nothing" \
	    wait_for "nothing of web01 on B" "$WAIT" nothing_on B
}

fresh "" ""
ALLOW=127.0.0.2 start_host C
migrate A C web01 -l
expect_rollback "allow-list refusal"
check "allow-list refusal: C logged the refused peer" \
    grep -q "refused connection from 127.0.0.1" "$WORK/C/log"
check "allow-list refusal: no worker ran on C" \
    sh -c "! grep -q 'worker\\[' $WORK/C/log"
stop_host C

for pct in 10 50 90; do
	fresh "" "dst-stream@$pct:kill"
	migrate A B web01 -l
	expect_rollback "target worker killed at $pct% of the stream"
done

fresh "src-stream@50:kill" ""
migrate A B web01 -l
expect_rollback "source worker killed during the stream"

fresh "src-stream@50:cut" ""
migrate A B web01 -l
expect_rollback "connection cut during the stream"

fresh "src-ready:cut" ""
migrate A B web01 -l
expect_rollback "connection cut at READY (source side)"

fresh "" "dst-ready:cut"
migrate A B web01 -l
expect_rollback "connection cut before READY (target side)"

# A page the guest changes while it is sent is not verified (it goes
# again), so how many the flipped byte can hit depends on the machine's
# speed: an idle guest changes none but its counter's.
RATE=0 fresh "" "dst-stream@30:corrupt"
migrate A B web01 -l
expect_rollback "corrupt stream bytes"
check "corrupt stream: B says which record" grep -q -i "checksum" "$WORK/B/log"

# Out of space: B has less memory than the domain; the admin forces the
# memory precheck, and the restore itself must fail cleanly.
fresh "" ""
stop_host B
host_facts B "(total-memory-kb 32768)"
start_host B
migrate A B web01 -l
expect_rollback "precheck: target lacks memory"
check "precheck: the finding names memory" grep -q "MEMORY_SHORT\|memory" "$XM_OUT"
migrate A B web01 -l --force memory
expect_rollback "target out of space for the memory (forced precheck)"
check "out of space: xm says the target's restore failed" \
    grep -q "restore failed on the target" "$XM_OUT"

# After GO: the target worker dies holding the domain.  Its daemon finishes
# the takeover; the source never resumes on its own.
fresh "" "dst-go:kill"
migrate A B web01 -l
check "target killed after GO: xm exits 3" [ "$XM_RC" -eq 3 ]
check "target killed after GO: xm names the target" grep -q "127.0.0.1" "$XM_OUT"
check "target killed after GO: web01 runs only on B" runs_only_on B web01
check "target killed after GO: A keeps web01--migratedaway" \
    has_domain A web01--migratedaway
check "target killed after GO: A's copy does not run" \
    stands_still A web01--migratedaway B web01

# The admin's way out of the unknown state when the target does not run it.
sim_on B destroy web01 >/dev/null
set +e
xm_on A recover web01 >"$WORK/xm.out" 2>&1
rc=$?
set -e
check "recover: exit 0" [ "$rc" -eq 0 ]
check "recover: web01 runs on A again" runs_only_on A web01

# DONE lost after the target ran it: owner unknown to the source.
fresh "" "dst-done:cut"
migrate A B web01 -l
check "DONE lost: xm exits 3" [ "$XM_RC" -eq 3 ]
check "DONE lost: web01 runs only on B" runs_only_on B web01

finish
