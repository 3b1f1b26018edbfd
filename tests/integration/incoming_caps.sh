#!/bin/sh
# Caps on incoming migrations: B takes one at a time (xrelocd-max-incoming
# 1).  While web01 streams to B, a second migration from A is told busy
# before anything of web02 moves; A's job waits (xm jobs: waiting), tries
# again, and moves web02 once B is free.  A third host whose
# xrelocd-busy-wait is 0 gives up at once with a message that names the
# cap, its key and B.  Every domain runs exactly once at the end.
set -eu
. "$(dirname "$0")/lib.sh"

start_host A "(xrelocd-max-migrations 4)"
start_host B "(xrelocd-max-incoming 1)"
start_host C "(xrelocd-busy-wait 0)"
sim_on A create web01 --memory 64 --dirty-rate 1 >/dev/null
sim_on A create web02 --memory 16 --dirty-rate 1 >/dev/null
sim_on C create web03 --memory 16 --dirty-rate 1 >/dev/null

job_state_is() {
	xm_on "$1" jobs | awk -v d="$2" -v s="$3" \
	    '$3 == d && $6 == s { found = 1 } END { exit !found }'
}
until_true() {
	ut_desc=$1
	shift
	check "$ut_desc" wait_for "$ut_desc" "$WAIT" "$@"
}

# web01 to B under a rate cap: it holds B's one slot for a while.
xm_on A migrate -l -r 4 -p "$(port_of B)" web01 127.0.0.1 \
    >"$WORK/job1.out" 2>&1 &
job1=$!
until_true "web01's job is streaming" job_state_is A web01 streaming

xm_on A migrate -l -p "$(port_of B)" web02 127.0.0.1 \
    >"$WORK/job2.out" 2>&1 &
job2=$!
until_true "web02's job waits: B is busy" job_state_is A web02 waiting
check "xm jobs names the cap and its key" sh -c \
    "XRELOCD_SOCKET=$WORK/A/ctl.sock $XM jobs | grep web02 |
    grep -q 'busy: .*xrelocd-max-incoming 1'"
check "B logged the busy answer" logged B "told busy: .*xrelocd-max-incoming"
check "web02 still runs on A, untouched" runs_only_on A web02

migrate C B web03 -l
check "C gives up at once: xm exits 1" [ "$XM_RC" -eq 1 ]
check "the message names B, the cap and the key to raise" grep -q \
    "127.0.0.1 stayed busy .*xrelocd-max-incoming 1.*raise that cap on" \
    "$XM_OUT"
check "web03 was not touched: it runs on C alone" runs_only_on C web03

bg_wait "$job1" "job 1" "$WORK/job1.out"
rc1=$BG_RC
bg_wait "$job2" "job 2" "$WORK/job2.out"
rc2=$BG_RC
check "web01 moved (exit 0)" [ "$rc1" -eq 0 ]
check "web02 moved after waiting (exit 0)" [ "$rc2" -eq 0 ]
check "web01 runs exactly once, on B" runs_only_on B web01
check "web02 runs exactly once, on B" runs_only_on B web02
check "A's log says web02 tried again" \
    logged A "web02 to 127.0.0.1: trying again"
finish
