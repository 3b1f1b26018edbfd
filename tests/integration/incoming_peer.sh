#!/bin/sh
# The per-peer cap on incoming migrations alone: B takes four at once but
# one per peer (xrelocd-max-incoming-per-peer 1).  While web01 streams
# from A, a second migration from A is told busy and waits; one from C,
# a different allowed address (127.0.0.3), goes through meanwhile.  Then
# A's waiting migration moves.  Every domain runs exactly once at the
# end.  (Its own network namespace, where a route gives C's connections
# to B the source address 127.0.0.3; needs root.)
set -eu
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root for a network namespace"; exit 77; }
if [ -z "${XRELOCD_PEER_NS:-}" ]; then
	command -v unshare >/dev/null 2>&1 || { echo "SKIP: needs unshare"; exit 77; }
	XRELOCD_PEER_NS=1 exec unshare -n sh "$0" "$@"
fi
ip link set lo up
# To 127.0.0.4 (B too, it listens on every address) from 127.0.0.3.
ip route add local 127.0.0.4/32 dev lo src 127.0.0.3 table local
. "$(dirname "$0")/lib.sh"

start_host A "(xrelocd-max-migrations 4)"
ALLOW="127.0.0.1 127.0.0.3" start_host B "(xend-relocation-address '')
(xrelocd-max-incoming 4) (xrelocd-max-incoming-per-peer 1)"
start_host C
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

# web01 to B under a rate cap: it holds A's one slot on B for a while.
xm_on A migrate -l -r 4 -p "$(port_of B)" web01 127.0.0.1 \
    >"$WORK/job1.out" 2>&1 &
job1=$!
until_true "web01's job is streaming" job_state_is A web01 streaming

xm_on A migrate -l -p "$(port_of B)" web02 127.0.0.1 \
    >"$WORK/job2.out" 2>&1 &
job2=$!
until_true "web02's job waits: B is busy for A" job_state_is A web02 waiting
check "xm jobs names the per-peer cap and its key" sh -c \
    "XRELOCD_SOCKET=$WORK/A/ctl.sock $XM jobs | grep web02 |
    grep -q 'busy: .*xrelocd-max-incoming-per-peer 1'"
check "B logged the busy answer to A" \
    logged B "told busy: .*xrelocd-max-incoming-per-peer"
check "web02 still runs on A, untouched" runs_only_on A web02

# C, another peer, is under its own cap: it moves web03 at once.
xm_on C migrate -l -p "$(port_of B)" web03 127.0.0.4 >"$WORK/job3.out" 2>&1 &&
    rc3=0 || rc3=$?
check "web03 from C (another peer) moved: xm exits 0" [ "$rc3" -eq 0 ]
check "B saw web03 come from 127.0.0.3" \
    logged B "target web03 from [^ ]*127\\.0\\.0\\.3[]:]"
check "C was never told busy" sh -c "! grep -q -i busy $WORK/C/log"
check "web03 runs exactly once, on B" runs_only_on B web03

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
