#!/bin/bash
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
# Helpers for the dom0 side of the lab, sourced by lab-dom0, lab-do and
# the step scripts: result markers, guests, their console counter, and
# running a helper on either lab host.

LAB_SHARE=/lab/share
LAB_OUT=/lab/out
LAB_GUEST_DIR=/var/lib/xrelocd-lab/guest
LAB_HOSTS="laba labb"
# shellcheck source=/dev/null
[ -r "$LAB_SHARE/run.conf" ] && . "$LAB_SHARE/run.conf"

# A marker line: on the console (serial log) and in the results file the
# host watches.  Format: "LAB <word> <args...>".
mark()
{
	echo "LAB $*" > /dev/console
	echo "LAB $*" >> "$LAB_OUT/markers"
}

# Progress notes from a step go to its own log on the host.
note()
{
	echo "[$(date +%T) $(hostname)] $*"
}

now()
{
	date +%s.%N
}

since()
{
	awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'
}

# Step results.  Exit codes follow automake's: 0 pass, 1 fail, 77 skip.
pass()
{
	echo "$*" > "$LAB_OUT/result"
	exit 0
}

fail()
{
	echo "$*" > "$LAB_OUT/result"
	exit 1
}

skip()
{
	echo "$*" > "$LAB_OUT/result"
	exit 77
}

bench()
{
	mark "bench $*"
}

# on HOST FUNC ARGS: run a helper of this file on a lab host.
on()
{
	local h=$1

	shift
	if [ "$h" = "$(hostname)" ]; then
		bash "$LAB_SHARE/dom0/lab-do" "$@"
	else
		# shellcheck disable=SC2029
		ssh "$h" bash "$LAB_SHARE/dom0/lab-do" "$@"
	fi
}

peer_of()
{
	case $1 in
	laba) echo labb ;;
	*) echo laba ;;
	esac
}

# guest_cfg NAME TYPE MEM_MB [EXTRA]: writes /etc/xen/lab/NAME.cfg.  The guest
# has a vif on xenbr0 so the target's bridge matters, and a fixed MAC.
guest_cfg()
{
	local name=$1 type=$2 mem=$3 extra=${4:-} n

	n=$(echo "$name" | cksum | cut -c1-2)
	mkdir -p /etc/xen/lab
	cat > "/etc/xen/lab/$name.cfg" <<EOC
name = "$name"
type = "$type"
kernel = "$LAB_GUEST_DIR/vmlinuz"
ramdisk = "$LAB_GUEST_DIR/initrd.gz"
extra = "console=hvc0 loglevel=4${extra:+ $extra}"
memory = $mem
vcpus = 1
on_crash = "preserve"
vif = [ "bridge=${LAB_GUEST_BRIDGE:-xenbr0},mac=00:16:3e:77:00:$n" ]
EOC
	# A PVH guest hangs at boot on rdtscp under QEMU's emulation
	# ("SVM Insn len emulation failed") unless the TSC is native.
	if [ "$type" = pvh ]; then
		echo 'tsc_mode = "native"' >> "/etc/xen/lab/$name.cfg"
	fi
	echo "/etc/xen/lab/$name.cfg"
}

has_domain()
{
	xl domid "$1" >/dev/null 2>&1
}

# ticks NAME SECS: reads the guest's console for SECS seconds and prints
# the lowest and highest counter seen ("0 0" when none).
ticks()
{
	local name=$1 secs=${2:-4} id tty

	id=$(xl domid "$name" 2>/dev/null) || { echo "0 0"; return 0; }
	tty=$(xenstore-read "/local/domain/$id/console/tty" 2>/dev/null) ||
	    { echo "0 0"; return 0; }
	timeout "$secs" cat "$tty" 2>/dev/null | tr -d '\r' | awk '
	    /GUEST tick [0-9]/ {
		for (i = 1; i < NF; i++)
			if ($i == "tick") {
				n = $(i + 1) + 0
				if (lo == 0 || n < lo)
					lo = n
				if (n > hi)
					hi = n
			}
	    }
	    END { print lo + 0, hi + 0 }'
}

# last_tick NAME: the newest counter in the guest's console logs on this
# host.  xenconsoled names a log after the domain's name when it first
# sees it, so a guest that migrated in logs to guest-NAME--incoming.log.
last_tick()
{
	cat "/var/log/xen/console/guest-$1.log" \
	    "/var/log/xen/console/guest-$1--"*.log 2>/dev/null | tr -d '\r' |
	    sed -n 's/^GUEST tick \([0-9][0-9]*\) .*/\1/p' | sort -n |
	    tail -n 1 | grep . || echo 0
}

# forget_console NAME: drop the console logs of an earlier guest of that
# name (steps 1 and 2 both run lab-pvh): last_tick reads every log, and
# the old guest's higher counter would hide the new one's.
forget_console()
{
	rm -f "/var/log/xen/console/guest-$1.log" \
	    "/var/log/xen/console/guest-$1--"*.log
}

# wait_ticks NAME TIMEOUT: waits until the guest prints its counter.
wait_ticks()
{
	local name=$1 limit=$2 t lo hi

	t=$(now)
	while [ "$(since "$t" | cut -d. -f1)" -lt "$limit" ]; do
		read -r lo hi <<< "$(ticks "$name" 3)"
		if [ "$hi" -gt 0 ]; then
			echo "$hi"
			return 0
		fi
		# No point waiting for a guest that died.
		has_domain "$name" || return 1
		grep -q 'Kernel panic' "/var/log/xen/console/guest-$name.log" \
		    2>/dev/null && return 1
	done
	return 1
}

# create_guest NAME TYPE MEM [EXTRA]: a fresh guest on this host,
# counting; EXTRA goes on its kernel command line (lab_dirty=MB).
create_guest()
{
	local name=$1 cfg t h

	xl destroy "$name" >/dev/null 2>&1 || true
	for h in $LAB_HOSTS; do
		on "$h" forget_console "$name"
	done
	cfg=$(guest_cfg "$@")
	t=$(now)
	xl create "$cfg" || return 1
	wait_ticks "$name" 180 >/dev/null || {
		note "$name: no counter on its console"
		tail -n 20 "/var/log/xen/console/guest-$name.log"
		return 1
	}
	note "$name created and counting in $(since "$t") s"
}

destroy_everywhere()
{
	local h

	for h in $LAB_HOSTS; do
		on "$h" destroy_all "$1" || true
	done
}

# Every copy of the domain, whatever its migration suffix.
destroy_all()
{
	local n

	for n in "$1" "$1--incoming" "$1--migratedaway"; do
		xl destroy "$n" >/dev/null 2>&1 || true
	done
}

# Every guest on this host, so each step starts from empty hosts.
destroy_guests()
{
	local d

	for d in $(domains); do
		[ "$d" = Domain-0 ] || xl destroy "$d" || true
	done
}

domains()
{
	xl list | awk 'NR > 1 { print $1 }' | tr '\n' ' '
}

# moved NAME FROM TO BEFORE: checks that the guest left FROM, runs on TO
# under its own name, and that its counter carried on from BEFORE (a
# restarted guest would count from 1 again).  Prints what it found.
moved()
{
	local name=$1 from=$2 to=$3 before=$4 lo hi

	if on "$from" has_domain "$name"; then
		echo "$name still on $from: $(on "$from" domains)"
		return 1
	fi
	if ! on "$to" has_domain "$name"; then
		echo "$name not on $to: $(on "$to" domains)"
		return 1
	fi
	read -r lo hi <<< "$(on "$to" ticks "$name" 5)"
	if [ "$hi" -le "$before" ]; then
		echo "no counter on $to's console after $before (saw $lo..$hi)"
		return 1
	fi
	if [ "$lo" -lt "$before" ]; then
		echo "counter restarted on $to (was $before, saw $lo..$hi)"
		return 1
	fi
	echo "counter $before -> $hi on $to"
}

# stayed NAME HOST PEER: after a failed migration the guest must still
# run on HOST under its own name, counting, with no copy on PEER.
stayed()
{
	local name=$1 host=$2 peer=$3 a b

	if ! on "$host" has_domain "$name"; then
		echo "$name gone from $host: $(on "$host" domains)"
		return 1
	fi
	if on "$peer" domains | tr ' ' '\n' | grep -qx -e "$name" \
	    -e "$name--incoming" -e "$name--migratedaway"; then
		echo "a copy is left on $peer: $(on "$peer" domains)"
		return 1
	fi
	a=$(on "$host" last_tick "$name")
	sleep 4
	b=$(on "$host" last_tick "$name")
	if [ "$b" -le "$a" ]; then
		echo "$name on $host is not counting ($a then $b)"
		return 1
	fi
	echo "$name still runs on $host ($(on "$host" domains)), counter $a -> $b"
}

# daemon_state HOST: "ok" when xrelocd runs there, else why not.
daemon_state()
{
	cat /run/lab-daemon 2>/dev/null || echo "lab-dom0 did not get to xrelocd"
}

# need_daemon: skip the step (with the reason) unless xrelocd and xm run
# on both hosts; fail it when they were built but do not run.
need_daemon()
{
	local h s

	[ "${LAB_STAGE_OK:-0}" = 1 ] ||
	    skip "xrelocd/xm not available: ${LAB_STAGE_NOTE:-not staged}"
	for h in $LAB_HOSTS; do
		s=$(on "$h" daemon_state)
		[ "$s" = ok ] || fail "xrelocd on $h: $s"
	done
}

# timed OUT CMD...: runs a command, keeping its output in OUT; prints
# "RC SECONDS".
timed()
{
	local out=$1 t rc d

	shift
	t=$(now)
	if "$@" > "$out" 2>&1; then rc=0; else rc=$?; fi
	d=$(since "$t")
	note "$* -> rc $rc in $d s: $(tr '\n' '|' < "$out")" >&2
	echo "$rc $d"
}

xl_migrate()
{
	xl migrate "$1" "$2"
}

xm_migrate()
{
	xm migrate "$@"
}

xm_list()
{
	xm list
}

# tls_logged PEER: this host's daemon took a TLS connection from PEER
# (an IPv4 address; the daemon listens on :: and may log it IPv4-mapped)
# and finished the handshake; prints the handshake's line.
tls_logged()
{
	local log=$LAB_OUT/xrelocd.log re line

	re="(::ffff:)?${1//./\\.}"
	if ! grep -Eq "tls connection from \\[?${re}[]:]" "$log"; then
		echo "no tls connection from $1 in its xrelocd.log"
		return 1
	fi
	line=$(grep -E "tls: peer $re: TLSv1\\.[23] " "$log" | tail -n 1)
	if [ -z "$line" ]; then
		echo "no tls handshake with $1 in its xrelocd.log"
		return 1
	fi
	echo "$line"
}

# ktls_count: "tx N rx M", the TLS sessions whose records the kernel
# took over (TlsTxSw, TlsRxSw of /proc/net/tls_stat), or why none.
ktls_count()
{
	if [ ! -r /proc/net/tls_stat ]; then
		echo "none (no tls module)"
		return 0
	fi
	awk '$1 == "TlsTxSw" { t = $2 } $1 == "TlsRxSw" { r = $2 }
	    END { printf "tx %d rx %d\n", t, r }' /proc/net/tls_stat
}

xl_free()
{
	xl info | awk '/^free_memory/ { print $3 }'
}

# sched_of NAME: "WEIGHT CAP" of the domain under the scheduler Xen runs
# (credit2 by default in 4.17, or credit).
sched_of()
{
	local s

	s=$(xl info | awk '$1 == "xen_scheduler" { print $3 }')
	case $s in
	credit | credit2) ;;
	*) echo "no cap: scheduler $s"; return 1 ;;
	esac
	xl "sched-$s" -d "$1" | awk 'NR == 2 { print $3, $4 }'
}

# logged_since N RE: lines of this host's xrelocd.log after line N that
# match RE (extended), or false.
logged_since()
{
	tail -n "+$(($1 + 1))" "$LAB_OUT/xrelocd.log" | grep -E "$2"
}

log_lines()
{
	wc -l < "$LAB_OUT/xrelocd.log"
}
