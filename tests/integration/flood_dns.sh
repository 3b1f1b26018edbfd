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
. "$(dirname "$0")/flood-lib.sh"

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (a mount namespace)"; exit 77; }
command -v unshare >/dev/null 2>&1 || { echo "SKIP: needs unshare"; exit 77; }
unshare -m true 2>/dev/null || { echo "SKIP: cannot unshare mounts"; exit 77; }
if grep -q -E "^[[:space:]]*127\.0\.0\.2[[:space:]]" /etc/hosts; then
	echo "SKIP: /etc/hosts names 127.0.0.2"
	exit 77
fi

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
flood_web01
flood_start "lookups beyond 4 from one peer are refused"
flood_migrate
check "a lookup ends when xrelocd-hello-timeout is up" logged B \
    "$REFUSED: its name was not found within 10s \(xrelocd-hello-timeout\)"
flood_summed
check "the address on the list never waited for its name" \
    sh -c "! grep -q 'admitted 127\.0\.0\.1' '$WORK/B/log'"

flood_stop

kill "$dns" 2>/dev/null || true
wait "$dns" 2>/dev/null || true
finish
