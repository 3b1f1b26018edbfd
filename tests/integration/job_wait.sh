#!/bin/sh
# xrelocd.job.wait from a script (job_wait.py, Python's XML-RPC client):
# on a job held before GO, a wait with another version answers at once, a
# 1 s wait answers with the same version, a client that hangs up while
# parked is forgotten (the daemon goes on serving xm), and a parked wait
# answers when the job moves on.  Out-of-range timeouts and missing jobs
# are faults.
set -eu
. "$(dirname "$0")/lib.sh"
needs_fault_injection

JW=$(dirname "$0")/job_wait.py
export XRELOCD_FAULT_RELEASE="$WORK/release"
FAULT="src-go:wait" start_host A
start_host B
sim_on A create web01 --memory 32 --dirty-rate 5 >/dev/null

jw() { python3 "$JW" "$WORK/A/ctl.sock" "$@"; }
# answer VERSION STATE EXIT: the last wait's answer ($ANS) is that; - for
# any version.
answer() {
	# shellcheck disable=SC2086 # its three words
	set -- "$1" "$2" "$3" $ANS
	[ "$#" -eq 6 ] && { [ "$1" = - ] || [ "$1" = "$4" ]; } &&
	    [ "$2" = "$5" ] && [ "$3" = "$6" ]
}

xm_on A migrate -l -p "$(port_of B)" web01 127.0.0.1 >"$WORK/job1.out" 2>&1 &
job1=$!
check "web01's job is held before GO" logged A "injected fault at src-go"

ANS=$(jw wait 1 -1 60) || true
v=${ANS%% *}
check "a wait with another version answers at once: committing" \
    answer - committing -1

# same_after_timeout: a 1 s wait on the held job answers with the version
# it was given.  A report the daemon had not read yet may still move the
# version once: then the next try waits from there.
same_after_timeout() {
	ANS=$(jw wait 1 "$v" 1) || return 1
	[ "${ANS%% *}" = "$v" ] && return 0
	v=${ANS%% *}
	return 1
}
check "a 1 s wait on a job that does not change gives the same version" \
    wait_for "a wait to time out unchanged" "$WAIT" same_after_timeout

check "a client that hangs up while its wait is parked" \
    jw hangup 1 "$v" "$WORK/A/log"
check "xm jobs works after that client left" xm_on A jobs

# A parked wait answers when the job moves on (released from before GO).
jw wait 1 "$v" 300 >"$WORK/wait.out" 2>&1 &
waiter=$!
parked_twice() {
	[ "$(grep -c "a call waits for job 1 to change" "$WORK/A/log")" -ge 2 ]
}
check "a second wait is parked" \
    wait_for "the second wait to park" "$WAIT" parked_twice
touch "$XRELOCD_FAULT_RELEASE"
set +e
wait "$waiter"
rc=$?
set -e
sed 's/^/    wait: /' "$WORK/wait.out"
ANS=$(cat "$WORK/wait.out")
moved_on() { [ "$rc" -eq 0 ] && [ "${ANS%% *}" != "$v" ]; }
check "the parked wait answered when the job changed" moved_on

set +e
wait "$job1"
rc1=$?
set -e
sed 's/^/    xm: /' "$WORK/job1.out"
check "xm migrate moved web01 (exit 0)" [ "$rc1" -eq 0 ]
check "web01 runs exactly once, on B" runs_only_on B web01

ANS=$(jw wait 1 "$v" 60) || true
check "a wait on an ended job answers with its end" answer - "done" 0

jw wait 1 0 301 >"$WORK/fault.out" 2>&1 || true
check "timeout 301: a request fault naming the timeout" \
    grep -q "^fault 2 .*timeout 301 out of range" "$WORK/fault.out"
jw wait 7 0 1 >"$WORK/fault.out" 2>&1 || true
check "a job that does not exist: fault 4" grep -q "^fault 4 no job 7" \
    "$WORK/fault.out"
check "the daemon still serves" xm_on A jobs

finish
