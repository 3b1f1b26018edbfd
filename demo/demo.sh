#!/bin/sh
# The demo: two xrelocd daemons on loopback, each a simulated Xen host
# (sim backend), and a running 512 MiB domain that dirties 50 MB/s moved
# live from hostA to hostB with xm, as an admin would type it.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
sh "$top/scripts/setup.sh"
# shellcheck disable=SC2034 # read by lib.sh
top_builddir=${XRELOCD_BUILD:-$top/_build}
# shellcheck source=../tests/integration/lib.sh
. "$top/tests/integration/lib.sh"

say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

start_host hostA
start_host hostB
echo "hostA: xrelocd on 127.0.0.1:$(port_of hostA), hostB on 127.0.0.1:$(port_of hostB)"

say "xrelocd-sim create web01 --memory 512 --dirty-rate 50 --vif ...  (on hostA)"
sim_on hostA create web01 --memory 512 --vcpus 2 --type pvh --dirty-rate 50 \
    --vif mac=00:16:3e:12:34:56,bridge=xenbr0
say "xm list   (hostA)"
xm_on hostA list
say "xm list   (hostB)"
xm_on hostB list

before=$(counter hostA web01)
say "xm migrate --check web01 hostB"
xm_on hostA migrate --check -p "$(port_of hostB)" web01 127.0.0.1 || true
say "xm migrate -l web01 hostB"
xm_on hostA migrate -l -p "$(port_of hostB)" web01 127.0.0.1
rc=$?

say "xm list   (hostA)"
xm_on hostA list
say "xm list   (hostB)"
xm_on hostB list

echo
uuid=$(sim_on hostB info web01 | sed -n 's/.*(uuid \([^)]*\)).*/\1/p')
if memory_equal hostA hostB web01; then
	echo "memory: hostB's copy equals hostA's at the moment of pause, byte for byte ($(du -h "$WORK/hostB/sim/snapshots/$uuid.post" | cut -f1), cmp)"
else
	echo "memory: MISMATCH between hostA at pause and hostB at restore"
	exit 1
fi
c1=$(counter hostB web01)
# However slow the machine, the guest's counter moves on: wait for it.
wait_for "web01's counter on hostB to move" "$WAIT" counter_past hostB web01 "$c1"
c2=$(counter hostB web01)
echo "counter: $before on hostA before the move, $c1 then $c2 on hostB: the guest carries on"
[ "$rc" -eq 0 ] && [ "$c1" -gt "$before" ] && [ "$c2" -gt "$c1" ]
echo "demo: web01 moved live from hostA to hostB"
