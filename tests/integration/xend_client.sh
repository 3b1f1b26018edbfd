#!/bin/sh
# xend's own callers: xend.domain.migrate called through Python's stdlib
# ServerProxy with allow_none, exactly as the xm of Xen 3.3 to 4.4 called
# it (live and chs as ints, ssl None without -s).  Live (live=1) and
# offline (live=0) moves run as asked; -s (ssl=1) on a host without a
# certificate, a domain that is not there and arguments of the wrong type
# are refused with a fault naming what is wrong, and nothing moves:
# exactly one web01 runs, where it was.
set -eu
. "$(dirname "$0")/lib.sh"

XC=$(dirname "$0")/xend_client.py
start_host A
start_host B
sim_on A create web01 --memory 32 --dirty-rate 5 >/dev/null

# xc HOST VERB ARGS...: the call's answer in $ANS (it may be a fault).
xc() {
	h=$1
	shift
	ANS=$(python3 "$XC" "$WORK/$h/ctl.sock" "$@" 2>&1) || true
	echo "    $h: $* -> $ANS"
}
answered() { [ "$ANS" = "$1" ]; }
# fault CODE TEXT: the last answer is that fault, and its message says TEXT.
fault() {
	case "$ANS" in
	"fault $1 "*"$2"*) return 0 ;;
	esac
	return 1
}
# job_line HOST ROLE LIVE STATUS: xrelocd.job.list on HOST has that job.
job_line() {
	python3 "$XC" "$WORK/$1/ctl.sock" jobs |
	    grep -qx "[0-9]* $2 web01 live=$3 $4"
}
jobs_on() { python3 "$XC" "$WORK/$1/ctl.sock" jobs | wc -l; }
# only_here HOST OTHER: web01 runs on HOST alone; OTHER has no copy of it.
only_here() {
	runs_only_on "$1" web01 &&
	    ! sim_on "$2" list | awk '{ print $1 }' | grep -q '^web01'
}

PA=$(port_of A)
PB=$(port_of B)

xc A migrate "'web01'" "'127.0.0.1'" 1 "$PB" -1 None 0
check "xm -l: live=1 (an int), ssl None (nil) moves web01: 0" answered "ok 0"
check "web01 runs exactly once, on B" only_here B A
check "its memory arrived byte for byte" memory_equal A B web01
check "the job ran live, as asked" job_line A source True "done"

xc B migrate "'web01'" "'127.0.0.1'" 0 "$PA" -1 None 0
check "xm without -l: live=0 moves web01 back: 0" answered "ok 0"
check "web01 runs exactly once, on A" only_here A B
check "the job ran offline, as asked" job_line B source False "done"

before=$(jobs_on A)
xc A migrate "'web01'" "'127.0.0.1'" 1 "$PB" -1 1 0
check "xm -s: ssl=1 is fault 2, no certificate here" \
    fault 2 "TLS relocation (-s) needs this host's certificate"
xc A migrate "'nosuch'" "'127.0.0.1'" 1 "$PB" -1 None 0
check "a domain that is not there: fault 4" \
    fault 4 "no domain nosuch on this host"

# Wrong types and values, each refused naming the argument.
OPTS="'domain': 'web01', 'host': '127.0.0.1', 'port': $PB"
xc A migrate "'web01'" "'127.0.0.1'" "'yes'" "$PB" -1 None 0
check "live 'yes' (a string): fault 2" \
    fault 2 "xend.domain.migrate: live must be a boolean"
xc A migrate "'web01'" "'127.0.0.1'" 2 "$PB" -1 None 0
check "live 2: fault 2" fault 2 "live must be a boolean"
xc A migrate "'web01'" "'127.0.0.1'" 1 "'$PB'" -1 None 0
check "port '$PB' (a string): fault 2, not the daemon's own port" \
    fault 2 "port must be a port number from 1 to 65535"
xc A migrate "'web01'" "'127.0.0.1'" 1 "b'$PB'" -1 None 0
check "port b'$PB' (Python bytes, base64): fault 2" \
    fault 2 "xend-relocation-port, not base64 data"
xc A migrate "'web01'" "'127.0.0.1'" 1 -5 -1 None 0
check "port -5: fault 2" fault 2 "port -5 out of range"
xc A migrate "'web01'" "'127.0.0.1'" 1 70000 -1 None 0
check "port 70000: fault 2" fault 2 "port 70000 out of range"
xc A migrate "'web01'" "'127.0.0.1'" 1 "$PB" 0 None 0
check "node 0 (xm -n 0): fault 2" fault 2 "-n NODE"
xc A migrate "'web01'" "'127.0.0.1'" 1 "$PB" -1 None 1
check "chs 1 (xm -c): fault 2" fault 2 "-c (change the home server"
xc A migrate "'web01'" "'127.0.0.1'" 1 "$PB" -1 None 0 0
check "an eighth argument: fault 2" fault 2 "takes 7 arguments"
xc A options "{$OPTS, 'check': 'yes'}"
check "xrelocd.migrate {check: 'yes'}: fault 2, nothing moves" \
    fault 2 "xrelocd.migrate: check must be a boolean"
xc A options "{$OPTS, 'force': [1]}"
check "xrelocd.migrate {force: [1]}: fault 2, not out of memory" \
    fault 2 "force must be an array of strings"
xc A options "{$OPTS, 'ssl': 1}"
check "xrelocd.migrate {ssl: 1}: fault 2" fault 2 "migrate without -s"
xc A options "{$OPTS, 'lve': True}"
check "xrelocd.migrate with an unknown member: fault 2" \
    fault 2 "unknown member 'lve'"

check "none of them queued a job" [ "$(jobs_on A)" -eq "$before" ]
check "web01 still runs exactly once, on A" only_here A B
check "the daemon still serves" xm_on A jobs

finish
