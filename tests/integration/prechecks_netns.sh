#!/bin/sh
#
# Copyright (c) 2026 The xrelocd developers
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
# WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
# MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
# ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
# WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
# ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
# OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
#
# The l2 precheck on real bridges: two dom0s in network namespaces, each
# with a Linux bridge xenbr0 and a relocation link between them.  The sim
# hosts have no (bridges ...) in host.sxp, so each daemon reports the
# bridges of its own namespace.  Same subnet: the check passes; another
# subnet on the target: the l2 errors.  Needs root (exit 77 otherwise).
set -eu
here=$(dirname "$0")
# shellcheck source=netns-lib.sh
. "$here/netns-lib.sh"
need_root_and
. "$here/lib.sh"
trap 'cleanup; ns_cleanup' EXIT INT TERM

ns_add a b
link_ns a rel0 b rel0
nsx a ip addr add 10.88.0.1/24 dev rel0
nsx b ip addr add 10.88.0.2/24 dev rel0
for n in a b; do
	nsx "$n" ip link add xenbr0 type bridge
	nsx "$n" ip link set xenbr0 up
done
nsx a ip addr add 192.168.60.1/24 dev xenbr0
nsx b ip addr add 192.168.60.2/24 dev xenbr0

REAL_XRELOCD=$XRELOCD
# start_in NS HOST ADDR: a daemon inside namespace NS on ADDR.
start_in() {
	mkdir -p "$WORK/$2/sim"
	printf '(host (hostname %s) (snapshot yes))\n' "$2" \
	    >"$WORK/$2/sim/host.sxp"
	printf '#!/bin/sh\nexec ip netns exec %s %s "$@"\n' "$(ns "$1")" \
	    "$REAL_XRELOCD" >"$WORK/xrelocd-$1"
	chmod +x "$WORK/xrelocd-$1"
	XRELOCD=$WORK/xrelocd-$1
	ALLOW='^10[.]88[.]0[.][0-9]+$' start_host "$2" "(xend-relocation-address $3)"
}
start_in a A 10.88.0.1
start_in b B 10.88.0.2

sim_on A create web01 --memory 8 \
    --vif mac=00:16:3e:00:00:01,bridge=xenbr0,ip=192.168.60.10 >/dev/null

# nsmigrate ARGS...: xm migrate from A to B's relocation address.
nsmigrate() {
	XM_OUT=$WORK/xm.out
	set +e
	xm_on A migrate -p "$(port_of B)" "$@" web01 10.88.0.2 >"$XM_OUT" 2>&1
	XM_RC=$?
	set -e
	sed 's/^/    xm: /' "$XM_OUT"
}

nsmigrate --check -l
check "same subnet: --check exits 0" [ "$XM_RC" -eq 0 ]
check "same subnet: no l2 finding" sh -c "! grep -q '\[L2_' $XM_OUT"

nsx b ip addr flush dev xenbr0
nsx b ip addr add 192.168.61.2/24 dev xenbr0
nsmigrate --check -l
check "other subnet: --check exits 1" [ "$XM_RC" -eq 1 ]
check "other subnet: L2_SUBNET_DIFFERS" grep -qF "bridge xenbr0 is on 192.168.60.0/24 on A but on 192.168.61.0/24 on B [L2_SUBNET_DIFFERS]" "$XM_OUT"
check "other subnet: L2_IP_OUTSIDE" grep -qF "has address 192.168.60.10, outside bridge xenbr0's subnet 192.168.61.0/24 on B [L2_IP_OUTSIDE]" "$XM_OUT"
nsmigrate -l
check "other subnet: migrate -l exits 1" [ "$XM_RC" -eq 1 ]
check "other subnet: web01 still runs on A only" runs_only_on A web01

nsx b ip link del xenbr0
nsmigrate --check -l
check "no bridge: L2_BRIDGE_MISSING" grep -q "\[L2_BRIDGE_MISSING\]" "$XM_OUT"

finish
