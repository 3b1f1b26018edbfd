#!/bin/sh
# Throughput of the sim stream: an idle domain (random memory, nothing
# dirtied) moved live between two xrelocd daemons on loopback, against
# raw loopback TCP measured in the same run (bench/tcpraw):
#   made ms      the target making the domain and mapping its memory
#                before it reads the stream (target's log; a thread
#                faults the memory in ahead of the stream);
#   stream MB/s  stream bytes / the time the target read the stream
#                (faulting fresh memory in as it goes);
#   total MB/s   stream bytes / xm's total (connect to DONE);
#   TCP hot      a 4 MiB buffer sent again and again (warm caches): the
#                reference, goal stream >= 90% of it;
#   TCP mem      the same bytes from populated memory into fresh memory;
#   TCP cold     the same into memory the reader faulted in first (the
#                target faults it in ahead of the stream): the copy into memory that is in no cache,
#                the bound of what any target writing a domain's memory
#                can reach here (stream/cold: the share of it).
# The domains' memory files live in RAM (/dev/shm) when it has room, as
# a domain's memory does; set TMPDIR to choose.
# Usage: sh bench/throughput.sh [RUNS] [SIZES]   (RUNS moves per size,
# default 3; SIZES in MiB, default "1024 4096")
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
sh "$top/scripts/setup.sh" >/dev/null
top_builddir=${XRELOCD_BUILD:-$top/_build}
make -C "$top_builddir/bench" tcpraw >/dev/null
RUNS=${1:-3}
SIZES=${2:-"1024 4096"}
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

# move FROM TO DOM: xm migrate -l; prints "alloc-ms stream-ms total-ms
# stream-bytes" from xm's summary and the target's log.
move() {
	xm_on "$1" migrate --json -l -p "$(port_of "$2")" "$3" 127.0.0.1 \
	    >"$WORK/xm.out" 2>"$WORK/xm.err" || {
		cat "$WORK/xm.out" "$WORK/xm.err" >&2
		exit 1
	}
	# "restored domain D--incoming (...): made in A ms, then stream
	# read in S ms"
	line=$(grep -E "restored domain $3(--incoming)? " "$WORK/$2/log" |
	    tail -n 1)
	echo "$(echo "$line" | sed -n 's/.*made in \([0-9]*\) ms.*/\1/p')" \
	    "$(echo "$line" | sed -n 's/.*read in \([0-9]*\) ms.*/\1/p')" \
	    "$(json summary total-ms)" "$(json summary stream-bytes)"
}

echo "## Throughput: idle domains moved live vs raw loopback TCP"
echo "medians of $RUNS moves (back and forth), each right after its TCP runs"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs," \
    "memory in ${TMPDIR:-/tmp}"
printf '%-9s %9s %12s %11s %8s %8s %9s %11s %11s\n' "memory" \
    "made ms" "stream MB/s" "total MB/s" "TCP hot" "TCP mem" "TCP cold" \
    "stream/hot" "stream/cold"
for mib in $SIZES; do
	sim_on hostA create "idle$mib" --memory "$mib" --dirty-rate 0 \
	    --fill random >/dev/null
	: >"$WORK/rows"
	from=hostA to=hostB
	i=0
	while [ $i -lt "$RUNS" ]; do
		hot=$("$top_builddir/bench/tcpraw" hot "$mib")
		raw=$("$top_builddir/bench/tcpraw" mem "$mib")
		cold=$("$top_builddir/bench/tcpraw" cold "$mib")
		echo "$hot $raw $(move $from $to "idle$mib") $cold" >>"$WORK/rows"
		t=$from from=$to to=$t
		i=$((i + 1))
	done
	python3 - "$mib" "$WORK/rows" <<'PY'
import statistics, sys
mib, path = sys.argv[1:]
rows = [list(map(float, l.split())) for l in open(path)]
med = lambda xs: statistics.median(xs)
# hot raw alloc stream total bytes cold
srate = [r[5] / max(r[3], 1) / 1e3 for r in rows]
trate = [r[5] / max(r[4], 1) / 1e3 for r in rows]
ratio = [s / r[0] for s, r in zip(srate, rows)]
cratio = [s / r[6] for s, r in zip(srate, rows)]
print("%-9s %9.0f %12.0f %11.0f %8.0f %8.0f %9.0f %10.0f%% %10.0f%%" % (
    mib + " MiB", med(r[2] for r in rows), med(srate), med(trate),
    med(r[0] for r in rows), med(r[1] for r in rows),
    med(r[6] for r in rows), 100 * med(ratio), 100 * med(cratio)))
PY
	sim_on "$from" destroy "idle$mib" >/dev/null
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
