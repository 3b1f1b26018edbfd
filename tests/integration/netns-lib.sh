# shellcheck shell=sh
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
# Network namespace helpers for integration tests and benchmarks: skip
# cleanly (exit 77) without root or tools, name namespaces after the
# caller's pid, and delete every namespace made here on exit.

NS_PREFIX=xr$$
NS_LIST=''

# skip MESSAGE: automake's SKIP.
skip()
{
	echo "SKIP: $*"
	exit 77
}

# need_root_and CMD...: skip unless root and every command exists.
need_root_and()
{
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
	for _c in ip "$@"; do
		command -v "$_c" >/dev/null 2>&1 || skip "needs $_c"
	done
	_probe="$NS_PREFIX-probe"
	ip netns add "$_probe" 2>/dev/null ||
	    skip "cannot create network namespaces here"
	ip netns del "$_probe"
}

# ns NAME: the full namespace name for a short one.
ns()
{
	echo "$NS_PREFIX-$1"
}

# ns_add NAME...: create namespaces with loopback up.
ns_add()
{
	for _n in "$@"; do
		ip netns add "$(ns "$_n")"
		NS_LIST="$NS_LIST $(ns "$_n")"
		ip -n "$(ns "$_n")" link set lo up
	done
}

# nsx NAME CMD...: run CMD inside namespace NAME.
nsx()
{
	_n=$1
	shift
	ip netns exec "$(ns "$_n")" "$@"
}

# link_ns A IFA B IFB: a veth pair from namespace A (IFA) to B (IFB), up.
link_ns()
{
	ip -n "$(ns "$1")" link add "$2" type veth peer name "$4" \
	    netns "$(ns "$3")"
	ip -n "$(ns "$1")" link set "$2" up
	ip -n "$(ns "$3")" link set "$4" up
}

# wait_until SECONDS CMD...: run CMD every 0.1 s until it succeeds, for
# at most SECONDS of wall-clock time (then 1).  Wait for what is
# asserted, never a fixed time: a loaded machine is slow, not wrong.
wait_until()
{
	_wu_end=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -lt "$_wu_end" ] || return 1
		sleep 0.1
	done
}

# ns_pids NAME: pids of the processes living in a namespace.
ns_pids()
{
	ip netns pids "$(ns "$1")" 2>/dev/null || :
}

# ns_cleanup: kill what runs in our namespaces, then delete them.
ns_cleanup()
{
	for _n in $NS_LIST; do
		for _p in $(ip netns pids "$_n" 2>/dev/null); do
			kill "$_p" 2>/dev/null || :
		done
	done
	for _n in $NS_LIST; do
		ip netns del "$_n" 2>/dev/null || :
	done
	NS_LIST=''
}
