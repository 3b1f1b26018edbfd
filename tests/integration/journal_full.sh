#!/bin/sh
# A full disk under xrelocd-state-dir: a migration whose record cannot be
# journaled does not begin; the domain is not touched and xm says why.
# Once there is room again the same migration moves.  The same on the
# target: the source says there is no space left on the target's state
# directory, and the domain runs on as before; the target cannot journal
# the recovery of its failed incoming job either, so it tries again
# after 1 s, 2, 4... not in a loop, and once there is room the job ends,
# one copy running.  (A real full disk: a
# small tmpfs filled to its last byte; needs root.)
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
# C keeps its guests' memory on the full disk (xrelocd-sim-dir).
mkdir -p "$FULL/csim" "$WORK/C"
ln -s "$FULL/csim" "$WORK/C/sim"
cat /proc/sys/kernel/random/uuid >"$FULL/csim/host-uuid"
start_host C
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

# The target's disk full: A cannot journal db01 coming from B.
dd if=/dev/zero of="$FULL/filler" bs=4k 2>/dev/null || true
sim_on B create db01 --memory 32 --dirty-rate 5 >/dev/null
count1=$(counter B db01)
migrate B A db01 -l
check "target full: xm exits 1" [ "$XM_RC" -eq 1 ]
check "target full: xm says no space left on the target's state directory" \
    grep -q "no space left on A's $FULL/state" "$XM_OUT"
check "target full: B's log says so too, A's no bad address" \
    sh -c "grep -q \"no space left on A's\" $WORK/B/log &&
    ! grep -q -i 'bad address' $WORK/A/log"
check "target full: db01 runs only on B" runs_only_on B db01
check "target full: its counter goes on" \
    wait_for "db01's counter to move" "$WAIT" counter_past B db01 "$count1"
check "target full: A keeps no incoming copy" \
    wait_for "db01--incoming to go from A" "$WAIT" \
    sh -c "! \"$SIM\" -d $WORK/A/sim info db01--incoming >/dev/null 2>&1"

# A cannot journal the recovery of its failed incoming job either: it
# backs off (1 s, doubling) instead of starting recovery workers in a
# row.  Tries are due at 0, 1, 3, 7, 15... s after the first: however
# slow the machine, no more of them than that in the time that passed.
t0=$(awk '/target db01.*: recovering$/ { print $1; exit }' "$WORK/A/log")
check "target full: A tried to recover db01's incoming job" [ -n "$t0" ]
check "target full: A says it waits, and the fix" logged A \
    "cannot journal its recovery in $FULL/state .*next try in 1 s; free space on $FULL/state"
sleep 10
tries=$(grep -c 'target db01.*: recovering$' "$WORK/A/log" || true)
secs=$(awk -v t0="$t0" 'function s(t, a) { split(t, a, ":");
    return a[1] * 3600 + a[2] * 60 + a[3] }
    /target db01.*: recovering$/ { last = $1 }
    END { d = s(last) - s(t0); if (d < 0) d += 86400; printf "%d\n", d + 1 }' \
    "$WORK/A/log")
bound=$(awk -v T="$secs" 'BEGIN { n = 0; t = 0; d = 1
    while (t <= T) { n++; t += d; d *= 2 } print n }')
log "A tried $tries times in about $secs s (backoff allows $bound)"
check "target full: recovery tries back off" [ "$tries" -le "$bound" ]
check "target full: a handful of tries, not a loop" [ "$tries" -le 5 ]
check "target full: meanwhile db01 runs only on B" runs_only_on B db01
check "target full: meanwhile A has no copy of db01" \
    sh -c "! \"$SIM\" -d $WORK/A/sim info db01--incoming >/dev/null 2>&1 &&
    ! \"$SIM\" -d $WORK/A/sim info db01 >/dev/null 2>&1"

# Room again: the next try journals and ends the job; one copy runs.
rm -f "$FULL/filler"
check "room again: A's recovery of db01 ends" \
    wait_for "A to recover db01's job" 90 \
    grep -q "recover\\[db01\\]: recover: .*db01 from .*not taken over, nothing kept here" "$WORK/A/log"
check "room again: db01 runs only on B" runs_only_on B db01
xm_on A jobs >"$WORK/jobs.A" 2>&1 || true
check "room again: A's job of db01 is final, failed" \
    sh -c "grep db01 $WORK/jobs.A | grep -q failed"

# Room for C's records of db01 but not for its memory: the restore
# fails with no space left, not with a bad address.
rm -f "$FULL/filler"
dd if=/dev/zero of="$FULL/reserve" bs=4k count=16 2>/dev/null
dd if=/dev/zero of="$FULL/filler" bs=4k 2>/dev/null || true
rm -f "$FULL/reserve"
migrate B C db01 -l
check "target memory full: xm exits 1" [ "$XM_RC" -eq 1 ]
check "target memory full: xm says C has no space left" \
    grep -q "restore failed on the target C: not enough memory or space" "$XM_OUT"
check "target memory full: C's log has no bad address" \
    sh -c "! grep -i 'bad address' $WORK/C/log | grep -q -v 'allocate ahead'"
check "target memory full: db01 runs only on B" runs_only_on B db01
check "target memory full: C keeps no incoming copy" \
    wait_for "db01--incoming to go from C" "$WAIT" \
    sh -c "! \"$SIM\" -d $WORK/C/sim info db01--incoming >/dev/null 2>&1"

finish
