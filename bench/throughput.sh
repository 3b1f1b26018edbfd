#!/bin/sh
# Throughput of the sim stream: an idle domain (random memory, nothing
# dirtied) moved live between two xrelocd daemons on loopback, against
# raw loopback TCP measured in the same run (bench/tcpraw):
#   alloc ms     the target allocating and faulting in the domain's
#                memory before it reads the stream (target's log);
#   stream MB/s  stream bytes / the time the target read the stream;
#   total MB/s   stream bytes / xm's total (connect to DONE);
#   TCP hot      a 4 MiB buffer sent again and again (warm caches): the
#                reference, goal stream >= 90% of it;
#   TCP mem      the same bytes from populated memory into fresh memory.
# The domains' memory files live in RAM (/dev/shm) when it has room, as
# a domain's memory does; set TMPDIR to choose.
# Usage: sh bench/throughput.sh [SIZES in MiB, default "1024 4096"]
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
sh "$top/scripts/setup.sh" >/dev/null
top_builddir=${XRELOCD_BUILD:-$top/_build}
make -C "$top_builddir/bench" tcpraw >/dev/null
SIZES=${1:-"1024 4096"}
if [ -z "${TMPDIR:-}" ]; then
	max=0
	for mib in $SIZES; do [ "$mib" -gt "$max" ] && max=$mib; done
	free=$(df -Pm /dev/shm 2>/dev/null | awk 'NR == 2 { print $4 }')
	if [ -n "$free" ] && [ "$free" -gt $((3 * max + 1024)) ]; then
		TMPDIR=/dev/shm
		export TMPDIR
	fi
fi
# shellcheck source=../tests/integration/lib.sh
. "$top/tests/integration/lib.sh"

# Snapshots would add copies to the timings: the benchmark hosts take none.
host_facts hostA "(snapshot no)"
host_facts hostB "(snapshot no)"
start_host hostA
start_host hostB

echo "## Throughput: idle domains moved live vs raw loopback TCP"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs," \
    "memory in ${TMPDIR:-/tmp}"
printf '%-9s %9s %12s %11s %10s %10s %9s\n' "memory" "alloc ms" \
    "stream MB/s" "total MB/s" "TCP hot" "TCP mem" "stream/hot"
for mib in $SIZES; do
	sim_on hostA create "idle$mib" --memory "$mib" --dirty-rate 0 \
	    --fill random >/dev/null
	hot=$("$top_builddir/bench/tcpraw" hot "$mib")
	raw=$("$top_builddir/bench/tcpraw" mem "$mib")
	xm_on hostA migrate --json -l -p "$(port_of hostB)" "idle$mib" \
	    127.0.0.1 >"$WORK/xm.out" 2>"$WORK/xm.err" || {
		cat "$WORK/xm.out" "$WORK/xm.err" >&2
		exit 1
	}
	ms=$(json summary total-ms)
	bytes=$(json summary stream-bytes)
	# "restored domain idle1024 (...): memory allocated in A ms, then
	# stream read in S ms"
	line=$(grep "restored domain idle$mib " "$WORK/hostB/log" | tail -n 1)
	alloc=$(echo "$line" | sed -n 's/.*allocated in \([0-9]*\) ms.*/\1/p')
	stream=$(echo "$line" | sed -n 's/.*read in \([0-9]*\) ms.*/\1/p')
	python3 - "$mib" "$alloc" "$stream" "$ms" "$bytes" "$hot" "$raw" <<'PY'
import sys
mib, alloc, stream, ms, nbytes, hot, raw = sys.argv[1:]
srate = float(nbytes) / max(float(stream), 1) / 1e3
trate = float(nbytes) / max(float(ms), 1) / 1e3
print("%-9s %9s %12.0f %11.0f %10s %10s %8.0f%%" % (mib + " MiB", alloc,
    srate, trate, hot, raw, 100.0 * srate / float(hot)))
PY
	sim_on hostB destroy "idle$mib" >/dev/null
done
