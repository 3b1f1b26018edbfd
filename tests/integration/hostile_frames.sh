#!/bin/sh
# A hostile source's frames on the zstd stream of a lane (frame_tamper.py
# in the middle of a live move A -> B, -z zstd): a window larger than
# 8 MiB, a frame that decodes to more than its raw length (with the hash
# of the bytes it claims), history frames on a lane whose HELLO said none
# (dst-hello-history:omit) and zstd frames without it on a lane with it.
# Each time B refuses the chunk, names the peer and why, keeps nothing;
# xm exits 1 and web01 goes on running on A only, its counter carrying
# on; and an honest move after all of them works.
set -eu
. "$(dirname "$0")/lib.sh"
needs_fault_injection

MEM=48
ACCEPT="(xrelocd-relocation-compression zstd)
(xrelocd-relocation-streams 4)"
TAMPER=$(dirname "$0")/frame_tamper.py
set +e
python3 "$TAMPER" --check
rc=$?
set -e
if [ "$rc" -eq 77 ]; then
	echo "SKIP: python cannot load libzstd and libxxhash"
	exit 77
fi
[ "$rc" -eq 0 ]

# through MODE STREAMS WHY: a move through the tampering peer, refused.
through() {
	rm -f "$WORK/tport"
	python3 "$TAMPER" "$WORK/tport" "$(port_of B)" "$1" \
	    2>"$WORK/tamper.err" &
	tp=$!
	wait_for "the tampering peer's port" "$WAIT" test -s "$WORK/tport"
	c0=$(counter A web01)
	XM_OUT=$WORK/xm.out
	set +e
	xm_on A migrate -l -z zstd --streams "$2" -p "$(cat "$WORK/tport")" \
	    web01 127.0.0.1 >"$XM_OUT" 2>&1
	XM_RC=$?
	set -e
	kill "$tp" 2>/dev/null || true
	wait "$tp" 2>/dev/null || true
	sed 's/^/    xm: /' "$XM_OUT"
	sed 's/^/    peer: /' "$WORK/tamper.err"
	check "$1: the peer changed a frame" grep -q "changed seq" \
	    "$WORK/tamper.err"
	check "$1: xm exits 1" [ "$XM_RC" -eq 1 ]
	check "$1: B names the peer and why" logged B \
	    "corrupt compressed chunk [0-9]+ from 127\\.0\\.0\\.1:[0-9]+: $3"
	check "$1: web01 runs only on A" runs_only_on A web01
	check "$1: the counter carries on on A" \
	    wait_for "web01's counter on A past $c0" "$WAIT" \
	    counter_past A web01 "$c0"
	check "$1: B keeps nothing" wait_for "nothing of web01 on B" "$WAIT" \
	    sh -c "! $SIM -d $WORK/B/sim info web01 >/dev/null 2>&1 &&
	    ! $SIM -d $WORK/B/sim info web01--incoming >/dev/null 2>&1"
}

start_host A "$ACCEPT"
start_host B "$ACCEPT"
sim_on A create web01 --memory $MEM --dirty-rate 20 --fill realistic \
    >/dev/null

through window 1 "zstd window larger than 8 MiB"
through expand 4 "decompresses to more than its length"
through flag-off 1 "zstd frame without history on a lane with it"
stop_host B
HOSTS="A"
FAULT=dst-hello-history:omit start_host B "$ACCEPT"
through flag-on 1 "zstd history on a lane without it"

# An honest move after them.
stop_host B
HOSTS="A"
start_host B "$ACCEPT"
c0=$(counter A web01)
migrate A B web01 -l -z zstd --streams 4
check "honest move: xm exits 0" [ "$XM_RC" -eq 0 ]
check "honest move: web01 runs only on B" runs_only_on B web01
check "honest move: memory on B equals A's at pause" \
    memory_equal A B web01
check "honest move: counter carried on" [ "$(counter B web01)" -gt "$c0" ]
finish
