#!/bin/sh
# A full disk under xrelocd-state-dir: a migration whose record cannot be
# journaled does not begin; the domain is not touched and xm says why.
# Once there is room again the same migration moves.  (A real full disk:
# a small tmpfs filled to its last byte; needs root.)
set -eu
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root to mount a tmpfs"; exit 77; }
FULL=$WORK/full
mkdir -p "$FULL"
mount -t tmpfs -o size=256k,mode=0700 xrelocd-test "$FULL" || {
	echo "SKIP: cannot mount a tmpfs here"; exit 77; }
unmount_full() { umount "$FULL" 2>/dev/null || true; }
trap 'unmount_full; cleanup' EXIT

start_host A "(xrelocd-state-dir $FULL/state)"
start_host B
sim_on A create web01 --memory 32 --dirty-rate 5 >/dev/null
count0=$(counter A web01)

# Fill the disk to its last byte.
dd if=/dev/zero of="$FULL/filler" bs=4k 2>/dev/null || true
check "the state directory's disk is full" \
    sh -c "! echo x 2>/dev/null >$FULL/probe"

migrate A B web01 -l
check "full disk: xm exits 1" [ "$XM_RC" -eq 1 ]
check "full disk: xm names the state directory" \
    grep -q "cannot journal the migration in $FULL/state" "$XM_OUT"
check "full disk: web01 runs only on A, untouched" runs_only_on A web01
check "full disk: its counter goes on" \
    wait_for "web01's counter to move" "$WAIT" counter_past A web01 "$count0"
check "full disk: B never heard of it" \
    sh -c "! grep -q 'worker\\[' $WORK/B/log"

rm -f "$FULL/filler" "$FULL/probe"
migrate A B web01 -l
check "room again: xm exits 0" [ "$XM_RC" -eq 0 ]
check "room again: web01 runs only on B" runs_only_on B web01

finish
