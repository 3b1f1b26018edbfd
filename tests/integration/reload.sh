#!/bin/sh
# SIGHUP applies a configuration whole or changes nothing (xrelocd(8),
# SIGNALS).  A reload to an address no interface has, to a port already in
# use, from a file with errors, or one that needs a restart keeps the
# running listener: the log names the cause and domains still arrive
# through the old port.  A good reload opens the new port before the old
# one closes, and moves the control socket and pid file.
set -eu
. "$(dirname "$0")/lib.sh"

start_host A
start_host B
cp "$WORK/B/xend-config.sxp" "$WORK/B/good.sxp"
OLD=$(port_of B)
for d in web01 web02 web03 web04 web05 web06 web07 web08; do
	sim_on A create $d --memory 16 --dirty-rate 5 >/dev/null
done

# hup HOST: send SIGHUP and wait (up to 60 s) for the reload's outcome.
# HUP_LOG then holds what the daemon logged from the signal on.
hup() {
	HUP_SRC=$WORK/$1/log
	HUP_LOG=$WORK/$1/hup.log
	HUP_FROM=$(($(wc -l <"$HUP_SRC") + 1))
	kill -HUP "$(cat "$WORK/$1/daemon.pid")"
	i=0
	while [ $i -lt 600 ]; do
		tail -n "+$HUP_FROM" "$HUP_SRC" >"$HUP_LOG"
		grep -q -E "reloaded|keeping the running|SIGHUP ignored" \
		    "$HUP_LOG" && return 0
		i=$((i + 1))
		sleep 0.1
	done
	echo "    no outcome of SIGHUP in $HUP_SRC"
	return 1
}

# logged PATTERN: the last reload logged a line matching PATTERN.  The
# listeners' lines may come a moment after "reloaded": wait for it.
logged_now() {
	tail -n "+$HUP_FROM" "$HUP_SRC" >"$HUP_LOG"
	grep -q -e "$1" "$HUP_LOG"
}
logged() { wait_for "'$1' in the log since the SIGHUP" "$WAIT" logged_now "$1"; }

# refuses PORT: nothing listens on 127.0.0.1 PORT.
refuses() {
	python3 - "$1" <<'PY'
import socket, sys
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), 10).close()
except ConnectionRefusedError:
    sys.exit(0)
sys.exit(1)
PY
}

# bad_reload WHAT DOMAIN CAUSE: B reloads its file, changes nothing, logs
# CAUSE, and DOMAIN still moves from A to B through the old port.
bad_reload() {
	what=$1 dom=$2 cause=$3
	check "$what: SIGHUP answered" hup B
	check "$what: the log names the cause" logged "$cause"
	check "$what: one line says nothing changed" \
	    logged "reload: .*keeping the running configuration"
	check "$what: nothing listens anew" sh -c "! grep -q 'listening on' $HUP_LOG"
	migrate A B "$dom" -l
	check "$what: B still receives on port $OLD (xm exit 0)" [ "$XM_RC" -eq 0 ]
	check "$what: $dom runs only on B" runs_only_on B "$dom"
	cp "$WORK/B/good.sxp" "$WORK/B/xend-config.sxp"
}

# (a) An address no interface has (TEST-NET: only bound, never reached).
sed 's/^(xend-relocation-address .*/(xend-relocation-address 192.0.2.77)/' \
    "$WORK/B/good.sxp" >"$WORK/B/xend-config.sxp"
bad_reload "address on no interface" web01 \
    "reload: cannot listen on 192.0.2.77 port $OLD: Cannot assign requested address; keeping the running configuration"

# (b) A port in use, named by interface: the cause is the port, not the
# interface.
BUSY=$(free_port)
python3 - "$BUSY" "$WORK/busy.ready" <<'PY' &
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(1)
open(sys.argv[2], "w").close()
time.sleep(600)
PY
busy=$!
wait_for "the busy port's listener" "$WAIT" test -f "$WORK/busy.ready"
sed -e 's/^(xend-relocation-address .*/(xend-relocation-address lo)/' \
    -e "s/^(xend-relocation-port .*/(xend-relocation-port $BUSY)/" \
    "$WORK/B/good.sxp" >"$WORK/B/xend-config.sxp"
bad_reload "port in use" web02 \
    "cannot listen on 127.0.0.1 port $BUSY: Address already in use"
check "port in use: not blamed on the interface" \
    sh -c "! grep -q 'no IPv4 address' $HUP_LOG"

# (c) A syntax error: the file and line are named.
echo "(xend-relocation-port 8003" >>"$WORK/B/xend-config.sxp"
bad_reload "syntax error" web03 "xend-config.sxp:[0-9]*"
check "syntax error: the file is named as having errors" \
    logged "reload: .*xend-config.sxp has errors"

# (d) Everything else is fine but the new port is in use: the new control
# socket and pid file it had prepared are gone, the old ones serve.
sed -e "s/^(xend-relocation-port .*/(xend-relocation-port $BUSY)/" \
    -e "s|^(xrelocd-control-socket .*|(xrelocd-control-socket $WORK/B/ctl2.sock)|" \
    -e "s|^(xrelocd-pid-file .*|(xrelocd-pid-file $WORK/B/pid2)|" \
    "$WORK/B/good.sxp" >"$WORK/B/xend-config.sxp"
bad_reload "one part fails" web04 \
    "cannot listen on 127.0.0.1 port $BUSY: Address already in use"
check "one part fails: the new control socket was closed" \
    [ ! -e "$WORK/B/ctl2.sock" ]
check "one part fails: the new pid file was removed" [ ! -e "$WORK/B/pid2" ]
check "one part fails: the old control socket answers" xm_on B list
check "one part fails: the old pid file stays" \
    [ "$(cat "$WORK/B/pid")" = "$(cat "$WORK/B/daemon.pid")" ]
kill "$busy"
wait "$busy" 2>/dev/null || true

# (e) A change that needs a restart.
sed 's/^(xrelocd-backend .*/(xrelocd-backend libxl)/' \
    "$WORK/B/good.sxp" >"$WORK/B/xend-config.sxp"
bad_reload "backend change" web05 \
    "xrelocd-backend cannot change while xrelocd runs ('sim' to 'libxl'): restart xrelocd"

# (f) A good reload: new port, control socket and pid file.  The new port
# listens before the old one closes; the old port then refuses.
NEW=$(free_port)
sed -e "s/^(xend-relocation-port .*/(xend-relocation-port $NEW)/" \
    -e "s|^(xrelocd-control-socket .*|(xrelocd-control-socket $WORK/B/ctl2.sock)|" \
    -e "s|^(xrelocd-pid-file .*|(xrelocd-pid-file $WORK/B/pid2)|" \
    "$WORK/B/good.sxp" >"$WORK/B/xend-config.sxp"
check "good reload: SIGHUP answered" hup B
check "good reload: reloaded" logged "reloaded $WORK/B/xend-config.sxp"
check "good reload: listening on the new port" \
    logged "relocation server listening on 127.0.0.1 port $NEW"
echo "$NEW" >"$WORK/B/port"
migrate A B web06 -l
check "good reload: B receives on port $NEW (xm exit 0)" [ "$XM_RC" -eq 0 ]
check "good reload: web06 runs only on B" runs_only_on B web06
check "good reload: the old port $OLD refuses" refuses "$OLD"
check "good reload: the new control socket answers" \
    env XRELOCD_SOCKET="$WORK/B/ctl2.sock" "$XM" list
check "good reload: the old control socket is gone" [ ! -e "$WORK/B/ctl.sock" ]
check "good reload: the new pid file names the daemon" \
    [ "$(cat "$WORK/B/pid2")" = "$(cat "$WORK/B/daemon.pid")" ]
check "good reload: the old pid file is gone" [ ! -e "$WORK/B/pid" ]

# (g) The same address and port, with the relocation server off: the
# listener closes, and back on it opens again.
sed 's/^(xend-relocation-server .*/(xend-relocation-server no)/' \
    "$WORK/B/xend-config.sxp" >"$WORK/B/off.sxp"
cp "$WORK/B/xend-config.sxp" "$WORK/B/on.sxp"
cp "$WORK/B/off.sxp" "$WORK/B/xend-config.sxp"
check "server off: SIGHUP answered" hup B
check "server off: reloaded" logged "reloaded"
check "server off: the log says so" logged "relocation server off"
check "server off: port $NEW refuses" refuses "$NEW"
cp "$WORK/B/on.sxp" "$WORK/B/xend-config.sxp"
check "server on again: SIGHUP answered" hup B
check "server on again: listening on port $NEW" \
    logged "relocation server listening on 127.0.0.1 port $NEW"
migrate A B web07 -l
check "server on again: B receives (xm exit 0)" [ "$XM_RC" -eq 0 ]
check "server on again: web07 runs only on B" runs_only_on B web07

# (h) The same port on an address that overlaps the running one (lo is
# 127.0.0.1): the new socket binds once the old one is closed.
sed 's/^(xend-relocation-address .*/(xend-relocation-address lo)/' \
    "$WORK/B/on.sxp" >"$WORK/B/xend-config.sxp"
check "same port, overlapping address: SIGHUP answered" hup B
check "same port, overlapping address: reloaded" logged "reloaded"
check "same port, overlapping address: listening on port $NEW" \
    logged "relocation server listening on 127.0.0.1 port $NEW"
migrate A B web08 -l
check "same port, overlapping address: B receives (xm exit 0)" \
    [ "$XM_RC" -eq 0 ]
check "same port, overlapping address: web08 runs only on B" \
    runs_only_on B web08

# At start-up too, a port in use is named as such.
python3 - "$WORK/C.ready" <<'PY' &
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("%d\n" % s.getsockname()[1])
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(600)
PY
busy=$!
wait_for "the listener on C's port" "$WAIT" test -f "$WORK/C.ready"
host_facts C
sed -e 's/^(xend-relocation-address .*/(xend-relocation-address lo)/' \
    -e "s/^(xend-relocation-port .*/(xend-relocation-port $(cat "$WORK/C.ready"))/" \
    -e "s|$WORK/B/|$WORK/C/|g" "$WORK/B/good.sxp" >"$WORK/C/xend-config.sxp"
set +e
"$XRELOCD" -d -f "$WORK/C/xend-config.sxp" >"$WORK/C/log" 2>&1
rc=$?
set -e
kill "$busy"
wait "$busy" 2>/dev/null || true
check "start-up on a port in use: exit 1" [ "$rc" -eq 1 ]
check "start-up on a port in use: the log says so" grep -q \
    "fatal: cannot listen on 127.0.0.1 port $(cat "$WORK/C.ready"): Address already in use" \
    "$WORK/C/log"

finish
