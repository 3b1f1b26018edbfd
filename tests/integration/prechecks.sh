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
# Every precheck through two daemons on loopback: host A (source) and B
# (target), sim backend.  B's facts are rewritten between cases (the sim
# reads host.sxp at every precheck).  Each error must stop both
# `xm migrate --check` and a real `xm migrate -l` with its message and
# code, leaving the domain running on A only; each warning must let the
# check pass; --force lets a forced error through and both hosts log it.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

CPU="(cpu-vendor GenuineIntel) (cpu-features fpu sse2 sse4_1 avx2)"
BR0="(bridge (name xenbr0) (subnet 192.0.2.0/24) (mtu 1500))"
BR1="(bridge (name xenbr1) (subnet 198.51.100.0/24) (mtu 1500))"

# B as A unless told otherwise: b_facts [SXP...]
b_facts() { host_facts B "${*:-}" "$CPU" "(bridges $BR0 $BR1)"; }

host_facts A "$CPU" "(bridges $BR0 $BR1)"
b_facts
start_host A
start_host B

# no_copy HOST DOMAIN: no trace of DOMAIN on HOST.
no_copy() {
	for n in "$2" "$2--incoming" "$2--migratedaway"; do
		has_domain "$1" "$n" && return 1
	done
	return 0
}

# refused CODE DOMAIN TEXT [xm options]: --check and a real live
# migration both refuse with error CODE saying TEXT; nothing moves.
refused() {
	code=$1 d=$2 text=$3
	shift 3
	migrate A B "$d" --check -l "$@"
	check "$code: --check exits 1" [ "$XM_RC" -eq 1 ]
	check "$code: --check names the error" \
	    grep -q "^error: [a-z0-9]*: .*\[$code\]" "$XM_OUT"
	check "$code: --check says what is wrong" grep -qF -- "$text" "$XM_OUT"
	check "$code: --check gives a fix" grep -q "^    fix: ." "$XM_OUT"
	migrate A B "$d" -l "$@"
	check "$code: migrate -l exits 1" [ "$XM_RC" -eq 1 ]
	check "$code: migrate -l says what is wrong" \
	    grep -qF -- "$text" "$XM_OUT"
	check "$code: $d still runs on A only" runs_only_on A "$d"
	[ -n "${B_HAS:-}" ] ||
	    check "$code: nothing of $d on B" no_copy B "$d"
}

# warned CODE DOMAIN TEXT: the check passes and shows warning CODE.
warned() {
	code=$1 d=$2 text=$3
	migrate A B "$d" --check -l
	check "$code: --check exits 0" [ "$XM_RC" -eq 0 ]
	check "$code: warning shown" \
	    grep -q "^warning: [a-z0-9]*: .*\[$code\]" "$XM_OUT"
	check "$code: says what" grep -qF -- "$text" "$XM_OUT"
	check "$code: nothing moved" runs_only_on A "$d"
}

mk() { sim_on A create "$@" --memory 8 >/dev/null; }
mk web01 --vif mac=00:16:3e:00:00:01,bridge=xenbr0,ip=192.0.2.10
mk web02 --vif mac=00:16:3e:00:00:02,bridge=xenbr1,ip=198.51.100.7
mk web03 --vif mac=00:16:3e:00:00:03,bridge=xenbr0
mk web04 --vif mac=00:16:3e:00:00:04,bridge=xenbr0,ip=10.0.0.5
mk pv01 --type pv
mk hvm01 --type hvm
mk st01 --disk "vdev=xvda,path=$WORK/gone.img"
mk cd01 --disk "vdev=hdc,path=$WORK/debian.iso,cdrom"
mk cd02 --disk vdev=hdc,cdrom
mk pci01 --pci 0000:03:00.0
mk usb01 --usb 1-2
mk usb02 --usb 1-3,migratable

# A clean domain passes with no finding at all.
migrate A B web01 --check -l
check "clean: --check exits 0" [ "$XM_RC" -eq 0 ]
check "clean: no finding" sh -c "! grep -q '^\(error\|warning\)' $XM_OUT"

# l2
b_facts "(bridges $BR0)"
refused L2_BRIDGE_MISSING web02 \
    "web02: vif 00:16:3e:00:00:02 uses bridge xenbr1, which B does not have"
b_facts "(bridges (bridge (name xenbr0) (subnet 203.0.113.0/24)) $BR1)"
refused L2_SUBNET_DIFFERS web01 \
    "bridge xenbr0 is on 192.0.2.0/24 on A but on 203.0.113.0/24 on B"
b_facts
refused L2_IP_OUTSIDE web04 "vif 00:16:3e:00:00:04 has address 10.0.0.5, outside bridge xenbr0's subnet 192.0.2.0/24 on B"
b_facts "(bridges (bridge (name xenbr0) (subnet 192.0.2.0/24) (mtu 9000)) $BR1)"
warned L2_MTU_DIFFERS web01 "bridge xenbr0 has MTU 1500 on A but 9000 on B"
b_facts
warned L2_NO_IP web03 "vif 00:16:3e:00:00:03 has no known IP address"

# cpu
b_facts "(cpu-vendor AuthenticAMD) (cpu-features fpu sse2 sse4_1 avx2)"
refused CPU_VENDOR web01 "the source A has GenuineIntel CPUs, the target B has AuthenticAMD"
b_facts "(cpu-vendor GenuineIntel) (cpu-features fpu sse2)"
refused CPU_FEATURES_MISSING web01 "2 CPU features that B lacks: sse4_1 avx2"

# arch
b_facts "(arch aarch64)"
refused ARCH_DIFFERS web01 "the source A is"
b_facts "(cap-pv no)"
refused ARCH_TYPE pv01 "pv01 is a PV domain, but Xen on B cannot run PV guests"
b_facts "(cap-hvm no)"
refused ARCH_TYPE web01 "web01 is a PVH domain, but Xen on B has no hardware virtualization"
b_facts "(cap-shadow no)"
refused ARCH_LOGDIRTY pv01 "Xen on the target B lacks shadow paging"
migrate A B pv01 --check
check "ARCH_LOGDIRTY: not live: passes" [ "$XM_RC" -eq 0 ]
b_facts "(cap-shadow no) (cap-hap no)"
refused ARCH_LOGDIRTY hvm01 "lacks HAP or shadow paging"

# memory, version (the lead's checks, through the daemons too)
b_facts "(total-memory-kb 8192)"
refused MEMORY_SHORT web01 "B has"
b_facts "(hv-version 4.16.0)"
refused VERSION_OLDER web01 "the target B runs Xen 4.16, older than the source's 4.17"
b_facts "(hv-version 4.18.0)"
warned VERSION_MINOR web01 "Xen 4.17 to 4.18"
b_facts

# storage
refused STORAGE_MISSING st01 "st01: disk xvda's backing $WORK/gone.img is not visible on B"
if "$SIM" 2>&1 | grep -q 'size='; then
	dd if=/dev/zero of="$WORK/shared.img" bs=1024 count=64 2>/dev/null
	mk st02 --disk "vdev=xvda,path=$WORK/shared.img,size=4096"
	warned STORAGE_SIZE st02 "is 65536 bytes on B but 4096 bytes on A"
else
	log "STORAGE_SIZE not run: xrelocd-sim create records no disk size"
fi

# media, passthrough
refused MEDIA_INSERTED cd01 "cd01: removable drive hdc has media inserted ($WORK/debian.iso)"
check "MEDIA_INSERTED: fix names xl cd-eject" grep -qF "xl cd-eject cd01 hdc" "$XM_OUT"
warned MEDIA_EMPTY_DRIVE cd02 "cd02: empty removable drive hdc is attached"
refused PCI_PASSTHROUGH pci01 "pci01: PCI device 0000:03:00.0 is passed through"
refused USB_NOT_MIGRATABLE usb01 "usb01: USB device 1-2 is passed through and not marked migratable"
migrate A B usb02 --check -l
check "USB migratable: --check exits 0" [ "$XM_RC" -eq 0 ]

# name: never forcible
# B's own web01 is paused, so that A's is the only one running.
sim_on B create web01 --memory 8 --paused >/dev/null
B_HAS=1 refused NAME_EXISTS web01 "a domain named web01 already exists on B"
check "NAME_EXISTS: B's web01 is still its own" [ "$(dom_state B web01)" = paused ]
migrate A B web01 -l --force name
check "--force name is refused by xm" [ "$XM_RC" -eq 2 ]
check "--force name: web01 still runs on A" runs "A" web01
sim_on B destroy web01 >/dev/null

# --json carries the stable codes
b_facts "(bridges $BR0)"
migrate A B web02 --check -l --json
check "--json: exit 1" [ "$XM_RC" -eq 1 ]
check "--json: code" grep -q '"code": "L2_BRIDGE_MISSING"' "$XM_OUT"
check "--json: check" grep -q '"check": "l2"' "$XM_OUT"

# --force lets a forced error through, logged on both hosts
migrate A B web02 --check -l --force l2 --json
check "--force l2 --json: forced" grep -q '"forced": true' "$XM_OUT"
migrate A B web02 --check -l --force l2
check "--force l2 --check: exit 0" [ "$XM_RC" -eq 0 ]
check "--force l2: shown as forced" \
    grep -q "^error (forced): l2: .*\[L2_BRIDGE_MISSING\]" "$XM_OUT"
check "--force l2: logged on B" \
    grep -q "check l2 forced by the admin" "$WORK/B/log"
check "--force l2: logged on A" grep -q "forced.*web02\|web02.*forced" \
    "$WORK/A/log"
migrate A B web02 -l --force cpu
check "--force cpu does not cover l2" [ "$XM_RC" -eq 1 ]
migrate A B web02 -l --force l2
check "--force l2: migrate -l exits 0" [ "$XM_RC" -eq 0 ]
check "--force l2: web02 runs only on B" runs_only_on B web02

# A warning does not stop a real migration, and is shown.
b_facts
migrate A B cd02 -l
check "warning: migrate -l exits 0" [ "$XM_RC" -eq 0 ]
check "warning: shown" grep -q "\[MEDIA_EMPTY_DRIVE\]" "$XM_OUT"
check "warning: cd02 runs only on B" runs_only_on B cd02

finish
