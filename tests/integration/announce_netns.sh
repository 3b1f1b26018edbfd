#!/bin/sh
# After a move the target announces each vif's MAC on its bridge: a
# gratuitous ARP for a vif with a known IPv4 address, RARP otherwise.
# Both daemons run inside a network namespace of our own with a real
# bridge xenbr0; tcpdump captures what crosses it.  Needs root.
set -eu

if [ -z "${IN_NETNS:-}" ]; then
	if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null ||
	    ! command -v tcpdump >/dev/null; then
		echo "SKIP: needs root, ip and tcpdump"
		exit 77
	fi
	ns=xrannounce$$
	ip netns add "$ns"
	trap 'ip netns del "$ns" 2>/dev/null || true' EXIT INT TERM
	set +e
	IN_NETNS=1 ip netns exec "$ns" sh "$0"
	rc=$?
	set -e
	exit $rc
fi

. "$(dirname "$0")/lib.sh"
ip link set lo up
ip link add xenbr0 type bridge
ip link set xenbr0 up

start_host A
start_host B
sim_on A create web01 --memory 32 --dirty-rate 5 \
    --vif mac=00:16:3e:00:00:0a,bridge=xenbr0,ip=192.0.2.10 \
    --vif mac=00:16:3e:00:00:0b,bridge=xenbr0 >/dev/null

tcpdump -i xenbr0 -n -e -U --immediate-mode -w "$WORK/cap.pcap" \
    'ether src 00:16:3e:00:00:0a or ether src 00:16:3e:00:00:0b' \
    >/dev/null 2>"$WORK/tcpdump.err" &
dump=$!
# Capture only once tcpdump says it listens (slow on a loaded machine).
if ! wait_for "tcpdump to listen" "$WAIT" \
    grep -q "listening on" "$WORK/tcpdump.err"; then
	kill "$dump" 2>/dev/null || true
	cat "$WORK/tcpdump.err"
	exit 1
fi

# captured: what crossed the bridge so far, as text in cap.txt.
captured() {
	tcpdump -r "$WORK/cap.pcap" -n -e 2>/dev/null >"$WORK/cap.txt" || true
}

# announced: both rounds (the second comes after DONE, when xm may have
# returned already) are in the capture.
announced() {
	captured
	grep -q "00:16:3e:00:00:0a > ff:ff:ff:ff:ff:ff.*Request who-has" \
	    "$WORK/cap.txt" &&
	    [ "$(grep -c "00:16:3e:00:00:0b > ff:ff:ff:ff:ff:ff" \
	    "$WORK/cap.txt")" -ge 2 ]
}

migrate A B web01 -l
check "moved" [ "$XM_RC" -eq 0 ]
wait_for "the announcements in the capture" "$WAIT" announced || true
kill -INT "$dump"
wait "$dump" 2>/dev/null || true
captured
sed 's/^/    /' "$WORK/cap.txt"

check "gratuitous ARP for the vif with an address" \
    grep -q "00:16:3e:00:00:0a > ff:ff:ff:ff:ff:ff.*Request who-has 192.0.2.10 tell 192.0.2.10" "$WORK/cap.txt"
check "RARP for the vif without one" \
    grep -q "00:16:3e:00:00:0b > ff:ff:ff:ff:ff:ff.*Reverse Request" "$WORK/cap.txt"
check "announced again after DONE (two rounds)" \
    [ "$(grep -c "00:16:3e:00:00:0b > ff:ff:ff:ff:ff:ff" "$WORK/cap.txt")" -ge 2 ]

finish
