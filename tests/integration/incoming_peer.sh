#!/bin/sh
# The per-peer cap on incoming migrations alone: B takes four at once but
# one per peer (xrelocd-max-incoming-per-peer 1).  While web01 streams
# from A, a second migration from A is told busy and waits; one from C,
# a different allowed address (127.0.0.3), goes through meanwhile.  Then
# A's waiting migration moves.  Every domain runs exactly once at the
# end.  (Its own network namespace, where a route gives C's connections
# to B the source address 127.0.0.3; needs root.)
set -eu
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root for a network namespace"; exit 77; }
if [ -z "${XRELOCD_PEER_NS:-}" ]; then
	command -v unshare >/dev/null 2>&1 || { echo "SKIP: needs unshare"; exit 77; }
	XRELOCD_PEER_NS=1 exec unshare -n sh "$0" "$@"
fi
ip link set lo up
# To 127.0.0.4 (B too, it listens on every address) from 127.0.0.3.
ip route add local 127.0.0.4/32 dev lo src 127.0.0.3 table local
. "$(dirname "$0")/lib.sh"

start_host A "(xrelocd-max-migrations 4)"
ALLOW="127.0.0.1 127.0.0.3" start_host B "(xend-relocation-address '')
(xrelocd-max-incoming 4) (xrelocd-max-incoming-per-peer 1)"
start_host C
caps_a_waits xrelocd-max-incoming-per-peer

# C, another peer, is under its own cap: it moves web03 at once.
xm_on C migrate -l -p "$(port_of B)" web03 127.0.0.4 >"$WORK/job3.out" 2>&1 &&
    rc3=0 || rc3=$?
check "web03 from C (another peer) moved: xm exits 0" [ "$rc3" -eq 0 ]
check "B saw web03 come from 127.0.0.3" \
    logged B "target web03 from [^ ]*127\\.0\\.0\\.3[]:]"
check "C was never told busy" sh -c "! grep -q -i busy $WORK/C/log"
check "web03 runs exactly once, on B" runs_only_on B web03

caps_a_moves
finish
