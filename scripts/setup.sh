#!/bin/sh
# Set up a build of xrelocd on Debian 12: install what is missing, then
# configure and build in _build (or $XRELOCD_BUILD).  Sourced by the demo
# and the test runner; safe to run again (it only does what is left).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=${XRELOCD_BUILD:-$top/_build}

pkgs="build-essential autoconf automake libtool pkg-config libevent-dev
 libxml2-dev check libxxhash-dev libssl-dev libzstd-dev liblz4-dev openssl
 libxen-dev mandoc iproute2 iptables nftables tcpdump iputils-ping
 netcat-openbsd shellcheck python3 procps"

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
	    missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "setup: installing:$missing"
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	# shellcheck disable=SC2086
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends $missing >/dev/null
fi

cd "$top"
[ -x configure ] || autoreconf -fi >/dev/null
mkdir -p "$build"
cd "$build"
# Test builds carry the fault hooks; a build configured with other
# arguments than these is configured again.
args="--enable-werror --enable-fault-injection ${XRELOCD_CONFIGURE:-}"
if [ ! -f Makefile ] || [ "$(cat setup.args 2>/dev/null)" != "$args" ] ||
    [ -n "$(find "$top/configure" -newer Makefile)" ]; then
	# shellcheck disable=SC2086 # the arguments are words
	"$top/configure" $args >configure.out
	echo "$args" >setup.args
	tail -n 10 configure.out
fi
make -j"$(nproc)" >make.out 2>&1 || { tail -n 40 make.out; exit 1; }
echo "setup: built in $build"
