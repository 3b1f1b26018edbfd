# Shared by the integration tests: start simulated hosts (an xrelocd with
# the sim backend, its own state directory, control socket and relocation
# port on loopback) and drive them with xm and xrelocd-sim.  POSIX sh.
# shellcheck shell=sh

: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
top_builddir=$(cd "$top_builddir" && pwd)
XRELOCD=$top_builddir/xrelocd/xrelocd
XM=$top_builddir/xm-migrate/xm
SIM=$top_builddir/tools/xrelocd-sim

# A sim domain's memory is a file: keep it in memory (/dev/shm) when we
# can, so that page cache writeback does not stall the guests.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
	TMPDIR=/dev/shm
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/xrelocd-it.XXXXXX")
HOSTS=""
FAILS=0
PASSES=0

# Stop every daemon and end every guest this test started.
teardown() {
	for h in $HOSTS; do
		stop_host "$h"
	done
	HOSTS=""
	for d in "$WORK"/*/sim; do
		[ -d "$d" ] || continue
		"$SIM" -d "$d" list 2>/dev/null | awk 'NR > 1 { print $1 }' |
		    while read -r dom; do
			"$SIM" -d "$d" destroy "$dom" >/dev/null 2>&1 || true
		done
	done
}

cleanup() {
	teardown
	if [ "$FAILS" -eq 0 ] || [ -z "${KEEP:-}" ]; then
		rm -rf "$WORK"
	else
		echo "kept $WORK"
	fi
}
trap cleanup EXIT INT TERM

log() { echo "# $*"; }

# A test that arms XRELOCD_FAULT needs a build with the hooks in it
# (configure --enable-fault-injection, as scripts/setup.sh builds).
needs_fault_injection() {
	[ "${XRELOCD_FAULT_INJECTION:-yes}" = yes ] && return 0
	echo "SKIP: built without --enable-fault-injection"
	exit 77
}

ok() {
	PASSES=$((PASSES + 1))
	echo "ok - $*"
}

not_ok() {
	FAILS=$((FAILS + 1))
	echo "not ok - $*"
	for h in $HOSTS; do
		echo "--- last lines of host $h's log:"
		tail -n 25 "$WORK/$h/log" | sed 's/^/    /'
	done
}

# check DESCRIPTION COMMAND...: one assertion.
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# Processes still running from this test's directory: a worker or guest
# that outlived its daemon is a bug.
leftovers() {
	for p in /proc/[0-9]*; do
		cmd=$({ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null) || continue
		case "$cmd" in
		*"$WORK/"*) echo "    left: ${p#/proc/} $cmd" ;;
		esac
	done
	return 0
}

no_leftovers() { [ -z "$(leftovers)" ]; }

# A worker may outlive its daemon's stop by its own exit (a sanitizer's
# leak check takes seconds on a busy machine): it must end, not at once.
finish() {
	teardown
	if wait_for "the test's processes to end" "$WAIT" no_leftovers; then
		ok "no process of the test left after it"
	else
		not_ok "no process of the test left after it"
		leftovers
	fi
	echo "$PASSES passed, $FAILS failed"
	[ "$FAILS" -eq 0 ]
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Wait for a background xm: show its output (OUT, prefixed LABEL) and
# leave its exit status in $BG_RC.  Usage: bg_wait PID LABEL OUT
bg_wait() {
	BG_RC=0
	wait "$1" || BG_RC=$?
	sed "s/^/    $2: /" "$3"
}

# wait_for WHAT SECONDS COMMAND...: run COMMAND every 0.1 s until it
# succeeds, for at most SECONDS of wall-clock time; on time out say what
# was awaited and fail.  Tests wait for what they assert, never a fixed
# time: a loaded machine is slow, not wrong.
wait_for() {
	wf_what=$1
	wf_end=$(($(date +%s) + $2))
	shift 2
	until "$@"; do
		if [ "$(date +%s)" -ge "$wf_end" ]; then
			echo "    gave up waiting for $wf_what"
			return 1
		fi
		sleep 0.1
	done
}

# The deadline of the tests' waits, in seconds: generous, since a test
# that gives up wrongly is worse than one that fails late.
WAIT=${WAIT:-60}

# logged HOST ERE: HOST's log has a line matching ERE (waits for it).
logged() {
	wait_for "'$2' in the log of host $1" "$WAIT" \
	    grep -q -E -- "$2" "$WORK/$1/log"
}

# daemon_up DIR: the daemon of DIR has its control socket, or has died
# (1 ends the wait at once; start_host tells the two apart).
daemon_up() {
	[ -S "$1/ctl.sock" ] || ! kill -0 "$(cat "$1/daemon.pid")" 2>/dev/null
}

# start_host NAME [EXTRA-CONFIG-LINES] -- needs $ALLOW (default 127.0.0.1).
# The timeouts are far above what a loaded machine needs; a test of a
# timeout sets its own (HELLO_TIMEOUT, IO_TIMEOUT).
start_host() {
	h=$1
	dir=$WORK/$h
	mkdir -p "$dir/sim"
	port=$(free_port)
	echo "$port" >"$dir/port"
	cat >"$dir/xend-config.sxp" <<CONF
(xend-relocation-server yes)
(xend-relocation-port $port)
(xend-relocation-address 127.0.0.1)
(xend-relocation-hosts-allow '${ALLOW:-127.0.0.1}')
(xrelocd-backend sim)
(xrelocd-sim-dir $dir/sim)
(xrelocd-state-dir $dir/state)
(xrelocd-control-socket $dir/ctl.sock)
(xrelocd-pid-file $dir/pid)
(xrelocd-io-timeout ${IO_TIMEOUT:-60})
(xrelocd-hello-timeout ${HELLO_TIMEOUT:-30})
(xrelocd-log-level debug)
${2:-}
CONF
	[ -f "$dir/sim/host.sxp" ] || host_facts "$h"
	env ${FAULT:+XRELOCD_FAULT=$FAULT} "$XRELOCD" -d -f "$dir/xend-config.sxp" \
	    >>"$dir/log" 2>&1 &
	echo $! >"$dir/daemon.pid"
	HOSTS="$HOSTS $h"
	if ! wait_for "host $h's control socket" "$WAIT" daemon_up "$dir" ||
	    [ ! -S "$dir/ctl.sock" ]; then
		echo "host $h did not start:"
		cat "$dir/log"
		exit 1
	fi
}

# stop_host NAME: SIGTERM, and SIGKILL only if the daemon outlives the
# deadline (its workers would be left over: finish then says so).  The
# daemon lets its workers end first, and a worker may wait for a peer
# that is gone for the whole I/O timeout.
stop_host() {
	dir=$WORK/$1
	[ -f "$dir/daemon.pid" ] || return 0
	pid=$(cat "$dir/daemon.pid")
	kill "$pid" 2>/dev/null || true
	wait_for "host $1's daemon to exit" $((${IO_TIMEOUT:-60} + WAIT)) \
	    sh -c "! kill -0 $pid 2>/dev/null" || kill -9 "$pid" 2>/dev/null ||
	    true
	rm -f "$dir/daemon.pid"
}

# The bridge every test host has unless told otherwise.
DEFAULT_BRIDGES="(bridges (bridge (name xenbr0) (subnet 192.0.2.0/24) (mtu 1500)))"

# Write a sim host's facts (before start_host): host_facts NAME SXP...
# Fields given override the defaults (snapshots on, DEFAULT_BRIDGES).
host_facts() {
	mkdir -p "$WORK/$1/sim"
	hf=$1
	shift
	case "$*" in
	*"(bridges"*) br="" ;;
	*) br=$DEFAULT_BRIDGES ;;
	esac
	case "$*" in
	*"(snapshot"*) snap="" ;;
	*) snap="(snapshot yes)" ;;
	esac
	printf '(host (hostname %s) %s %s %s)\n' "$hf" "$snap" "$br" "$*" \
	    >"$WORK/$hf/sim/host.sxp"
}

port_of() { cat "$WORK/$1/port"; }
xm_on() { h=$1; shift; XRELOCD_SOCKET=$WORK/$h/ctl.sock "$XM" "$@"; }

# job_state_is HOST DOMAIN STATE: xm jobs on HOST shows DOMAIN's job in STATE.
job_state_is() {
	xm_on "$1" jobs | awk -v d="$2" -v s="$3" \
	    '$3 == d && $6 == s { found = 1 } END { exit !found }'
}

# until_true DESC CMD...: check DESC, waiting for CMD to succeed.
until_true() {
	ut_desc=$1
	shift
	check "$ut_desc" wait_for "$ut_desc" "$WAIT" "$@"
}

# caps_a_waits CAP: web01 and web02 on A, web03 on C.  web01 streams to
# B under a rate cap (so it holds B's slot a while); web02, sent next,
# is told busy naming "CAP 1" and waits on A, untouched.  The xm jobs in
# the background are CAPS_JOB1 and CAPS_JOB2.
caps_a_waits() {
	sim_on A create web01 --memory 64 --dirty-rate 1 >/dev/null
	sim_on A create web02 --memory 16 --dirty-rate 1 >/dev/null
	sim_on C create web03 --memory 16 --dirty-rate 1 >/dev/null
	xm_on A migrate -l -r 4 -p "$(port_of B)" web01 127.0.0.1 \
	    >"$WORK/job1.out" 2>&1 &
	CAPS_JOB1=$!
	until_true "web01's job is streaming" job_state_is A web01 streaming
	xm_on A migrate -l -p "$(port_of B)" web02 127.0.0.1 \
	    >"$WORK/job2.out" 2>&1 &
	CAPS_JOB2=$!
	until_true "web02's job waits: B is busy" \
	    job_state_is A web02 waiting
	# Between its tries the job shows why it waits: poll for that.
	until_true "xm jobs names the cap and its key" sh -c \
	    "XRELOCD_SOCKET=$WORK/A/ctl.sock $XM jobs | grep web02 |
	    grep -q 'busy: .*$1 1'"
	check "B logged the busy answer" logged B "told busy: .*$1"
	check "web02 still runs on A, untouched" runs_only_on A web02
}

# caps_a_moves: both of caps_a_waits' jobs end, both domains moved once.
caps_a_moves() {
	bg_wait "$CAPS_JOB1" "job 1" "$WORK/job1.out"
	cm_rc1=$BG_RC
	bg_wait "$CAPS_JOB2" "job 2" "$WORK/job2.out"
	cm_rc2=$BG_RC
	check "web01 moved (exit 0)" [ "$cm_rc1" -eq 0 ]
	check "web02 moved after waiting (exit 0)" [ "$cm_rc2" -eq 0 ]
	check "web01 runs exactly once, on B" runs_only_on B web01
	check "web02 runs exactly once, on B" runs_only_on B web02
	check "A's log says web02 tried again" \
	    logged A "web02 to 127.0.0.1: trying again"
}
sim_on() { h=$1; shift; "$SIM" -d "$WORK/$h/sim" "$@"; }

# migrate FROM TO DOMAIN [xm options...]: sets XM_RC and XM_OUT; a -p
# among the options (a TLS port) wins over TO's plain port.
migrate() {
	from=$1 to=$2 dom=$3
	shift 3
	XM_OUT=$WORK/xm.out
	set +e
	xm_on "$from" migrate -p "$(port_of "$to")" "$@" "$dom" 127.0.0.1 \
	    >"$XM_OUT" 2>&1
	# shellcheck disable=SC2034 # read by the tests
	XM_RC=$?
	set -e
	sed 's/^/    xm: /' "$XM_OUT"
}

# has_domain HOST NAME: the sim host has a domain of that name.
has_domain() { sim_on "$1" info "$2" >/dev/null 2>&1; }
dom_state() { sim_on "$1" info "$2" 2>/dev/null | awk '$1 == "state" { print $2 }'; }
counter() { sim_on "$1" counter "$2" 2>/dev/null; }

# counter_past HOST DOMAIN N: the guest's counter is above N.
counter_past() {
	cp_c=$(counter "$1" "$2") && [ -n "$cp_c" ] && [ "$cp_c" -gt "$3" ]
}

# runs HOST DOMAIN: the guest's counter moves (waits for it to).  A daemon
# may still be finishing a takeover after xm returned (a target worker
# that died after GO), so the domain may take a moment to appear too.
runs() {
	wait_for "a domain $2 on $1" "$WAIT" has_domain "$1" "$2" || return 1
	rn_c=$(counter "$1" "$2") && [ -n "$rn_c" ] || return 1
	wait_for "$2's counter on $1 to move past $rn_c" "$WAIT" \
	    counter_past "$1" "$2" "$rn_c"
}

# stands_still HOST DOMAIN REFHOST REFDOMAIN: DOMAIN on HOST is not in the
# running state, and its counter does not move while the running
# REFDOMAIN on REFHOST counts 20 more ticks.  The guests share the CPU, so
# how long that takes does not matter.  A DOMAIN that is gone stands still.
stands_still() {
	ss_c=$(counter "$1" "$2") || return 0
	[ "$(dom_state "$1" "$2")" != running ] || return 1
	ss_r=$(counter "$3" "$4") && [ -n "$ss_r" ] || return 1
	wait_for "$4 on $3 to count 20 ticks" "$WAIT" \
	    counter_past "$3" "$4" $((ss_r + 20)) || return 1
	ss_c2=$(counter "$1" "$2") || return 0
	[ "$ss_c2" = "$ss_c" ]
}

# Exactly one running copy of DOMAIN across the hosts, and on HOST.
runs_only_on() {
	ro_host=$1 ro_dom=$2
	runs "$ro_host" "$ro_dom" || return 1
	for ro_h in $HOSTS; do
		[ "$ro_h" = "$ro_host" ] && continue
		for ro_n in "$ro_dom" "$ro_dom--incoming" \
		    "$ro_dom--migratedaway"; do
			has_domain "$ro_h" "$ro_n" || continue
			if ! stands_still "$ro_h" "$ro_n" "$ro_host" "$ro_dom"
			then
				echo "    $ro_n also runs on $ro_h"
				return 1
			fi
		done
	done
}

# The snapshots taken at the source's pause and the target's restore match.
memory_equal() {
	uuid=$(sim_on "$2" info "$3" | sed -n 's/.*(uuid \([^)]*\)).*/\1/p')
	pre=$WORK/$1/sim/snapshots/$uuid.pre
	post=$WORK/$2/sim/snapshots/$uuid.post
	[ -f "$pre" ] && [ -f "$post" ] && cmp -s "$pre" "$post"
}

# json FIELD...: a field of the xm --json output in $WORK/xm.out
# (json summary total-ms).
json() {
	python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
for k in sys.argv[2:]:
    d=d[k]
print(d)' "$WORK/xm.out" "$@"
}

# forks H: how many target workers the daemon of H has forked so far.
forks() { grep -c "worker: target worker pid " "$WORK/$1/log" || true; }
