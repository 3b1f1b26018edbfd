#!/bin/sh
# The target changes while memory streams: a domain of the same name
# arrives, its memory is taken, a bridge goes.  The recheck before READY
# refuses, and the domain runs on the source as before.  After GO, a
# takeover the target cannot start (the name taken in between) is
# declined: the target destroys its copy, the source resumes its own.
# Either way xm exits 1, never 3.
set -eu
. "$(dirname "$0")/lib.sh"
needs_fault_injection

MEM=32
VIF="mac=00:16:3e:00:00:01,bridge=xenbr0,ip=192.0.2.10"
export XRELOCD_FAULT_RELEASE="$WORK/release"

# fresh [B-FACTS]: new hosts A and B (B with FAULT), web01 running on A.
fresh() {
	teardown
	rm -rf "$WORK/A" "$WORK/B" "$XRELOCD_FAULT_RELEASE"
	host_facts B "${1:-}"
	FAULT="" start_host A
	start_host B
	sim_on A create web01 --memory $MEM --dirty-rate 1 --vif "$VIF" \
	    >/dev/null
	ORIG=$(uuid_of A web01)
	COUNT0=$(counter A web01)
}

uuid_of() {
	sim_on "$1" info "$2" 2>/dev/null |
	    sed -n 's/.*(uuid \([^)]*\)).*/\1/p'
}

# Start xm migrate A -> B in the background.
migrate_bg() {
	XM_OUT=$WORK/xm.out
	xm_on A migrate -p "$(port_of B)" "$@" web01 127.0.0.1 \
	    >"$XM_OUT" 2>&1 &
	XM_PID=$!
}

# Wait for it (60 s at most): sets XM_RC.
migrate_wait() {
	if ! wait_for "xm to end" "$WAIT" sh -c "! kill -0 $XM_PID 2>/dev/null"; then
		kill "$XM_PID" 2>/dev/null || true
	fi
	set +e
	wait "$XM_PID"
	XM_RC=$?
	set -e
	sed 's/^/    xm: /' "$XM_OUT"
}

streaming() { has_domain B web01--incoming; }
no_incoming_on_b() { ! has_domain B web01--incoming; }
held_at() { grep -q "injected fault at $1: waiting" "$WORK/B/log"; }

# Nothing named --incoming or --migratedaway on either host.
no_leftovers() {
	for h in A B; do
		for n in web01--incoming web01--migratedaway; do
			if has_domain "$h" "$n"; then
				echo "    $n left on $h"
				return 1
			fi
		done
	done
}

# A's web01 is the original, runs, and its counter went on.
original_runs_on_a() {
	[ "$(uuid_of A web01)" = "$ORIG" ] && runs A web01 &&
	    [ "$(counter A web01)" -gt "$COUNT0" ]
}

# B's web01, if any, is another domain and runs.
b_has_only_the_newcomer() {
	[ "$(uuid_of B web01)" != "$ORIG" ] && runs B web01
}

expect_failed_here() {
	what=$1
	check "$what: xm exits 1" [ "$XM_RC" -eq 1 ]
	check "$what: xm does not speak of the unknown state" \
	    sh -c "! grep -q 'may now be running' $XM_OUT"
	check "$what: the original web01 runs on A under its name" \
	    original_runs_on_a
	check "$what: no --incoming or --migratedaway anywhere" no_leftovers
}

# (a) A domain called web01 is created on B while the memory streams.
fresh
migrate_bg -l -r 4
check "name: B starts receiving" wait_for "B to receive the stream" "$WAIT" streaming
sim_on B create web01 --memory 16 --dirty-rate 1 >/dev/null
migrate_wait
expect_failed_here "name"
check "name: xm shows the finding" grep -q "NAME_EXISTS" "$XM_OUT"
check "name: xm says the target changed" grep -q "recheck" "$XM_OUT"
check "name: B's own web01 is left alone" b_has_only_the_newcomer
check "name: B refused at the recheck" \
    grep -q "recheck before READY refused web01" "$WORK/B/log"

# (b) Another domain takes B's free memory while the memory streams (B
# holds the stream half way until then): 128 MiB, 32 held by the incoming
# copy, 94 taken, less than 32 MiB and Xen's overhead left as if the copy
# were not there.
FAULT="dst-stream@50:wait" fresh "(total-memory-kb 131072)"
migrate_bg -l
check "memory: B holds the stream" wait_for "B to hold at dst-stream" "$WAIT" held_at dst-stream
sim_on B create hog --memory 94 --paused >/dev/null
touch "$XRELOCD_FAULT_RELEASE"
migrate_wait
expect_failed_here "memory"
check "memory: xm shows the finding" grep -q "MEMORY_SHORT" "$XM_OUT"
check "memory: B keeps nothing of web01" test -z "$(uuid_of B web01)"
check "memory: the hog stays on B" has_domain B hog

# (c) The bridge web01 uses goes from B while the memory streams.
FAULT="dst-stream@50:wait" fresh
migrate_bg -l
check "bridge: B holds the stream" wait_for "B to hold at dst-stream" "$WAIT" held_at dst-stream
host_facts B "(bridges (bridge (name xenbr1) (subnet 192.0.2.0/24)))"
touch "$XRELOCD_FAULT_RELEASE"
migrate_wait
expect_failed_here "bridge"
check "bridge: xm shows the finding" grep -q "L2_BRIDGE_MISSING" "$XM_OUT"

# (d) After the recheck and GO, a domain called web01 is created on B
# before the target renames its copy: the rename is refused.
FAULT="dst-go:wait" fresh
migrate_bg -l
check "takeover: B holds at GO" wait_for "B to hold at dst-go" "$WAIT" held_at dst-go
sim_on B create web01 --memory 16 --dirty-rate 1 >/dev/null
touch "$XRELOCD_FAULT_RELEASE"
migrate_wait
expect_failed_here "takeover"
said="web01 was not taken over by 127.0.0.1 (the rename failed on B: .*);"
check "takeover: xm says it was not taken over" \
    grep -q "$said it runs here as before" "$XM_OUT"
check "takeover: B's own web01 is left alone" b_has_only_the_newcomer
check "takeover: B kept nothing of web01" \
    grep -q "nothing kept here: web01 not taken over after GO" "$WORK/B/log"

# (e) The same, but the target worker is killed while it holds at GO: its
# daemon, recovering the record, cannot finish the takeover either, so it
# destroys the copy that never ran.  The source asks B (QUERY), learns it
# was not taken over, and resumes its own: no admin needed.
FAULT="dst-go:wait" fresh
migrate_bg -l
check "worker killed: B holds at GO" wait_for "B to hold at dst-go" "$WAIT" held_at dst-go
sim_on B create web01 --memory 16 --dirty-rate 1 >/dev/null
worker=$(ps -o pid= --ppid "$(cat "$WORK/B/daemon.pid")" | head -n 1)
kill -9 "$worker"
migrate_wait
check "worker killed: xm exits 1" [ "$XM_RC" -eq 1 ]
check "worker killed: xm says B did not take it over" \
    grep -q "did not take it over" "$XM_OUT"
check "worker killed: B destroyed its incoming copy" \
    wait_for "no incoming copy on B" "$WAIT" no_incoming_on_b
check "worker killed: B logged why" \
    grep -q "the takeover failed .*never ran and is destroyed" "$WORK/B/log"
check "worker killed: B's own web01 is left alone" b_has_only_the_newcomer
check "worker killed: the original web01 runs on A again" original_runs_on_a
check "worker killed: no --incoming or --migratedaway anywhere" no_leftovers

finish
