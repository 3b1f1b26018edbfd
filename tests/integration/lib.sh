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

finish() {
	teardown
	left=$(leftovers)
	if [ -n "$left" ]; then
		not_ok "no process of the test left after it"
		echo "$left"
	else
		ok "no process of the test left after it"
	fi
	echo "$PASSES passed, $FAILS failed"
	[ "$FAILS" -eq 0 ]
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_host NAME [EXTRA-CONFIG-LINES] -- needs $ALLOW (default 127.0.0.1)
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
(xrelocd-control-socket $dir/ctl.sock)
(xrelocd-pid-file $dir/pid)
(xrelocd-io-timeout ${IO_TIMEOUT:-10})
(xrelocd-hello-timeout 3)
(xrelocd-log-level debug)
${2:-}
CONF
	[ -f "$dir/sim/host.sxp" ] || host_facts "$h"
	env ${FAULT:+XRELOCD_FAULT=$FAULT} "$XRELOCD" -d -f "$dir/xend-config.sxp" \
	    >>"$dir/log" 2>&1 &
	echo $! >"$dir/daemon.pid"
	HOSTS="$HOSTS $h"
	i=0
	while [ ! -S "$dir/ctl.sock" ]; do
		i=$((i + 1))
		if [ $i -gt 100 ]; then
			echo "host $h did not start:"
			cat "$dir/log"
			exit 1
		fi
		sleep 0.05
	done
}

stop_host() {
	dir=$WORK/$1
	[ -f "$dir/daemon.pid" ] || return 0
	pid=$(cat "$dir/daemon.pid")
	kill "$pid" 2>/dev/null || true
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
		i=$((i + 1))
		sleep 0.05
	done
	kill -9 "$pid" 2>/dev/null || true
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
sim_on() { h=$1; shift; "$SIM" -d "$WORK/$h/sim" "$@"; }

# migrate FROM TO DOMAIN [xm options...]: sets XM_RC and XM_OUT.
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

# The counter moves: the guest runs.
runs() {
	c1=$(counter "$1" "$2") || return 1
	sleep 0.3
	c2=$(counter "$1" "$2") || return 1
	[ -n "$c1" ] && [ -n "$c2" ] && [ "$c2" -gt "$c1" ]
}

# Exactly one running copy of DOMAIN across the hosts, and on HOST.
runs_only_on() {
	host=$1 dom=$2
	runs "$host" "$dom" || return 1
	for h in $HOSTS; do
		[ "$h" = "$host" ] && continue
		for n in "$dom" "$dom--incoming" "$dom--migratedaway"; do
			if has_domain "$h" "$n" && runs "$h" "$n"; then
				echo "    $n also runs on $h"
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
