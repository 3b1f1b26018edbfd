#!/bin/sh
# Migration benchmark on loopback with the sim backend.  Prints tables:
#  1. throughput of live migration of idle 1 GiB and 4 GiB domains, as a
#     ratio of raw loopback TCP measured in the same run (goal >= 90%):
#     "TCP hot" resends one 4 MiB buffer (warm caches), the reference of
#     the ratio; "TCP mem" sends the same bytes from populated memory into
#     fresh memory faulted in by the reader, shown for context (it varies
#     a lot with the cost of fresh pages on the machine);
#  2. downtime (source pause to target unpause) at dirty rates 0, 10, 50
#     and 200 MB/s (goal <= 30 ms median at 50 MB/s), with rounds and
#     bytes sent per byte of memory.
# Usage: sh bench/migrate.sh [RUNS]   (RUNS per dirty rate, default 5)
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
sh "$top/scripts/setup.sh" >/dev/null
top_builddir=${XRELOCD_BUILD:-$top/_build}
make -C "$top_builddir/bench" tcpraw >/dev/null
# shellcheck source=../tests/integration/lib.sh
. "$top/tests/integration/lib.sh"
RUNS=${1:-5}
SIZES=${SIZES:-"1024 4096"}
RATES=${RATES:-"0 10 50 200"}

# Snapshots would add copies to the timings: the benchmark hosts take none.
host_facts hostA "(snapshot no)"
host_facts hostB "(snapshot no)"
start_host hostA
start_host hostB

move() {
	from=$1 to=$2 dom=$3
	xm_on "$from" migrate --json -l -p "$(port_of "$to")" "$dom" \
	    127.0.0.1 >"$WORK/xm.out" 2>"$WORK/xm.err" || {
		cat "$WORK/xm.out" "$WORK/xm.err" >&2
		exit 1
	}
}

echo "## Throughput: live migration of idle domains vs raw loopback TCP"
printf '%-10s %10s %10s %12s %10s %8s\n' "memory" "TCP hot" "TCP mem" \
    "xrelocd MB/s" "vs hot" "rounds"
for mib in $SIZES; do
	sim_on hostA create "idle$mib" --memory "$mib" --dirty-rate 0 >/dev/null
	hot=$("$top_builddir/bench/tcpraw" hot "$mib")
	raw=$("$top_builddir/bench/tcpraw" mem "$mib")
	move hostA hostB "idle$mib"
	ms=$(json summary total-ms)
	bytes=$(json summary stream-bytes)
	rounds=$(json summary rounds)
	rate=$(python3 -c "print(round($bytes / ($ms / 1000.0) / 1e6))")
	printf '%-10s %10s %10s %12s %9s%% %8s\n' "${mib} MiB" "$hot" "$raw" \
	    "$rate" "$(python3 -c "print(round(100.0 * $rate / $hot))")" \
	    "$rounds"
	sim_on hostB destroy "idle$mib" >/dev/null
done

echo
echo "## Downtime: live migration of a 1 GiB domain, $RUNS runs per rate"
printf '%-12s %12s %12s %12s %8s %12s\n' "dirty MB/s" "median ms" "min ms" "max ms" "rounds" "bytes/mem"
for r in $RATES; do
	sim_on hostA create "dirty$r" --memory 1024 --dirty-rate "$r" >/dev/null
	: >"$WORK/down"
	from=hostA to=hostB
	i=0
	while [ $i -lt "$RUNS" ]; do
		move $from $to "dirty$r"
		echo "$(json summary downtime-ms) $(json summary rounds) $(json summary stream-bytes) $(json summary memory-bytes)" >>"$WORK/down"
		t=$from from=$to to=$t
		i=$((i + 1))
	done
	python3 - "$WORK/down" "$r" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1])]
d = [x[0] for x in rows]
print("%-12s %12.2f %12.2f %12.2f %8d %12.2f" % (sys.argv[2],
    statistics.median(d), min(d), max(d),
    statistics.median(x[1] for x in rows),
    statistics.median(x[2] / x[3] for x in rows)))
PY
	sim_on $from destroy "dirty$r" >/dev/null
done
