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
# The firewall helper end to end: hosts A, B and C in network namespaces
# on one bridge; A's allow-list names B.  After apply B reaches A's
# relocation port over IPv4 and IPv6 and C is dropped; check, re-apply,
# concurrent runs and remove behave as xrelocd-firewall(8) says.  Run for
# each backend present (iptables, iptables-legacy, nft).  Needs root, ip,
# python3 (the listener and the client); skips (77) otherwise.

set -eu

SKIP=77
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-..}
top_builddir=$(cd "$top_builddir" && pwd)
helper=$top_builddir/iptables/xrelocd-firewall
port=8002

skip()
{
	echo "SKIP: firewall.sh: $*"
	exit "$SKIP"
}

fail()
{
	echo "FAIL: firewall.sh: $*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, iptables)"
for t in ip python3; do
	command -v "$t" >/dev/null 2>&1 || skip "$t not installed"
done
[ -x "$helper" ] || skip "$helper not built (make -C iptables)"

id=$$
sw=xrfw-sw-$id
nsa=xrfw-a-$id
nsb=xrfw-b-$id
nsc=xrfw-c-$id
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xrfw.XXXXXX")
listener=

cleanup()
{
	if [ -n "$listener" ]; then
		kill "$listener" 2>/dev/null || :
	fi
	for n in "$nsa" "$nsb" "$nsc" "$sw"; do
		ip netns del "$n" 2>/dev/null || :
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# ---------------------------------------------------------------- hosts

ip netns add "$sw" 2>/dev/null || skip "cannot create network namespaces"
ip -n "$sw" link add br0 type bridge 2>/dev/null ||
    skip "no bridge support in the kernel"
ip -n "$sw" link set br0 up
i=1
for n in "$nsa" "$nsb" "$nsc"; do
	ip netns add "$n"
	ip -n "$n" link set lo up
	ip link add "xrfw$i-$id" type veth peer name eth0 netns "$n"
	ip link set "xrfw$i-$id" netns "$sw"
	ip -n "$sw" link set "xrfw$i-$id" master br0 up
	ip -n "$n" addr add "10.99.0.$i/24" dev eth0
	ip -n "$n" addr add "fd99::$i/64" dev eth0 nodad
	ip -n "$n" link set eth0 up
	i=$((i + 1))
done

# A dual-stack listener on A that greets every connection.
ip netns exec "$nsa" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", int(sys.argv[1])))
s.listen(16)
while True:
    c, _ = s.accept()
    c.sendall(b"ok\n")
    c.close()
' "$port" &
listener=$!

# reach NS ADDR: 0 when NS gets the greeting from ADDR, 1 when the
# connection is refused or not answered in 2 s (a firewall drops the SYN;
# the kernel answers one however busy the machine), 2 when it connects but
# the greeting is late or wrong (the listener is slow: ask again).
reach()
{
	ip netns exec "$1" python3 -c '
import socket, sys
try:
    c = socket.create_connection((sys.argv[1], int(sys.argv[2])), 2)
except OSError:
    sys.exit(1)
try:
    c.settimeout(10)
    sys.exit(0 if c.recv(3) == b"ok\n" else 2)
except OSError:
    sys.exit(2)
' "$2" "$port"
}

# within SECONDS CMD...: until CMD succeeds, for at most SECONDS.
within()
{
	_end=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -lt "$_end" ] || return 1
		sleep 0.1
	done
}

within 60 reach "$nsa" 127.0.0.1 || fail "the listener on A did not start"

# ------------------------------------------------------ config and tools

conf=$tmp/xend-config.sxp
cat >"$conf" <<'EOF'
(xend-relocation-server yes)
(xend-relocation-port 8002)
(xend-relocation-hosts-allow '10.99.0.2 fd99::2 ^b-host$')
EOF

# The entries xrelocd -L prints for that config; the stub below serves
# them when the daemon in the build tree cannot (yet) answer -k and -L.
cat >"$conf.entries" <<'EOF'
addr 10.99.0.2
addr fd99::2
regex ^b-host$
EOF

cat >"$tmp/xrelocd-stub" <<'EOF'
#!/bin/sh
# xrelocd -f FILE -k KEY | -L, answered from FILE.entries and FILE.keys.
case $3 in
-L)	cat "$2.entries" ;;
-k)	sed -n "s/^$4 //p" "$2.keys" ;;
*)	exit 2 ;;
esac
EOF
chmod +x "$tmp/xrelocd-stub"
cat >"$conf.keys" <<'EOF'
xend-relocation-port 8002
xend-relocation-ssl-server no
xend-relocation-ssl-port 8003
xend-relocation-hosts-allow 10.99.0.2 fd99::2 ^b-host$
EOF

XRELOCD=$top_builddir/xrelocd/xrelocd
if [ -x "$XRELOCD" ] &&
    [ "$("$XRELOCD" -f "$conf" -k xend-relocation-port 2>/dev/null)" = 8002 ] &&
    "$XRELOCD" -f "$conf" -L >"$tmp/L" 2>/dev/null &&
    cmp -s "$tmp/L" "$conf.entries"; then
	echo "firewall.sh: reading the config with $XRELOCD"
else
	echo "firewall.sh: $XRELOCD cannot answer -k/-L: using a stub"
	XRELOCD=$tmp/xrelocd-stub
fi
export XRELOCD

# The shared helper code, with its lock in our own run directory.
common=$top_builddir/etc/scripts/reloc-common.sh
if ! [ -r "$common" ]; then
	common=$tmp/reloc-common.sh
	sed "s|@runstatedir@|$tmp|g" \
	    "$top_srcdir/etc/scripts/reloc-common.sh.in" >"$common"
fi
XRELOCD_COMMON=$common
XRELOCD_RUNDIR=$tmp/run
export XRELOCD_COMMON XRELOCD_RUNDIR

# fw ARGS...: the helper on host A.
fw()
{
	ip netns exec "$nsa" "$helper" "$@"
}

expect_rc()
{
	want=$1
	shift
	rc=0
	"$@" >"$tmp/out" 2>&1 || rc=$?
	if [ "$rc" != "$want" ]; then
		cat "$tmp/out" >&2
		fail "'$*' exited $rc, expected $want"
	fi
}

# A host let through gets the greeting, however long the listener takes.
reach_ok()
{
	within 60 reach "$1" "$2" || fail "$3: $1 cannot reach $2:$port"
}

# A host dropped cannot even connect.
reach_dropped()
{
	_rc=0
	reach "$1" "$2" || _rc=$?
	[ "$_rc" = 1 ] || fail "$3: $1 reached $2:$port"
}

# Something left in A's firewall by us (after remove: nothing).
leftovers()
{
	for t in iptables ip6tables iptables-legacy ip6tables-legacy; do
		command -v "$t" >/dev/null 2>&1 || continue
		case $t in
		*legacy)
			ip netns exec "$nsa" sh -c \
			    '[ -s /proc/net/ip_tables_names ]' || continue ;;
		esac
		ip netns exec "$nsa" "$t" -w -S 2>/dev/null | grep XRELOCD || :
	done
	if command -v nft >/dev/null 2>&1; then
		ip netns exec "$nsa" nft list tables 2>/dev/null |
		    grep xrelocd || :
	fi
}

# tamper BACKEND: add a rule of our own into the helper's chain.
tamper()
{
	case $1 in
	nft)	ip netns exec "$nsa" nft insert rule inet xrelocd input \
		    ip saddr 10.99.0.3 tcp dport "$port" accept ;;
	*)	ip netns exec "$nsa" "$1" -w -I XRELOCD 1 -s 10.99.0.3 \
		    -p tcp --dport "$port" -j ACCEPT ;;
	esac
}

# --------------------------------------------------------------- the test

run_backend()
{
	b=$1
	echo "firewall.sh: backend $b"
	reach_ok "$nsc" 10.99.0.1 "$b: before apply"
	expect_rc 1 fw check -f "$conf" --backend "$b"

	expect_rc 0 fw apply -f "$conf" --backend "$b"
	grep -q "regex entry '^b-host\$' cannot become a firewall rule" \
	    "$tmp/out" || fail "$b: no warning for the regex entry"
	reach_ok "$nsb" 10.99.0.1 "$b: B over IPv4"
	reach_ok "$nsb" fd99::1 "$b: B over IPv6"
	reach_dropped "$nsc" 10.99.0.1 "$b: C over IPv4"
	reach_dropped "$nsc" fd99::1 "$b: C over IPv6"
	reach_ok "$nsa" 127.0.0.1 "$b: A over loopback"
	expect_rc 0 fw check -f "$conf" --backend "$b"

	# Applying again changes nothing; so do two runs at once.
	fw show --backend "$b" >"$tmp/show1"
	grep -q 10.99.0.2 "$tmp/show1" || fail "$b: show lacks B's address"
	expect_rc 0 fw apply -f "$conf" --backend "$b"
	fw show --backend "$b" >"$tmp/show2"
	cmp -s "$tmp/show1" "$tmp/show2" || fail "$b: re-apply changed rules"
	fw apply -f "$conf" --backend "$b" 2>/dev/null & p1=$!
	fw apply -f "$conf" --backend "$b" 2>/dev/null & p2=$!
	wait "$p1" || fail "$b: concurrent apply 1 failed"
	wait "$p2" || fail "$b: concurrent apply 2 failed"
	fw show --backend "$b" >"$tmp/show3"
	cmp -s "$tmp/show1" "$tmp/show3" || fail "$b: concurrent runs differ"

	# Rules changed by hand are reported, and apply puts them right.
	tamper "$b"
	expect_rc 1 fw check -f "$conf" --backend "$b"
	reach_ok "$nsc" 10.99.0.1 "$b: C after tampering"
	expect_rc 0 fw apply -f "$conf" --backend "$b"
	expect_rc 0 fw check -f "$conf" --backend "$b"
	reach_dropped "$nsc" 10.99.0.1 "$b: C after re-apply"

	# remove restores access and leaves nothing behind; twice is fine.
	expect_rc 0 fw remove --backend "$b"
	reach_ok "$nsc" 10.99.0.1 "$b: C after remove"
	reach_ok "$nsc" fd99::1 "$b: C over IPv6 after remove"
	expect_rc 1 fw check -f "$conf" --backend "$b"
	expect_rc 0 fw remove
	[ -z "$(leftovers)" ] || fail "$b: left behind: $(leftovers)"
}

expect_rc 2 fw frobnicate
expect_rc 2 fw apply --backend
expect_rc 3 fw apply -f "$tmp/missing.sxp"

ran=
for b in iptables iptables-legacy nft; do
	case $b in
	nft)	c=nft ;;
	*)	c=$b ;;
	esac
	if ! command -v "$c" >/dev/null 2>&1; then
		echo "firewall.sh: $c not installed: backend $b not tested"
		continue
	fi
	if [ "$b" = iptables-legacy ] &&
	    ! ip netns exec "$nsa" iptables-legacy -w -S INPUT >/dev/null 2>&1
	then
		echo "firewall.sh: legacy iptables unusable here: not tested"
		continue
	fi
	run_backend "$b"
	ran="$ran $b"
done
[ -n "$ran" ] || skip "neither iptables nor nft installed"

# An open list accepts every host, loudly.
sed -i 's/^xend-relocation-hosts-allow .*/xend-relocation-hosts-allow /' \
    "$conf.keys"
echo open >"$conf.entries"
sed -i "s/^(xend-relocation-hosts-allow .*/(xend-relocation-hosts-allow '')/" \
    "$conf"
expect_rc 0 fw apply -f "$conf"
grep -q "every host may connect" "$tmp/out" || fail "open list: no warning"
reach_ok "$nsc" 10.99.0.1 "open list: C"
expect_rc 0 fw check -f "$conf"
expect_rc 0 fw remove

echo "firewall.sh: passed with:$ran"
