#!/bin/sh
# xrelocd-auto-tunnel: a target on another subnet brings its end of an L2
# tunnel up itself when the l2 precheck fails only on the subnet.  The
# helper is replaced by a script that records how it was called (the real
# xrelocd-tunnel is tested in network namespaces by tunnel.sh).
set -eu
. "$(dirname "$0")/lib.sh"

cat >"$WORK/tunnel-ok" <<EOF2
#!/bin/sh
echo "\$*" >>"$WORK/tunnel.calls"
EOF2
printf '#!/bin/sh\nexit 4\n' >"$WORK/tunnel-fails"
chmod +x "$WORK/tunnel-ok" "$WORK/tunnel-fails"

NET_A="(bridges (bridge (name xenbr0) (subnet 192.0.2.0/24) (mtu 1500)))"
NET_B="(bridges (bridge (name xenbr0) (subnet 198.51.100.0/24) (mtu 1500)))"

host_facts A "$NET_A"
host_facts B "$NET_B"
start_host A
start_host B
sim_on A create web01 --memory 32 --dirty-rate 5 \
    --vif mac=00:16:3e:00:00:07,bridge=xenbr0,ip=192.0.2.10 >/dev/null

migrate A B web01 -l
check "no auto-tunnel: another subnet is refused" [ "$XM_RC" -eq 1 ]
check "no auto-tunnel: the finding says so" grep -q L2_SUBNET_DIFFERS "$XM_OUT"
check "no auto-tunnel: runs only on A" runs_only_on A web01

stop_host B
# shellcheck disable=SC2034 # lib.sh's list of running hosts
HOSTS="A"
start_host B "(xrelocd-auto-tunnel yes) (xrelocd-tunnel-script $WORK/tunnel-fails)"
migrate A B web01 -l
check "failing tunnel helper: refused" [ "$XM_RC" -eq 1 ]
check "failing tunnel helper: B logged it" grep -q "automatic tunnel failed" "$WORK/B/log"
check "failing tunnel helper: runs only on A" runs_only_on A web01

stop_host B
# shellcheck disable=SC2034 # lib.sh's list of running hosts
HOSTS="A"
start_host B "(xrelocd-auto-tunnel yes) (xrelocd-tunnel-script $WORK/tunnel-ok)"
migrate A B web01 -l
check "auto-tunnel: moved" [ "$XM_RC" -eq 0 ]
check "auto-tunnel: helper called for the bridge" \
    grep -qx "up 127.0.0.1 --bridge xenbr0" "$WORK/tunnel.calls"
check "auto-tunnel: B logged it" grep -q "l2 tunnel to 127.0.0.1 brought up on xenbr0" "$WORK/B/log"
check "auto-tunnel: xm shows it" grep -q L2_TUNNEL_UP "$XM_OUT"
check "auto-tunnel: runs only on B" runs_only_on B web01

# A missing bridge is not a subnet problem: no tunnel, refused.
: >"$WORK/tunnel.calls"
sim_on A create web02 --memory 32 \
    --vif mac=00:16:3e:00:00:08,bridge=xenbr9,ip=192.0.2.11 >/dev/null
migrate A B web02 -l
check "missing bridge: refused even with auto-tunnel" [ "$XM_RC" -eq 1 ]
check "missing bridge: no tunnel brought up" [ ! -s "$WORK/tunnel.calls" ]

finish
