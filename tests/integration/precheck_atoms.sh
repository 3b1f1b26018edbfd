#!/bin/sh
# A PRECHECK padded to the 1 MiB message cap with one-letter atoms (the
# shape that costs a reader the most per byte) is answered, and the
# target worker that read it stays within a small multiple of its size:
# its peak RSS (VmHWM) is under 48 MiB, where a tree of 64-byte nodes
# and its copy took about 120 MiB.  The domain runs exactly once.
set -eu
. "$(dirname "$0")/lib.sh"

PAD=$(dirname "$0")/precheck_pad.py
LIMIT_KB=$((48 * 1024))

start_host A
start_host B
sim_on A create web01 --memory 16 --dirty-rate 1 >/dev/null

python3 "$PAD" "$WORK/pad.port" "$(port_of B)" "$WORK/answered" \
    "$WORK/go" &
pad=$!
check "the padding peer listens" wait_for "the padding peer" "$WAIT" \
    test -s "$WORK/pad.port"
xm_on A migrate -l -p "$(cat "$WORK/pad.port")" web01 127.0.0.1 \
    >"$WORK/xm.out" 2>&1 &
job=$!
check "B answers the 1 MiB PRECHECK" wait_for "B's answer" "$WAIT" \
    test -s "$WORK/answered"

# B's workers are children of its daemon; the one that read the PRECHECK
# waits for the source's next message while the answer is held.
hwm_kb() {
	awk '$1 == "VmHWM:" { print $2 }' "/proc/$1/status" 2>/dev/null
}
bpid=$(cat "$WORK/B/daemon.pid")
max=0
for p in $(ps -o pid= --ppid "$bpid"); do
	kb=$(hwm_kb "$p")
	echo "# B worker $p: VmHWM $kb kB"
	[ -n "$kb" ] && [ "$kb" -gt "$max" ] && max=$kb
done
echo "# B daemon $bpid: VmHWM $(hwm_kb "$bpid") kB"
check "a B worker read the PRECHECK" [ "$max" -gt 0 ]
check "its peak RSS is under $LIMIT_KB kB (it is $max kB)" \
    [ "$max" -lt "$LIMIT_KB" ]
check "B's daemon itself stays under $LIMIT_KB kB" \
    [ "$(hwm_kb "$bpid")" -lt "$LIMIT_KB" ]

touch "$WORK/go"
bg_wait "$job" "the migration" "$WORK/xm.out"
wait "$pad" || true
if [ "$BG_RC" -eq 0 ]; then
	check "web01 runs exactly once, on B" runs_only_on B web01
else
	check "web01 runs exactly once, on A" runs_only_on A web01
fi
finish
