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
# Throughput of xrelocd-etherip, measured with iperf3 between two network
# namespaces, next to its references measured in the same run: the bare
# veth link the tunnel rides on, and the kernel's own VXLAN over it.
# Needs root and iperf3.  BENCH_SECONDS sets each run's length (5).

set -eu

here=$(cd "$(dirname "$0")" && pwd)
srcdir=${srcdir:-$here}
# shellcheck source=../tests/integration/netns-lib.sh
. "$srcdir/../tests/integration/netns-lib.sh"

need_root_and iperf3
top_builddir=$(cd "${top_builddir:-$here/..}" && pwd)
ETHERIP=$top_builddir/tools/xrelocd-etherip
[ -x "$ETHERIP" ] || skip "$ETHERIP not built (set top_builddir)"
SECS=${BENCH_SECONDS:-5}

work=$(mktemp -d "${TMPDIR:-/tmp}/xrbench.XXXXXX")
trap 'ns_cleanup; rm -rf "$work"' EXIT
trap 'exit 1' INT TERM HUP

setup()
{
	ns_add a b
	link_ns a u0 b u0
	nsx a ip addr add 10.88.0.1/24 dev u0
	nsx b ip addr add 10.88.0.2/24 dev u0
	# Kernel VXLAN, the reference a user would otherwise pick.
	for _h in a:1:2 b:2:1; do
		_n=${_h%%:*} _rest=${_h#*:}
		_me=${_rest%%:*} _peer=${_rest#*:}
		nsx "$_n" ip link add vx0 type vxlan id 42 dstport 4789 \
		    local "10.88.0.$_me" remote "10.88.0.$_peer"
		nsx "$_n" ip addr add "172.29.0.$_me/24" dev vx0
		nsx "$_n" ip link set vx0 up
		nsx "$_n" "$ETHERIP" -i ei0 -l "10.88.0.$_me" \
		    -r "10.88.0.$_peer" -p "$work/etherip-$_n.pid"
		nsx "$_n" ip link set ei0 mtu 1464
		nsx "$_n" ip addr add "172.30.0.$_me/24" dev ei0
	done
}

# iperf3 DEST: receiver throughput in Mbit/s.
iperf()
{
	nsx b iperf3 -s -1 >/dev/null 2>&1 &
	_srv=$!
	sleep 0.5
	nsx a iperf3 -c "$1" -t "$SECS" -f m >"$work/iperf.log" 2>&1 ||
	    { cat "$work/iperf.log" >&2; kill "$_srv" 2>/dev/null; exit 1; }
	wait "$_srv" 2>/dev/null || :
	awk '/receiver/ { for (i = 1; i < NF; i++)
		if ($(i + 1) == "Mbits/sec") print $i }' "$work/iperf.log"
}

row()
{
	awk -v name="$1" -v mbit="$2" -v base="$3" 'BEGIN {
		printf "%-34s %10.0f %9.1f%%\n", name, mbit, 100 * mbit / base
	}'
}

setup
nsx a ping -q -c 1 -W 2 172.30.0.2 >/dev/null ||
    { echo "etherip link does not carry traffic" >&2; exit 1; }
veth=$(iperf 10.88.0.2)
vxlan=$(iperf 172.29.0.2)
etherip=$(iperf 172.30.0.2)
echo "TCP throughput, iperf3 -t $SECS, one stream, $(nproc) CPUs"
printf '%-34s %10s %10s\n' path Mbit/s "vs veth"
row "veth (the underlay, baseline)" "$veth" "$veth"
row "vxlan (kernel)" "$vxlan" "$veth"
row "etherip (xrelocd-etherip)" "$etherip" "$veth"
