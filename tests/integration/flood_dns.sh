#!/bin/sh
# With a name pattern in the allow-list and a name server that never
# answers, a flood of connections from a peer not on the list (127.0.0.2)
# waits for its name apart, a few lookups at a time, each refused once
# xrelocd-hello-timeout is up: a live migration from an address on the
# list (127.0.0.1) never waits for DNS and succeeds meanwhile, and the
# refusals are summed up in the log.  Host B runs in its own mount
# namespace, its /etc/resolv.conf naming a silent UDP port.
set -eu
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (a mount namespace)"; exit 77; }
command -v unshare >/dev/null 2>&1 || { echo "SKIP: needs unshare"; exit 77; }
unshare -m true 2>/dev/null || { echo "SKIP: cannot unshare mounts"; exit 77; }
if grep -q -E "^[[:space:]]*127\.0\.0\.2[[:space:]]" /etc/hosts; then
	echo "SKIP: /etc/hosts names 127.0.0.2"
	exit 77
fi

FLOOD=$(dirname "$0")/flood_peer.py
REFUSED="refused connection from 127\.0\.0\.2:[0-9]+"
PER_PEER="\(xrelocd-max-pending-per-peer\)"

# The name server: takes every query, answers none.
python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.3", 53))
print("ready", flush=True)
while True:
    s.recvfrom(4096)
' >"$WORK/dns.out" 2>&1 &
dns=$!
wait_for "the silent name server" "$WAIT" grep -q ready "$WORK/dns.out"
printf 'nameserver 127.0.0.3\noptions timeout:30 attempts:5\n' \
    >"$WORK/resolv.conf"
cat >"$WORK/xrelocd-blackhole" <<SH
#!/bin/sh
exec unshare -m sh -c 'mount --bind "$WORK/resolv.conf" /etc/resolv.conf &&
    exec "\$0" "\$@"' "$XRELOCD" "\$@"
SH
chmod +x "$WORK/xrelocd-blackhole"

ALLOW="127.0.0.1 ^nosuchhost\\\\.example\\\\.org\$"
HELLO_TIMEOUT=10
start_host A
real=$XRELOCD
XRELOCD=$WORK/xrelocd-blackhole
start_host B "(xrelocd-max-name-lookups 8) (xrelocd-max-pending-per-peer 4)"
XRELOCD=$real
sim_on A create web01 --memory 64 --dirty-rate 20 \
    --vif mac=00:16:3e:00:00:01,bridge=xenbr0 >/dev/null
check "web01 runs on A" runs A web01

t0=$(date +%s)
python3 "$FLOOD" 127.0.0.2 "$(port_of B)" 64 "$WORK/stop" \
    >"$WORK/flood.out" 2>&1 &
flood=$!
check "lookups beyond 4 from one peer are refused" logged B \
    "$REFUSED: 4 connections from it have not finished HELLO $PER_PEER"

migrate A B web01 -l
check "under the flood: xm exits 0" [ "$XM_RC" -eq 0 ]
check "under the flood: web01 runs only on B" runs_only_on B web01
check "under the flood: memory at B equals A's at pause" \
    memory_equal A B web01
check "a lookup ends when xrelocd-hello-timeout is up" logged B \
    "$REFUSED: its name was not found within 10s \(xrelocd-hello-timeout\)"
check "the refusals are summed up" logged B \
    "refused [0-9]+ more connections from 127\.0\.0\.2 in the last 10 s: "
check "the address on the list never waited for its name" \
    sh -c "! grep -q 'admitted 127\.0\.0\.1' '$WORK/B/log'"

touch "$WORK/stop"
wait "$flood"
t1=$(date +%s)
opened=$(cat "$WORK/flood.out")
lines=$(grep -c -E "(refused|closed) .*connections? from 127\.0\.0\.2" \
    "$WORK/B/log" || true)
bound=$((4 * ((t1 - t0) / 10 + 2)))
log "the flood opened $opened connections in $((t1 - t0)) s; B logged" \
    "$lines lines about them (at most $bound)"
check "the log holds summaries, not a line per connection" \
    [ "$lines" -le "$bound" ]
check "the flood was refused more often than logged" \
    [ "$opened" -gt "$lines" ]
migrate B A web01 -l
check "back: xm exits 0" [ "$XM_RC" -eq 0 ]
check "back: web01 runs only on A" runs_only_on A web01

kill "$dns" 2>/dev/null || true
wait "$dns" 2>/dev/null || true
finish
