#!/bin/sh
# xm migrate --cancel JOB at each phase before GO (queued, precheck,
# streaming, suspended for the last copy): the domain runs on A as
# before, exactly once, and nothing of it stays on B; after GO the
# answer is "too late" (exit 1) and the migration ends as it would have.
# Phases are held by the fault hooks (wait) or a rate cap, never by time.
set -eu
. "$(dirname "$0")/lib.sh"
needs_fault_injection
export XRELOCD_FAULT_RELEASE="$WORK/release"

# fresh FAULT [A-CONFIG [B-CONFIG]]: new hosts A (by default at most one
# migration at a time) and B, the wait armed at FAULT on A ("" for none),
# web01 running on A.
fresh() {
	teardown
	rm -rf "$WORK/A" "$WORK/B" "$XRELOCD_FAULT_RELEASE"
	FAULT=$1 start_host A "${2:-(xrelocd-max-migrations 1)}"
	FAULT="" start_host B "${3:-}"
	sim_on A create web01 --memory 32 --dirty-rate 5 >/dev/null
}

# job_of HOST DOMAIN: the number of DOMAIN's newest job on HOST.
job_of() {
	xm_on "$1" jobs | awk -v d="$2" '$3 == d { n = $1 } END { print n }'
}

# start_bg DOMAIN OUT [options]: xm migrate from A to B in the background.
start_bg() {
	sb_dom=$1 sb_out=$2
	shift 2
	xm_on A migrate -l -p "$(port_of B)" "$@" "$sb_dom" 127.0.0.1 \
	    >"$sb_out" 2>&1 &
	BG=$!
}

# cancel JOB: xm migrate --cancel JOB on A; CANCEL_RC and its output.
cancel() {
	set +e
	xm_on A migrate --cancel "$1" >"$WORK/cancel.out" 2>&1
	CANCEL_RC=$?
	set -e
	sed 's/^/    cancel: /' "$WORK/cancel.out"
}

# held POINT: A's worker waits at the fault point POINT.
held() { grep -q -- "injected fault at $1: waiting" "$WORK/A/log"; }

# cancelled WHAT DOMAIN: the cancel worked and DOMAIN is A's only.
cancelled() {
	check "$1: xm migrate --cancel exits 0" [ "$CANCEL_RC" -eq 0 ]
	check "$1: it says the migration was cancelled" \
	    grep -q "cancelled: $2 runs here as before" "$WORK/cancel.out"
	check "$1: $2 runs exactly once, on A" runs_only_on A "$2"
	check "$1: B keeps no copy of $2" sh -c \
	    "! $SIM -d $WORK/B/sim list | grep -q '^$2'"
}

# Queued and streaming: web01 streams under a rate cap and takes A's one
# slot, web02 waits in the queue behind it.
fresh ""
sim_on A create web02 --memory 16 --dirty-rate 5 >/dev/null
start_bg web01 "$WORK/j1.out" -r 1
J1=$BG
until_true "web01's job is streaming" job_state_is A web01 streaming
start_bg web02 "$WORK/j2.out"
J2=$BG
until_true "web02's job is queued behind it" job_state_is A web02 queued
cancel "$(job_of A web02)"
cancelled "queued" web02
bg_wait "$J2" "web02's xm migrate" "$WORK/j2.out"
check "queued: web02's xm migrate exits 1" [ "$BG_RC" -eq 1 ]
check "queued: web02 never reached B" sh -c \
    "! grep -q 'web02' $WORK/B/log"
cancel "$(job_of A web01)"
cancelled "streaming" web01
bg_wait "$J1" "web01's xm migrate" "$WORK/j1.out"
check "streaming: web01's xm migrate exits 1" [ "$BG_RC" -eq 1 ]
xm_on A jobs >"$WORK/jobs.out"
sed 's/^/    jobs: /' "$WORK/jobs.out"
check "streaming: xm jobs says cancelled" \
    grep -q "web01 .* failed .*cancelled (xm migrate --cancel)" \
    "$WORK/jobs.out"

# Waiting: B takes one migration at a time and is busy with web01, so
# web02's job waits on A for its next try.
fresh "" "(xrelocd-max-migrations 4)" "(xrelocd-max-incoming 1)"
sim_on A create web02 --memory 16 --dirty-rate 5 >/dev/null
start_bg web01 "$WORK/j1.out" -r 1
J1=$BG
until_true "web01's job is streaming" job_state_is A web01 streaming
start_bg web02 "$WORK/j2.out"
J2=$BG
until_true "web02's job waits: B is busy" job_state_is A web02 waiting
cancel "$(job_of A web02)"
cancelled "waiting" web02
bg_wait "$J2" "web02's xm migrate" "$WORK/j2.out"
check "waiting: web02's xm migrate exits 1" [ "$BG_RC" -eq 1 ]
check "waiting: its journal says cancelled too" grep -l -r \
    "cancelled while waiting" "$WORK/A/state"
cancel "$(job_of A web01)"
bg_wait "$J1" "web01's xm migrate" "$WORK/j1.out"

for point in src-precheck src-suspended src-go; do
	fresh "$point:wait"
	start_bg web01 "$WORK/j1.out"
	J1=$BG
	until_true "$point: A's worker holds there" held "$point"
	cancel "$(job_of A web01)"
	cancelled "$point" web01
	bg_wait "$J1" "xm migrate" "$WORK/j1.out"
	check "$point: xm migrate exits 1" [ "$BG_RC" -eq 1 ]
	check "$point: web01 under its own name on A" has_domain A web01
	check "$point: no web01--migratedaway left on A" sh -c \
	    "! $SIM -d $WORK/A/sim list | grep -q migratedaway"
done

# After GO: too late; the migration goes on and web01 ends up on B.
fresh "src-go-sent:wait"
start_bg web01 "$WORK/j1.out"
J1=$BG
until_true "src-go-sent: A's worker holds there" held src-go-sent
cancel "$(job_of A web01)"
check "after GO: xm migrate --cancel exits 1" [ "$CANCEL_RC" -eq 1 ]
check "after GO: it says too late" grep -q "too late to cancel" \
    "$WORK/cancel.out"
touch "$XRELOCD_FAULT_RELEASE"
bg_wait "$J1" "xm migrate" "$WORK/j1.out"
check "after GO: the migration ends moved (exit 0)" [ "$BG_RC" -eq 0 ]
check "after GO: web01 runs exactly once, on B" runs_only_on B web01
check "after GO: memory equal" memory_equal A B web01

# Mistakes: a job that does not exist, an ended one, a bad number.
cancel 999
check "no such job: exit 1" [ "$CANCEL_RC" -eq 1 ]
check "no such job: named" grep -q "no job 999" "$WORK/cancel.out"
cancel "$(job_of A web01)"
check "ended job: exit 1" [ "$CANCEL_RC" -eq 1 ]
check "ended job: says it has ended" grep -q "has ended already" \
    "$WORK/cancel.out"
cancel web01
check "not a number: usage error (exit 2)" [ "$CANCEL_RC" -eq 2 ]
check "not a number: names --cancel" grep -q "\-\-cancel: 'web01'" \
    "$WORK/cancel.out"
finish
