#!/bin/sh
# The failure rules of xrelocd(8), each tested by injecting its fault.
# Before GO: the domain runs on the source as before, and the target keeps
# nothing.  After GO without DONE: the source asks the target, which
# answers from its journal, and exactly one copy runs.
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

no_copy_on_A() { ! has_domain A web01--migratedaway && ! has_domain A web01; }

# After GO the source asks the target what became of the domain (QUERY)
# and acts on its journal's answer: nobody has to recover anything.
expect_taken() {
	what=$1
	check "$what: xm exits 0" [ "$XM_RC" -eq 0 ]
	check "$what: web01 runs only on B" runs_only_on B web01
	check "$what: A keeps no copy" wait_for "A to destroy its copy" \
	    "$WAIT" no_copy_on_A
	check "$what: A asked B, B answered taken" \
	    grep -q "asked about migration .*: taken" "$WORK/B/log"
}

# The target worker dies holding the domain: its daemon finishes the
# takeover from the journal.
fresh "" "dst-go:kill"
migrate A B web01 -l
expect_taken "target killed after GO"
check "target killed after GO: B's daemon finished the takeover" \
    grep -q "takeover was finished by recovery" "$WORK/B/log"

# DONE lost after the target ran it.
fresh "" "dst-done:cut"
migrate A B web01 -l
expect_taken "DONE lost"

finish
