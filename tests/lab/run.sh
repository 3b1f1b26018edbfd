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
# Runs the lab: stages the built tree, boots the two QEMU hosts on one
# socket-networked L2 segment, watches host a's markers with a timeout
# per phase, and reports each step and the xl/xm timings.  Every QEMU
# started here is killed on exit.

LAB_RESULTS=${XRELOCD_LAB_RESULTS:-${LAB_BUILDDIR:-$PWD}/lab-results}
LAB_STEPS=${LAB_STEPS:-1 2 3 4 5}
# Boot: about 6 minutes at load 3; at load 10 one host took 8 minutes.
LAB_BOOT_TIMEOUT=${LAB_BOOT_TIMEOUT:-900}
# Step 2 creates a guest and makes four live moves, each checked: on an
# idle 2-core host about 6 minutes, at load 7 about 14 (a move 100 to
# 180 s).  A passing run is not slower.
LAB_STEP_TIMEOUT=${LAB_STEP_TIMEOUT:-1500}
# labb is smaller on purpose: step 4 needs a guest that fits only on laba.
LAB_MEM_A=${LAB_MEM_A:-2048}
LAB_MEM_B=${LAB_MEM_B:-1536}
LAB_DOM0_MEM=${LAB_DOM0_MEM:-1024M}
# smap=0: with SMAP the PV dom0 dies at once under TCG (#PF in
#   create_bounce_frame).
# spec-ctrl=eager-fpu: with lazy FPU switching on QEMU's emulated CPU,
#   dom0 user space sees corrupted data as soon as a second domain runs.
LAB_XEN_ARGS=${LAB_XEN_ARGS:-"console=com1 com1=115200,8n1 \
dom0_mem=$LAB_DOM0_MEM,max:$LAB_DOM0_MEM dom0_max_vcpus=1 smap=0 \
spec-ctrl=eager-fpu loglvl=all guest_loglvl=all console_timestamps=boot"}
LAB_DOM0_ARGS="root=/dev/vda rw console=hvc0 earlyprintk=xen \
net.ifnames=0 loglevel=5"

# 9p shares: files keep the host's owner (root) and modes.
LAB_9P=security_model=none
LAB_QEMU_PIDS=

run_cleanup()
{
	local p

	for p in $LAB_QEMU_PIDS; do
		kill "$p" 2>/dev/null || true
	done
	for p in $LAB_QEMU_PIDS; do
		wait "$p" 2>/dev/null || true
	done
	LAB_QEMU_PIDS=
}

# A free TCP port on loopback for the socket NIC between the hosts.
run_port()
{
	local p

	[ -n "${LAB_PORT:-}" ] && { echo "$LAB_PORT"; return 0; }
	for p in $(seq $((47700 + $$ % 200)) 47999); do
		if ! ss -Hltn "sport = :$p" 2>/dev/null | grep -q .; then
			echo "$p"
			return 0
		fi
	done
	lab_fatal "no free port for the lab network"
}

# Installs the built tree into share/stage and says in run.conf whether
# the steps that need xrelocd can run, and if not, why.
run_stage()
{
	local run=$1 b=${LAB_BUILDDIR:-} st=$1/share/stage ok=0 note d

	if [ -n "${LAB_STAGE:-}" ]; then
		# An already staged tree (a DESTDIR of an earlier install).
		note="$LAB_STAGE has no xrelocd and xm"
		mkdir -p "$st"
		cp -a "$LAB_STAGE/." "$st/"
		if [ -n "$(find "$st" -name xrelocd -type f)" ] &&
		    [ -n "$(find "$st" -name xm -type f)" ]; then
			ok=1
			note="staged from $LAB_STAGE"
		fi
	elif [ -z "$b" ]; then
		note="no build tree (run it as make lab-check)"
	elif ! grep -q '^#define HAVE_XEN 1' "$b/config.h" 2>/dev/null; then
		note="tree built without the libxl backend"
		note="$note (install libxen-dev, re-run configure)"
	else
		note="make install of xrelocd/xm failed (see stage.log)"
		if (make -C "$b/libreloc" all &&
		    for d in xrelocd xm-migrate; do
			make -C "$b/$d" install DESTDIR="$st" || exit 1
		    done) > "$run/stage.log" 2>&1; then
			note="xrelocd or xm missing after make install"
			if [ -n "$(find "$st" -name xrelocd -type f)" ] &&
			    [ -n "$(find "$st" -name xm -type f)" ]; then
				ok=1
				note="staged from $b"
			fi
		fi
	fi
	lab_log "xrelocd: $note"
	{
		echo "LAB_STEPS='$LAB_STEPS'"
		echo "LAB_STEP_TIMEOUT=$((LAB_STEP_TIMEOUT - 30))"
		echo "LAB_STAGE_OK=$ok"
		echo "LAB_STAGE_NOTE='$note'"
		[ -z "${LAB_BIG_MEM:-}" ] || echo "LAB_BIG_MEM=$LAB_BIG_MEM"
		[ -z "${LAB_XM_FORCE:-}" ] || echo "LAB_XM_FORCE='$LAB_XM_FORCE'"
	} > "$run/share/run.conf"
}

# run_qemu IMG RUN HOST MEM NETDEV [extra QEMU args]: one lab host in
# the background; its serial console (Xen and dom0) goes to serial-HOST.log.
run_qemu()
{
	local img=$1 run=$2 h=$3 mem=$4 net=$5 mac

	shift 5
	mac=52:54:00:77:00:0$([ "$h" = a ] && echo 1 || echo 2)
	mkdir -p "$run/$h"
	# snapshot=on: the image stays pristine; the overlay goes to TMPDIR.
	TMPDIR=$run qemu-system-x86_64 -machine pc -cpu max -m "$mem" -smp 1 \
	    -display none -no-reboot -nic none -monitor none \
	    -serial "file:$run/serial-$h.log" \
	    -drive "file=$img/dom0.img,if=virtio,format=raw,snapshot=on" \
	    -netdev "socket,id=n0,$net" \
	    -device "virtio-net-pci,netdev=n0,mac=$mac,romfile=" \
	    -virtfs "local,path=$run/share,mount_tag=share,$LAB_9P,readonly=on" \
	    -virtfs "local,path=$run/$h,mount_tag=out,$LAB_9P" \
	    -device virtio-serial-pci \
	    -chardev "socket,id=sh0,path=$run/shell-$h.sock,server=on,wait=off" \
	    -device virtconsole,chardev=sh0 \
	    -kernel "$img/xen" -append "$LAB_XEN_ARGS" \
	    -initrd "$img/vmlinuz $LAB_DOM0_ARGS lab.role=$h,$img/initrd.img" \
	    "$@" > "$run/qemu-$h.log" 2>&1 < /dev/null &
	LAB_QEMU_PIDS="$LAB_QEMU_PIDS $!"
}

# run_ca RUN: a CA and one certificate per lab host (scripts/lab-ca.sh),
# named and addressed as dom0 knows them, in share/ca: each dom0 takes
# its own pair and the CA for xrelocd's TLS port.  The certificates are
# valid from a day back, so a dom0 clock a little behind still takes them.
run_ca()
{
	local ca=$1/share/ca h days

	days="-s $(date -u -d '-1 day' +%Y%m%d%H%M%SZ)"
	days="$days -e $(date -u -d '+30 days' +%Y%m%d%H%M%SZ)"
	for h in "ca" "host laba 169.254.77.1" "host labb 169.254.77.2"; do
		# shellcheck disable=SC2086 # options, verb and its arguments
		sh "$LAB_SRC/../../scripts/lab-ca.sh" -d "$ca" $days $h \
		    >> "$1/ca.log" 2>&1 ||
		    lab_fatal "lab-ca.sh $h failed (see $1/ca.log)"
	done
}

run_prepare()
{
	local run=$1

	mkdir -p "$run/share/dom0"
	cp "$LAB_SRC"/dom0/* "$run/share/dom0/"
	run_ca "$run"
	ln -sfn "$(basename "$run")" "$LAB_RESULTS/latest"
	run_stage "$run"
}

# run_watch RUN: follows host a's markers until "done", a fatal marker,
# a dead QEMU or the timeout of the current phase (boot, then each
# step).  Returns 0 when the scenario finished, 1 otherwise.
run_watch()
{
	local run=$1 m=$1/a/markers begun=0 n limit=$LAB_BOOT_TIMEOUT \
	    phase=boot start p

	start=$(date +%s)
	while :; do
		sleep 2
		grep -q '^LAB done' "$m" 2>/dev/null && return 0
		if grep -q '^LAB \(fatal\|boot-error\)' "$run"/[ab]/markers \
		    2>/dev/null; then
			lab_log "$(grep -h '^LAB \(fatal\|boot-error\)' \
			    "$run"/[ab]/markers | head -n 1)"
			return 1
		fi
		for p in $LAB_QEMU_PIDS; do
			kill -0 "$p" 2>/dev/null && continue
			lab_log "a QEMU exited during $phase"
			return 1
		done
		n=$(grep -c '^LAB step [0-9]* begin' "$m" 2>/dev/null || true)
		if [ "${n:-0}" -gt "$begun" ]; then
			begun=$n
			phase=$(grep '^LAB step [0-9]* begin' "$m" | tail -n 1 |
			    cut -d' ' -f3,5)
			lab_log "step $phase"
			start=$(date +%s)
			limit=$LAB_STEP_TIMEOUT
		fi
		if [ $(($(date +%s) - start)) -gt "$limit" ]; then
			lab_log "timed out after ${limit} s in $phase"
			return 1
		fi
	done
}

# One line per step: its result from the markers, or why it has none.
run_steps_table()
{
	local m=$1 finished=$2 n line res

	for n in 1 2 3 4 5; do
		line=$(grep "^LAB step $n \(pass\|fail\|skip\) " "$m" 2>/dev/null |
		    tail -n 1)
		if [ -n "$line" ]; then
			# "LAB step N RESULT SECONDS WHY..."
			# shellcheck disable=SC2086
			set -- $line
			res=$(echo "$4" | tr '[:lower:]' '[:upper:]')
			printf 'step %s  %-4s  %6s s  ' "$n" "$res" "$5"
			shift 5
			echo "$*"
		elif grep -q "^LAB step $n begin" "$m" 2>/dev/null; then
			echo "step $n  FAIL       -    did not finish" \
			    "(timeout or crash, see the serial logs)"
		elif [ "$finished" = 1 ]; then
			echo "step $n  FAIL       -    no result reported"
		else
			echo "step $n  FAIL       -    not reached: the lab failed before it"
		fi
	done
}

# The xl and xm timings of the same moves side by side.
run_bench_table()
{
	local m=$1 k xl xm

	grep -q '^LAB bench ' "$m" 2>/dev/null || return 0
	echo
	printf '%-22s %10s %10s\n' "migration" "xl (s)" "xm (s)"
	sed -n 's/^LAB bench [a-z]* \([^ ]*\) .*/\1/p' "$m" |
	    awk '!seen[$0]++' | while read -r k; do
		xl=$(sed -n "s/^LAB bench xl $k \\([0-9.]*\\).*/\\1/p" "$m" |
		    tail -n 1)
		xm=$(sed -n "s/^LAB bench xm $k \\([0-9.]*\\).*/\\1/p" "$m" |
		    tail -n 1)
		printf '%-22s %10s %10s\n' "$k" "${xl:--}" "${xm:--}"
	done
}

# run_report RUN FINISHED: prints the summary; returns 1 if any step
# failed.  On failure the tail of every serial log is printed too.
run_report()
{
	local run=$1 finished=$2 table h

	table=$(run_steps_table "$run/a/markers" "$finished")
	echo
	echo "=== xrelocd lab: $run"
	grep -h '^LAB \(ready\|peer\)' "$run"/[ab]/markers 2>/dev/null || true
	echo "$table"
	run_bench_table "$run/a/markers"
	echo
	if ! echo "$table" | grep -q '^step [0-9]  FAIL' && [ "$finished" = 1 ]; then
		echo "lab-check: PASS ($(echo "$table" | grep -c PASS) passed," \
		    "$(echo "$table" | grep -c SKIP) skipped)"
		return 0
	fi
	for h in a b; do
		echo "--- tail of $run/serial-$h.log"
		tail -n 40 "$run/serial-$h.log" 2>/dev/null | tr -d '\r' || true
	done
	for h in "$run"/a/step*.log; do
		[ -e "$h" ] || continue
		echo "--- tail of $h"
		tail -n 15 "$h"
	done
	echo "lab-check: FAIL (logs in $run)"
	return 1
}

run_check()
{
	local img run port t finished=0

	t=$(date +%s)
	img=$(build_image)
	lab_log "image $img ready after $(($(date +%s) - t)) s"
	run=$LAB_RESULTS/$(date +%Y%m%d-%H%M%S)
	mkdir -p "$run"
	run=$(cd "$run" && pwd)
	run_prepare "$run"
	port=$(run_port)
	trap run_cleanup EXIT
	trap 'run_cleanup; exit 130' INT TERM
	lab_log "booting laba and labb (serial logs in $run)"
	run_qemu "$img" "$run" a "$LAB_MEM_A" "listen=127.0.0.1:$port"
	sleep 1
	run_qemu "$img" "$run" b "$LAB_MEM_B" "connect=127.0.0.1:$port"
	if run_watch "$run"; then
		finished=1
	fi
	run_cleanup
	lab_log "total $(($(date +%s) - t)) s"
	run_report "$run" "$finished"
}

# One host with its console on this terminal (Ctrl-a x quits QEMU).  It
# mounts the same shares, so the staged xrelocd is there, but runs no step.
run_shell()
{
	local img run

	img=$(build_image)
	run=$LAB_RESULTS/shell-$(date +%Y%m%d-%H%M%S)
	mkdir -p "$run/a"
	run=$(cd "$run" && pwd)
	LAB_STEPS='' run_prepare "$run"
	lab_log "booting a shell host; log in as root on hvc0 (Ctrl-a x quits)"
	TMPDIR=$run exec qemu-system-x86_64 -machine pc -cpu max \
	    -m "$LAB_MEM_A" -smp 1 -nographic -no-reboot -nic none \
	    -drive "file=$img/dom0.img,if=virtio,format=raw,snapshot=on" \
	    -virtfs "local,path=$run/share,mount_tag=share,$LAB_9P,readonly=on" \
	    -virtfs "local,path=$run/a,mount_tag=out,$LAB_9P" \
	    -kernel "$img/xen" -append "$LAB_XEN_ARGS" \
	    -initrd "$img/vmlinuz $LAB_DOM0_ARGS lab.role=shell,$img/initrd.img"
}

# A root shell on hvc1 of a dom0 of the newest run (Ctrl-] quits).
run_attach()
{
	local sock=$LAB_RESULTS/latest/shell-$1.sock

	[ -S "$sock" ] || lab_fatal "no $sock: is make lab-check running?"
	command -v socat >/dev/null ||
	    DEBIAN_FRONTEND=noninteractive apt-get install -y socat >&2
	lab_log "root shell on lab$1 (Ctrl-] quits)"
	exec socat -,raw,echo=0,escape=0x1d "UNIX-CONNECT:$sock"
}
