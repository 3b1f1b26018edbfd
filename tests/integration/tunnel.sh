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
# xrelocd-tunnel in network namespaces: dom0s A and B on routed subnets
# (router R between them), each with a bridge xenbr0 and a guest on
# 192.168.50.0/24.  The guests reach each other only while the tunnel is
# up, in every mode the kernel supports, over IPv4 and IPv6 underlays.
# EtherIP is also checked on the wire (IP protocol 97, header 0x30 0x00).
#
# Needs root; exits 77 (SKIP) otherwise.  Set top_builddir to the build
# tree when running it by hand.

set -eu

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=netns-lib.sh
. "$here/netns-lib.sh"

need_root_and ping tcpdump cksum
top_builddir=$(cd "${top_builddir:-$here/../..}" && pwd)
HELPER=$top_builddir/etc/scripts/xrelocd-tunnel
XRELOCD_ETHERIP=$top_builddir/tools/xrelocd-etherip
[ -x "$HELPER" ] || skip "$HELPER not built (set top_builddir)"
[ -x "$XRELOCD_ETHERIP" ] || skip "$XRELOCD_ETHERIP not built"
export XRELOCD_ETHERIP

work=$(mktemp -d "${TMPDIR:-/tmp}/xrtunnel.XXXXXX")
cleanup()
{
	ns_cleanup
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

fail()
{
	echo "FAIL: $*"
	[ ! -s "$work/log" ] || sed 's/^/  | /' "$work/log"
	exit 1
}

# --- topology ---------------------------------------------------

setup()
{
	ns_add r a b ga gb
	link_ns r ra a up0
	link_ns r rb b up0
	nsx r sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	for _h in a:1 b:2; do
		_n=${_h%:*} _i=${_h#*:}
		ip -n "$(ns r)" addr add "10.77.$_i.1/24" dev "r$_n"
		ip -n "$(ns r)" addr add "fd77:$_i::1/64" dev "r$_n" nodad
		ip -n "$(ns "$_n")" addr add "10.77.$_i.2/24" dev up0
		ip -n "$(ns "$_n")" addr add "fd77:$_i::2/64" dev up0 nodad
		ip -n "$(ns "$_n")" route add default via "10.77.$_i.1"
		ip -n "$(ns "$_n")" -6 route add default via "fd77:$_i::1"
		ip -n "$(ns "$_n")" link add xenbr0 type bridge
		ip -n "$(ns "$_n")" link set xenbr0 up
		link_ns "$_n" vif0 "g$_n" eth0
		ip -n "$(ns "$_n")" link set vif0 master xenbr0
	done
	ip -n "$(ns ga)" addr add 192.168.50.10/24 dev eth0
	ip -n "$(ns gb)" addr add 192.168.50.20/24 dev eth0
	wait_until 60 nsx a ping -q -c 1 -W 1 10.77.2.2 >/dev/null ||
	    fail "routed underlay: A cannot reach B"
}

# --- helpers ---------------------------------------------------

# tunnel HOST ARGS...: run the helper in dom0 HOST with its own run dir.
tunnel()
{
	_h=$1
	shift
	nsx "$_h" env XRELOCD_RUNDIR="$work/run-$_h" "$HELPER" "$@"
}

# shellcheck disable=SC2120 # ping options come through wait_until
guests_ping()
{
	nsx ga ping -q -c 1 -W 1 "$@" 192.168.50.20 >/dev/null 2>&1
}

# On a bad tunnel the reply would take microseconds: half a second is ample.
guests_apart()
{
	! nsx ga ping -q -c 1 -W 0.5 192.168.50.20 >/dev/null 2>&1
}

# Ping until a reply comes, for up to a minute: the first frames of a
# tunnel also resolve ARP, and a busy machine delays the endpoints.
guests_reach()
{
	wait_until 60 guests_ping "$@"
}

bridge_snapshot()
{
	_h=$1
	{
		ip -n "$(ns "$_h")" -o link show master xenbr0 |
		    awk '{ print $2 }'
		ip -n "$(ns "$_h")" -o link show dev xenbr0 |
		    sed 's/.* mtu \([0-9]*\).*/mtu \1/'
		ls "$work/run-$_h/tunnel" 2>/dev/null || :
	} | LC_ALL=C sort
}

family()
{
	case $1 in
	*:*)	echo 6 ;;
	*)	echo 4 ;;
	esac
}

# --- one mode ---------------------------------------------------

mode_up()
{
	_mode=$1 _pa=$2 _pb=$3
	tunnel a up "$_pb" --bridge xenbr0 --mode "$_mode" >"$work/log" 2>&1 ||
	    fail "$_mode: up on A exited $?"
	guests_apart || fail "$_mode: guests reach each other with one side up"
	tunnel b up "$_pa" --bridge xenbr0 --mode "$_mode" >"$work/log" 2>&1 ||
	    fail "$_mode: up on B exited $?"
	tun_mtu=$(sed -n 's/.*mtu \([0-9]*\) set on xr.*/\1/p' "$work/log")
	[ -n "$tun_mtu" ] || fail "$_mode: up does not say which MTU it set"
	guests_reach || fail "$_mode: guests cannot reach each other"
}

# A frame of exactly the tunnel's MTU must cross without fragmentation.
mode_mtu()
{
	_mode=$1 _mtu=$tun_mtu
	nsx ga ip link set eth0 mtu "$_mtu"
	nsx gb ip link set eth0 mtu "$_mtu"
	guests_reach -M 'do' -s $((_mtu - 28)) ||
	    fail "$_mode: a $_mtu-byte packet does not fit the tunnel"
	nsx ga ip link set eth0 mtu 1500
	nsx gb ip link set eth0 mtu 1500
}

mode_idempotent()
{
	_mode=$1 _pb=$3
	_before=$(ip -n "$(ns a)" -o link show | awk '{ print $2 }')
	tunnel a up "$_pb" --bridge xenbr0 --mode "$_mode" >"$work/log" 2>&1 ||
	    fail "$_mode: second up exited $?"
	grep -q "no change" "$work/log" || fail "$_mode: second up changed"
	[ "$(ip -n "$(ns a)" -o link show | awk '{ print $2 }')" = "$_before" ] ||
	    fail "$_mode: second up changed the links"
	tunnel a status "$_pb" >"$work/log" 2>&1 ||
	    fail "$_mode: status exited $?"
	grep -q "xenbr0 *$_mode .* up$" "$work/log" ||
	    fail "$_mode: status does not show the tunnel up"
	_rc=0
	tunnel a up "$_pb" --bridge xenbr0 --mode "$_mode" --mtu 1300 \
	    >"$work/log" 2>&1 || _rc=$?
	[ "$_rc" = 6 ] || fail "$_mode: up with another MTU exited $_rc, not 6"
}

# Kill the endpoint: status must say so (exit 1) and up must repair it.
mode_repair()
{
	_mode=$1 _pb=$3
	kill "$(cat "$work"/run-a/etherip-*.pid)"
	# The endpoint takes its time to go: status is up until it has.
	wait_until 60 tunnel_down_status ||
	    fail "$_mode: status still says up after the endpoint was killed"
	_rc=0
	tunnel a status >"$work/log" 2>&1 || _rc=$?
	# The TAP dies with the endpoint, so either reason is right.
	[ "$_rc" = 1 ] || fail "$_mode: status of a dead endpoint exited $_rc"
	grep -q "degraded: \(device missing\|endpoint not running\)" \
	    "$work/log" || fail "$_mode: status does not say what broke"
	tunnel a up "$_pb" --bridge xenbr0 --mode "$_mode" >"$work/log" 2>&1 ||
	    fail "$_mode: repairing up exited $?"
	guests_reach || fail "$_mode: guests apart after the repair"
}

tunnel_down_status()
{
	! tunnel a status >/dev/null 2>&1
}

# Usage errors exit 2; a missing bridge exits 3 and changes nothing.
check_errors()
{
	_rc=0
	tunnel a up 10.77.2.2 >/dev/null 2>&1 || _rc=$?
	[ "$_rc" = 2 ] || fail "up without --bridge exited $_rc, not 2"
	_rc=0
	tunnel a up 10.77.2.2 --bridge xenbr0 --mode l2tp >/dev/null 2>&1 ||
	    _rc=$?
	[ "$_rc" = 2 ] || fail "an unknown mode exited $_rc, not 2"
	_rc=0
	tunnel a up 10.77.2.2 --bridge xenbr9 >"$work/log" 2>&1 || _rc=$?
	[ "$_rc" = 3 ] || fail "a missing bridge exited $_rc, not 3"
	echo "tunnel errors: ok"
}

mode_down()
{
	_mode=$1 _pa=$2 _pb=$3
	# The helper's shell variables are global: keep loop ones apart.
	for _side in a:"$_pb" b:"$_pa"; do
		tunnel "${_side%%:*}" down "${_side#*:}" --bridge xenbr0 \
		    >"$work/log" 2>&1 || fail "$_mode: down exited $?"
		tunnel "${_side%%:*}" down "${_side#*:}" --bridge xenbr0 \
		    >"$work/log" 2>&1 || fail "$_mode: second down exited $?"
	done
	guests_apart || fail "$_mode: guests still reach each other after down"
	[ "$(bridge_snapshot a)" = "$snap_a" ] ||
	    fail "$_mode: down did not leave A's bridge as it was"
	[ "$(bridge_snapshot b)" = "$snap_b" ] ||
	    fail "$_mode: down did not leave B's bridge as it was"
	if tunnel a status "$_pb" >"$work/log" 2>&1; then
		fail "$_mode: status of a removed tunnel exited 0"
	fi
}

# Capture between A and B in the router; the first packet must be EtherIP.
wire_start()
{
	nsx r tcpdump -i ra -U -c 4 -w "$work/wire.pcap" \
	    "ip proto 97 or ip6 proto 97" >"$work/tcpdump.log" 2>&1 &
	wire_pid=$!
	wait_listening "$work/tcpdump.log"
}

# wait_listening LOG: until the tcpdump writing LOG is capturing.
wait_listening()
{
	wait_until 60 grep -q listening "$1" ||
	    fail "tcpdump did not start: $(cat "$1")"
}

wire_check()
{
	_mode=$1 _fam=$2
	guests_reach || :
	guests_ping || :
	# Four packets end the capture (-c 4): two pings make them.
	wait_until 60 sh -c "! kill -0 $wire_pid 2>/dev/null" || :
	kill "$wire_pid" 2>/dev/null || :
	wait "$wire_pid" 2>/dev/null || :
	tcpdump -r "$work/wire.pcap" -nn -x 2>/dev/null |
	    awk -v fam="$_fam" -f "$here/tunnel-wire.awk" >"$work/log" ||
	    fail "$_mode: capture does not show RFC 3378 packets"
	grep -q . "$work/log" || fail "$_mode: nothing captured"
}

# An EtherIP endpoint in the router speaks to A from the wrong address: A
# must drop its frames, so no ARP broadcast of it reaches A's guest.
spoof_check()
{
	_mode=$1 _pa=$2
	_ra=10.77.1.1
	: >"$work/log"
	[ "$(family "$_pa")" = 4 ] || _ra=fd77:1::1
	nsx r "$XRELOCD_ETHERIP" -i spoof0 -l "$_ra" -r "$_pa" \
	    -p "$work/spoof.pid" || fail "$_mode: spoofing endpoint failed"
	nsx r ip addr add 192.168.50.99/24 dev spoof0
	nsx ga tcpdump -i eth0 -U -w "$work/spoof.pcap" \
	    arp and host 192.168.50.99 >"$work/spoof.log" 2>&1 &
	_cap=$!
	wait_listening "$work/spoof.log"
	nsx r ping -q -c 2 -i 0.2 -W 1 192.168.50.10 >/dev/null 2>&1 || :
	kill "$(cat "$work/spoof.pid")"
	kill "$_cap" 2>/dev/null || :
	wait "$_cap" 2>/dev/null || :
	[ "$(tcpdump -r "$work/spoof.pcap" 2>/dev/null | wc -l)" -eq 0 ] ||
	    fail "$_mode: A accepted frames from an address not its peer"
}

run_mode()
{
	_name=$1 _mode=$2 _pa=$3 _pb=$4
	snap_a=$(bridge_snapshot a)
	snap_b=$(bridge_snapshot b)
	[ "$_mode" != etherip ] || wire_start
	mode_up "$_mode" "$_pa" "$_pb"
	[ "$_mode" != etherip ] || wire_check "$_mode" "$(family "$_pb")"
	[ "$_mode" != etherip ] || spoof_check "$_mode" "$_pa"
	mode_mtu "$_mode"
	mode_idempotent "$_mode" "$_pa" "$_pb"
	[ "$_mode" != etherip ] || mode_repair "$_mode" "$_pa" "$_pb"
	mode_down "$_mode" "$_pa" "$_pb"
	echo "tunnel $_name: ok"
	passed=$((passed + 1))
}

# A mode the kernel lacks must be refused with exit 4 and a clear reason.
try_mode()
{
	_name=$1 _mode=$2 _pa=$3 _pb=$4
	_rc=0
	tunnel a up "$_pb" --bridge xenbr0 --mode "$_mode" >"$work/log" 2>&1 ||
	    _rc=$?
	if [ "$_rc" = 4 ]; then
		_mod=$(sed -n 's/.*needs the \([a-z_0-9]*\) kernel module.*/\1/p' \
		    "$work/log")
		[ -n "$_mod" ] || fail "$_name: refused without naming a module"
		! ip -n "$(ns a)" -o link show | awk '{ print $2 }' |
		    grep -q "^xr" || fail "$_name: refused but left a device"
		echo "tunnel $_name: SKIP (no $_mod in this kernel)"
		skipped=$((skipped + 1))
		return 0
	fi
	[ "$_rc" = 0 ] || fail "$_name: up exited $_rc"
	tunnel a down "$_pb" --bridge xenbr0 >/dev/null 2>&1
	run_mode "$@"
}

passed=0 skipped=0
setup
check_errors
try_mode vxlan vxlan 10.77.1.2 10.77.2.2
try_mode etherip etherip 10.77.1.2 10.77.2.2
try_mode gretap gretap 10.77.1.2 10.77.2.2
try_mode vxlan6 vxlan fd77:1::2 fd77:2::2
try_mode etherip6 etherip fd77:1::2 fd77:2::2
try_mode gretap6 gretap fd77:1::2 fd77:2::2
echo "tunnel: $passed passed, $skipped skipped"
[ "$passed" -gt 0 ] || exit 77
