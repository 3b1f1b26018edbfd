#!/bin/sh
# A target that cannot be reached: xm exits 1 and says why (refused, timed
# out, name not resolved, closed before HELLO) and what to do about it.
# The domain stays as it was: running, or paused if it was paused.
# Only loopback and a name RFC 6761 reserves (.invalid) are targets.
set -eu
. "$(dirname "$0")/lib.sh"

# A short I/O timeout: the timed-out case waits for it once.
IO_TIMEOUT=3 start_host A
sim_on A create web01 --memory 32 --dirty-rate 5 >/dev/null

# to HOST PORT [xm options...]: migrate web01 from A; sets XM_RC, XM_OUT.
to() {
	to_host=$1 to_port=$2
	shift 2
	XM_OUT=$WORK/xm.out
	set +e
	xm_on A migrate -p "$to_port" "$@" web01 "$to_host" >"$XM_OUT" 2>&1
	XM_RC=$?
	set -e
	sed 's/^/    xm: /' "$XM_OUT"
}

says() { grep -q -F -- "$1" "$XM_OUT"; }

# A failure to reach the target: exit 1, its cause, its fix, web01 kept.
expect_failed() {
	what=$1 cause=$2 fix=$3
	check "$what: xm exits 1" [ "$XM_RC" -eq 1 ]
	check "$what: xm names the cause ($cause)" says "$cause"
	check "$what: xm gives the fix" says "$fix"
	check "$what: not a bare input/output error" \
	    sh -c "! grep -q 'input/output error' '$XM_OUT'"
	check "$what: web01 still runs on A" runs A web01
}

# Nothing listens on the port.
port=$(free_port)
to 127.0.0.1 "$port" -l
expect_failed "refused" "connection refused" \
    "is xrelocd running on 127.0.0.1 with xend-relocation-server yes and xend-relocation-port $port?"

# A name that never resolves (RFC 6761: .invalid).
to nosuch.invalid "$port" -l
expect_failed "name not resolved" "host name not resolved" \
    "check the name or use an address"

# The target's allow-list does not admit 127.0.0.1: it closes at once.
ALLOW=127.0.0.2 start_host C
to 127.0.0.1 "$(port_of C)" -l
expect_failed "closed before HELLO" "closed the connection before HELLO" \
    "allow-list (xend-relocation-hosts-allow) may not admit this host"
check "closed before HELLO: C logged the refused peer" \
    grep -q "refused connection from 127.0.0.1" "$WORK/C/log"
stop_host C

# A listener whose accept queue is full: the kernel drops our SYNs, as a
# firewall that drops packets would, until the I/O timeout.
cat >"$WORK/blackhole.py" <<'PY'
import os, socket, sys, time
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen(0)
port = l.getsockname()[1]
fill = []
for i in range(2):
    c = socket.socket()
    c.setblocking(False)
    try:
        c.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    fill.append(c)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("%d\n" % port)
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(300)
PY
python3 "$WORK/blackhole.py" "$WORK/blackhole.port" </dev/null >/dev/null 2>&1 &
blackhole=$!
wait_for "the blackhole listener" "$WAIT" test -s "$WORK/blackhole.port"
bport=$(cat "$WORK/blackhole.port")
to 127.0.0.1 "$bport" -l
expect_failed "timed out" "timed out" \
    "a firewall may drop packets to port $bport (see xrelocd-firewall(8))"
kill "$blackhole" 2>/dev/null || true
wait "$blackhole" 2>/dev/null || true

# A paused domain stays paused, and xm says so.
sim_on A pause web01 >/dev/null
to 127.0.0.1 "$port" -l
check "paused: xm exits 1" [ "$XM_RC" -eq 1 ]
check "paused: xm says paused here as before" says "paused here as before"
check "paused: xm does not say it runs" \
    sh -c "! grep -q 'runs here' '$XM_OUT'"
check "paused: web01 is still paused on A" [ "$(dom_state A web01)" = paused ]
c1=$(counter A web01)
sleep 0.3
c2=$(counter A web01)
check "paused: its counter does not move" [ "$c1" = "$c2" ]

# The job keeps the fact for scripts.
to 127.0.0.1 "$port" -l --json
check "paused: --json has was-paused true" says '"was-paused": true'
sim_on A unpause web01 >/dev/null
check "unpaused: web01 runs on A" runs A web01

# The source worker dies in the middle of the stream: the daemon resumes
# the domain, and pauses it again if it was paused (needs the fault hooks).
if [ "${XRELOCD_FAULT_INJECTION:-yes}" = yes ]; then
	stop_host A
	FAULT=src-stream@50:kill start_host A
	start_host B
	sim_on A pause web01 >/dev/null
	to 127.0.0.1 "$(port_of B)" -l
	check "paused, worker killed: xm exits 1" [ "$XM_RC" -eq 1 ]
	check "paused, worker killed: xm says paused here as before" \
	    says "paused here as before"
	check "paused, worker killed: web01 is still paused on A" \
	    [ "$(dom_state A web01)" = paused ]
fi

finish
