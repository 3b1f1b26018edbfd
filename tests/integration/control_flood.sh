#!/bin/sh
# The control socket under exhaustion: 1100 idle connections to it (more
# than the soft fd limit of 1024 the daemon starts with) do not make the
# daemon spin or flood its log; xm list and xm jobs are still answered,
# and a live migration still moves.  Then a daemon whose fd limit cannot
# be raised (100) runs out of descriptors: it pauses accepting instead of
# spinning, closes the idle connections, and answers xm again.  A client
# that dribbles its request a byte a second is closed all the same once
# the request deadline (10 s from connect) has passed.
set -eu
. "$(dirname "$0")/lib.sh"

# flood SOCKET N READY: hold N idle connections to SOCKET until killed;
# READY is written once they are all open (or as many as connected
# before three in a row could not).
flood() {
	python3 - "$@" <<'PY' >/dev/null 2>&1 &
import os, resource, socket, sys, time
path, n, ready = sys.argv[1], int(sys.argv[2]), sys.argv[3]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
held = []
fails = 0
# A full backlog fails a connect at once (EAGAIN): try again a while, so
# the flood outruns the daemon's accepting however busy the machine is.
for i in range(n):
    if fails >= 3:
        break
    for t in range(100):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(2)
        try:
            s.connect(path)
        except BlockingIOError:
            s.close()
            time.sleep(0.01)
            continue
        except OSError:
            s.close()
            fails += 1
            break
        held.append(s)
        fails = 0
        break
    else:
        fails += 1
with open(ready, "w") as f:
    f.write("%d\n" % len(held))
while True:
    time.sleep(1)
PY
	echo $!
}

# dribble SOCKET OUT: send a request header a byte a second, never whole;
# OUT gets the seconds from connect to the daemon closing it (or 120).
dribble() {
	python3 - "$@" <<'PY' >/dev/null 2>&1 &
import select, socket, sys, time
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(path)
start = time.monotonic()
head = b"POST /RPC2 HTTP/1.0\r\nX-Slow: "
i = 0
while time.monotonic() - start < 120:
    b = head[i:i + 1] if i < len(head) else b"a"
    i += 1
    try:
        s.send(b)
        if select.select([s], [], [], 1)[0] and s.recv(1) == b"":
            break
    except OSError:
        break
with open(out, "w") as f:
    f.write("%d\n" % (time.monotonic() - start))
PY
	echo $!
}

answers() { xm_on "$1" "$2" >"$WORK/xm.$1.$2" 2>&1; }
# The lines about control connections and accept errors in HOST's log.
noise() { grep -c -E 'control: .*(refused|accept)|accept:' "$WORK/$1/log" ||
    true; }

ulimit -S -n 1024
start_host A
start_host B
sim_on A create web01 --memory 32 --dirty-rate 5 >/dev/null
check "A raised its open file limit at start" \
    logged A "open file limit raised from 1024 to"

fpid=$(flood "$WORK/A/ctl.sock" 1100 "$WORK/flood.A")
check "1100 control connections were opened" \
    wait_for "the flood to connect" "$WAIT" test -s "$WORK/flood.A"
log "$(cat "$WORK/flood.A") connections held"
check "under the flood: xm list answers" \
    wait_for "xm list on A" "$WAIT" answers A list
check "under the flood: xm list shows web01" grep -q web01 "$WORK/xm.A.list"
check "under the flood: xm jobs answers" \
    wait_for "xm jobs on A" "$WAIT" answers A jobs
migrate A B web01 -l
check "under the flood: a live migration exits 0" [ "$XM_RC" -eq 0 ]
check "under the flood: web01 runs only on B" runs_only_on B web01
n=$(noise A)
log "A logged $n lines about control connections"
check "under the flood: a handful of log lines, not a flood" [ "$n" -le 20 ]
kill "$fpid" 2>/dev/null || true

dpid=$(dribble "$WORK/A/ctl.sock" "$WORK/dribble.A")
check "a dribbling client is closed after the request deadline" \
    wait_for "A to close the dribbling client" 90 test -s "$WORK/dribble.A"
d=$(cat "$WORK/dribble.A")
log "the dribbling client was closed after $d s"
check "a dribbling client is closed at its deadline, not before" \
    [ "$d" -ge 9 -a "$d" -lt 120 ]
check "after the dribbling client: xm list answers" \
    wait_for "xm list on A" "$WAIT" answers A list
wait "$dpid" 2>/dev/null || true

# B cannot have more than 100 descriptors: the flood exhausts them.
prlimit --pid "$(cat "$WORK/B/daemon.pid")" --nofile=100:100
fpid=$(flood "$WORK/B/ctl.sock" 300 "$WORK/flood.B")
check "the second flood is connected" \
    wait_for "the flood to connect" "$WAIT" test -s "$WORK/flood.B"
check "out of descriptors: B pauses accepting" \
    logged B "accept: Too many open files, accepting again in a second"
check "out of descriptors: xm list on B answers" \
    wait_for "xm list on B" "$WAIT" answers B list
check "out of descriptors: xm list shows web01" grep -q web01 "$WORK/xm.B.list"
n=$(noise B)
log "B logged $n lines about control connections"
check "out of descriptors: a handful of log lines" [ "$n" -le 20 ]
kill "$fpid" 2>/dev/null || true

finish
