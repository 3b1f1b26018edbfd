#!/bin/sh
# Migration benchmark on loopback with the sim backend: downtime (source
# pause to target unpause) under a downtime budget (--max-downtime,
# default 300 ms) at dirty rates 0, 10, 50 and 200 MB/s and at twice the
# link rate measured by the idle row of the same run: median/min/max of
# the moves, rounds, bytes sent per byte of memory, the highest throttle
# used, and how many moves gave up cleanly (--timeout); every move is
# within the budget or aborted.  The throughput of idle domains against
# raw TCP is bench/throughput.sh's.
# Usage: sh bench/migrate.sh [-n RUNS] [-m MiB] [-b ms] [-t s] [RUNS]
#   -n RUNS  moves per dirty rate (default 5)
#   -m MiB   the downtime table's domain (default 1024)
#   -b ms    the budget (default 300); -t s the timeout (default 60)
set -eu

RUNS=5 MEM=1024 BUDGET=300 TIMEOUT=60
while getopts n:m:b:t: opt; do
	case $opt in
	n) RUNS=$OPTARG ;;
	m) MEM=$OPTARG ;;
	b) BUDGET=$OPTARG ;;
	t) TIMEOUT=$OPTARG ;;
	*) echo "usage: sh bench/migrate.sh [-n RUNS] [-m MiB] [-b ms]" \
	    "[-t s] [RUNS]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
RUNS=${1:-$RUNS}

top=$(cd "$(dirname "$0")/.." && pwd)
sh "$top/scripts/setup.sh" >/dev/null
top_builddir=${XRELOCD_BUILD:-$top/_build}
export top_builddir
# shellcheck source=../tests/integration/lib.sh
. "$top/tests/integration/lib.sh"
RATES=${RATES:-"0 10 50 200"}

# Snapshots would add copies to the timings: the benchmark hosts take none.
host_facts hostA "(snapshot no)"
host_facts hostB "(snapshot no)"
start_host hostA
start_host hostB

# budget_move FROM TO DOM: one move under the budget; a line of figures
# (downtime ms, rounds, stream bytes, memory bytes, throttle %, moved 1 or
# aborted 0, link bytes/s) to $WORK/down.  Anything but a move or a clean
# abort ends the benchmark.
budget_move() {
	set +e
	xm_on "$1" migrate --json -l -p "$(port_of "$2")" \
	    --max-downtime "$BUDGET" --timeout "$TIMEOUT" "$3" 127.0.0.1 \
	    >"$WORK/xm.out" 2>"$WORK/xm.err"
	rc=$?
	set -e
	if [ $rc -ne 0 ] && { [ $rc -ne 1 ] ||
	    ! grep -q "downtime budget of" "$WORK/xm.out" "$WORK/xm.err"; }; then
		cat "$WORK/xm.out" "$WORK/xm.err" >&2
		exit 1
	fi
	python3 - "$WORK/xm.out" "$rc" >>"$WORK/down" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s = d.get("summary", {})
p = d.get("progress", {})
print(s.get("downtime-ms", 0), s.get("rounds", p.get("round", 0)),
      s.get("stream-bytes", p.get("sent-bytes", 0)),
      s.get("memory-bytes", p.get("total-bytes", 1)),
      p.get("throttle-percent", 0), 1 if sys.argv[2] == "0" else 0,
      s.get("stream-bytes", 0) / max(s.get("total-ms", 1), 1) * 1000)
PY
	[ $rc -eq 0 ]
}

echo
echo "## Downtime: live migration of a $MEM MiB domain, budget $BUDGET ms" \
    "(timeout $TIMEOUT s), $RUNS runs per rate; load average" \
    "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-15s %7s %10s %10s %10s %7s %10s %9s %7s %7s\n' "dirty MB/s" \
    "budget" "median ms" "min ms" "max ms" "rounds" "bytes/mem" \
    "throttle" "moved" "abort"
link=0
for r in $RATES 2xlink; do
	if [ "$r" = 2xlink ]; then
		[ "$link" -gt 0 ] || continue
		r=$((2 * link))
		label="$r (2x link)"
	else
		label=$r
	fi
	sim_on hostA create "dirty$r" --memory "$MEM" --dirty-rate "$r" \
	    >/dev/null
	: >"$WORK/down"
	from=hostA to=hostB
	i=0
	while [ $i -lt "$RUNS" ]; do
		if budget_move $from $to "dirty$r"; then
			t=$from from=$to to=$t
		fi
		i=$((i + 1))
	done
	python3 - "$WORK/down" "$label" "$BUDGET" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1])]
moved = [x for x in rows if x[5] == 1]
budget = float(sys.argv[3])
d = [x[0] for x in moved] or [0.0]
over = [x for x in d if budget > 0 and x > budget]
print("%-15s %7d %10.2f %10.2f %10.2f %7d %10.2f %8d%% %7d %7d%s" % (
    sys.argv[2], budget, statistics.median(d), min(d), max(d),
    statistics.median(x[1] for x in rows),
    statistics.median(x[2] / x[3] for x in rows),
    max(x[4] for x in rows), len(moved), len(rows) - len(moved),
    "  ABOVE BUDGET: %d" % len(over) if over else ""))
PY
	if [ "$r" = 0 ]; then
		link=$(python3 -c "import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1])]
print(int(statistics.median(x[6] for x in rows if x[5] == 1) / 1e6))" \
		    "$WORK/down")
	fi
	sim_on $from destroy "dirty$r" >/dev/null
done
[ "$link" -gt 0 ] && echo "(link: $link MB/s, the idle row's stream" \
    "bytes over its total time)"
