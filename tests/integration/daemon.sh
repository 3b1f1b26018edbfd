#!/bin/sh
# The daemon as an admin meets it: xend's XML-RPC call still works, a bad
# config on SIGHUP keeps the running one, peers that never say HELLO are
# dropped, SIGTERM lets a running migration finish, xm without a daemon
# says what to check.
set -eu
. "$(dirname "$0")/lib.sh"

start_host A
start_host B
sim_on A create web01 --memory 32 --dirty-rate 5 >/dev/null

# A script that spoke XML-RPC to xend keeps working.
cat >"$WORK/xend.py" <<'PY'
import sys, xmlrpc.client
sys.path.insert(0, sys.argv[4])
from xmlrpc_unix import proxy
server = proxy(sys.argv[1])
try:
    print(server.xend.domain.migrate(sys.argv[2], "127.0.0.1", True,
                                     int(sys.argv[3]), -1, False, False))
except xmlrpc.client.Fault as f:
    print("fault", f.faultCode, f.faultString)
    sys.exit(1)
PY
check "xend.domain.migrate over the control socket moves web01" \
    python3 "$WORK/xend.py" "$WORK/A/ctl.sock" web01 "$(port_of B)" \
    "$(dirname "$0")"
check "xend.domain.migrate: web01 runs only on B" runs_only_on B web01
check "xend.domain.migrate: a missing domain is a fault" \
    sh -c "! python3 $WORK/xend.py $WORK/A/ctl.sock nosuch $(port_of B) \
    $(dirname "$0") >/dev/null"
check "control socket is mode 0600" \
    [ "$(stat -c %a "$WORK/A/ctl.sock")" = 600 ]
check "pidfile names the daemon" \
    [ "$(cat "$WORK/A/pid")" = "$(cat "$WORK/A/daemon.pid")" ]

# SIGHUP with a broken file: logged, the old configuration stays (the
# whole rule is in reload.sh).
cp "$WORK/B/xend-config.sxp" "$WORK/B/good.sxp"
echo "(xend-relocation-port 70000)" >>"$WORK/B/xend-config.sxp"
kill -HUP "$(cat "$WORK/B/daemon.pid")"
check "SIGHUP with errors: logged" \
    logged B "keeping the running configuration"
cp "$WORK/B/good.sxp" "$WORK/B/xend-config.sxp"
migrate B A web01 -l
check "SIGHUP with errors: B still migrates" [ "$XM_RC" -eq 0 ]

# A peer that connects and says nothing is dropped after the HELLO
# timeout: a host of its own with a short one (the others wait longer, so
# that a loaded machine never trips them).  The peer waits for the close.
HELLO_TIMEOUT=2 start_host H
python3 - "$(port_of H)" <<'PY' &
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(300)
try:
    data = s.recv(1)
except ConnectionResetError:
    data = b""
sys.exit(0 if data == b"" else 1)
PY
silent=$!
check "silent peer dropped after xrelocd-hello-timeout" \
    logged H "no HELLO within 2s|no HELLO: timed out"
check "silent peer: its connection was closed" wait "$silent"
stop_host H

# Garbage instead of HELLO: refused by the daemon, naming the peer, on
# its first byte; no worker.
before=$(forks A)
python3 - "$(port_of A)" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET / HTTP/1.0\r\n\r\n")
s.settimeout(3)
try:
    s.recv(100)
except Exception:
    pass
PY
check "garbage peer: refused, logged with its address" \
    logged A "127[.]0[.]0[.]1:[0-9]*: not an xrelocd peer: first byte 0x47"
check "garbage peer: no worker forked for it" [ "$(forks A)" -eq "$before" ]
check "garbage peer: web01 still runs on A" runs_only_on A web01

# A worker's own message (the worker channel's record, magic XRLW) from a
# peer: the relocation port knows nothing of it and refuses it before it
# is read as anything.
python3 - "$(port_of A)" <<'PY'
import socket, struct, sys
body = b"(migration (id 00000000-0000-4000-8000-000000000001) (role source))"
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(struct.pack(">IHHI", 0x58524C57, 1, 1, len(body)) + body)
s.settimeout(3)
try:
    s.recv(100)
except Exception:
    pass
PY
check "worker message from a peer: refused as not the wire's" \
    logged A "peer 127[.]0[.]0[.]1:[0-9]*: bad magic 0x58524c57"
check "worker message from a peer: nothing journaled of it" \
    sh -c "! ls $WORK/A/state | grep -q 00000000-0000-4000-8000-000000000001"

# SIGTERM during a migration: the migration finishes, then the daemon
# exits.  The rate cap makes the stream last 2.5 s at least, however fast
# the machine: SIGTERM goes once the worker runs.
sim_on A create big --memory 256 --dirty-rate 0 >/dev/null
xm_on A migrate -l -r 100 -p "$(port_of B)" big 127.0.0.1 >"$WORK/big.out" 2>&1 &
xmpid=$!
check "SIGTERM: the migration of big started" \
    logged A "worker\[big\] pid [0-9]*: migrating to"
kill -TERM "$(cat "$WORK/A/daemon.pid")"
set +e
wait $xmpid
rc=$?
set -e
check "SIGTERM: it came during the migration" \
    logged A "stopping: no new migrations, waiting for 1 running"
check "SIGTERM: the running migration finished (xm exit 0)" [ "$rc" -eq 0 ]
check "SIGTERM: big runs on B" runs_only_on B big
# It answers xm a moment longer (xrelocd(8), SIGNALS), then exits.
check "SIGTERM: the daemon exited" wait_for "A's daemon to exit" "$WAIT" \
    sh -c "! kill -0 $(cat "$WORK/A/daemon.pid") 2>/dev/null"

# xend's TLS server key without a certificate: the daemon does not start,
# and says which key to set (tls.sh moves domains with one).
mkdir -p "$WORK/C"
sed "s|(xrelocd-state-dir [^)]*)|&\\
(xend-relocation-ssl-server yes)|" "$WORK/A/xend-config.sxp" \
    >"$WORK/C/xend-config.sxp"
set +e
timeout 60 "$XRELOCD" -d -f "$WORK/C/xend-config.sxp" >"$WORK/C/log" 2>&1
rc=$?
set -e
sed 's/^/    xrelocd: /' "$WORK/C/log"
check "ssl-server yes without a certificate: the daemon does not start" \
    [ "$rc" -ne 0 ]
check "ssl-server yes without a certificate: it names the key to set" \
    grep -q "xend-relocation-server-ssl-cert-file is not set" \
    "$WORK/C/log"

# A state directory it cannot write: the daemon refuses to start, and says
# which key and which path (a file stands where the directory should be).
mkdir -p "$WORK/D"
: >"$WORK/D/notadir"
sed "s|(xrelocd-state-dir [^)]*)|(xrelocd-state-dir $WORK/D/notadir/state)|" \
    "$WORK/A/xend-config.sxp" >"$WORK/D/xend-config.sxp"
set +e
"$XRELOCD" -d -f "$WORK/D/xend-config.sxp" >"$WORK/D/log" 2>&1
rc=$?
set -e
sed 's/^/    xrelocd: /' "$WORK/D/log"
check "unwritable state dir: the daemon does not start" [ "$rc" -ne 0 ]
check "unwritable state dir: it names the path and the key" \
    grep -q "notadir/state.*xrelocd-state-dir" "$WORK/D/log"

# xm with no daemon behind the socket.
set +e
XRELOCD_SOCKET=$WORK/none.sock "$XM" list >"$WORK/xm.out" 2>&1
rc=$?
set -e
check "xm without a daemon: exit 1" [ "$rc" -eq 1 ]
check "xm without a daemon: names the socket" grep -q "none.sock" "$WORK/xm.out"

finish
