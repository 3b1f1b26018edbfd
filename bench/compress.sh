#!/bin/sh
# Compression, parallel streams and zero pages, on loopback with the sim
# backend, the references measured in the same run, the median of RUNS
# runs each:
#  a. a realistic domain (xrelocd-sim create --fill realistic: half zero
#     pages, a quarter text, a quarter random; 2 GiB by default) moved
#     live at a 1 GbE-like cap (xm migrate -r 125): total time, downtime
#     and bytes on the wire with no compression, lz4, zstd and auto;
#     goal: zstd's total time at most 0.5 times none's;
#  b. a random domain moved uncapped over TLS with 1, 2 and 4 streams
#     (xm migrate -s --streams N): MB/s of memory moved; goal: it grows
#     with streams until the cores are used (nproc and the load are
#     printed with it);
#  c. an idle all-zero domain (4 GiB by default, created here: its
#     memory allocated, never written) next to sending as many bytes
#     raw over TCP between warm buffers (bench/tcpraw hot; with -f also
#     into fresh memory, tcpraw mem, which takes minutes on a busy
#     machine); goal: the move, timed as xm's whole run from the command
#     to its end, takes at most 10% of the raw send.
# Parts a and c move over one connection, the default; the hosts take up
# to 16 for part b.
# A part whose xm option is missing (-z, --streams) says so and is
# skipped.  Snapshots would add copies to the timings: the hosts take
# none.
# Usage: sh bench/compress.sh [-fq] [-n RUNS] [-m MiB] [-z MiB] [-d MB/s]
#            [-p PARTS]
#   -q: a quick small run (1 run, 256 MiB domains, a 512 MiB zero domain)
#   -f: part c also sends into fresh memory
#   -p PARTS: only these parts, letters run together (-p c: the zero
#   domain alone; default abc)
#   -n RUNS (3), -m MiB of the realistic and random domains (2048),
#   -z MiB of the zero domain (4096), -d the realistic domain's dirty
#   rate in MB/s (10).
set -eu

RUNS=3
MIB=2048
ZMIB=4096
RATE=10
RAW=hot
PARTS=abc
while getopts fqn:m:z:d:p: opt; do
	case $opt in
	f) RAW="mem hot" ;;
	q) RUNS=1 MIB=256 ZMIB=512 ;;
	n) RUNS=$OPTARG ;;
	m) MIB=$OPTARG ;;
	z) ZMIB=$OPTARG ;;
	d) RATE=$OPTARG ;;
	p) PARTS=$OPTARG ;;
	*) echo "usage: sh bench/compress.sh [-fq] [-n RUNS] [-m MiB]" \
	    "[-z MiB] [-d MB/s] [-p PARTS]" >&2; exit 2 ;;
	esac
done
case $PARTS in
*[!abc]* | "")
	echo "compress.sh: -p $PARTS: parts are a, b and c (e.g. -p c)" >&2
	exit 2 ;;
esac

top=$(cd "$(dirname "$0")/.." && pwd)
sh "$top/scripts/setup.sh" >/dev/null
top_builddir=${XRELOCD_BUILD:-$top/_build}
make -C "$top_builddir/bench" tcpraw >/dev/null
# shellcheck source=../tests/integration/lib.sh
. "$top/tests/integration/lib.sh"
trap cleanup EXIT INT TERM

# median FILE: of the numbers in FILE, one a line.
median() {
	python3 -c 'import statistics, sys
print(statistics.median(float(l) for l in open(sys.argv[1])))' "$1"
}

load() { cut -d' ' -f1-3 /proc/loadavg; }

# has OPTION [ARG]: xm migrate knows OPTION (it only misses the domain).
has() { ! "$XM" migrate "$@" 2>&1 | grep -q "unknown option"; }

# Two hosts with TLS ports and certificates for 127.0.0.1.
CA=$WORK/ca
lab() { sh "$top/scripts/lab-ca.sh" -d "$CA" "$@" >/dev/null 2>&1; }
lab ca
lab host hostA.lab 127.0.0.1
lab host hostB.lab 127.0.0.1
host_conf() {
	cat <<CONF
(xend-relocation-ssl-server yes)
(xend-relocation-ssl-port $2)
(xend-relocation-server-ssl-cert-file $CA/$1.pem)
(xend-relocation-server-ssl-key-file $CA/$1.key)
(xrelocd-relocation-ssl-ca $CA/ca.pem)
${COMPRESS_KEY:-}
${STREAMS_KEY:-}
CONF
}
ASSL=$(free_port)
BSSL=$(free_port)
host_facts A "(snapshot no)"
host_facts B "(snapshot no)"
if has -z zstd; then
	COMPRESS_KEY="(xrelocd-relocation-compression auto)"
fi
if has --streams 1; then
	STREAMS_KEY="(xrelocd-relocation-streams 16)"
fi
start_host A "$(host_conf hostA.lab "$ASSL")"
start_host B "$(host_conf hostB.lab "$BSSL")"

# cpu_ticks: busy and total jiffies of all cpus so far (/proc/stat).
cpu_ticks() {
	awk '$1 == "cpu" { t = 0; for (i = 2; i <= NF; i++) t += $i;
	    print t - $5 - $6, t; exit }' /proc/stat
}

# move DOMAIN KIND XM-OPTIONS...: DOMAIN to the other host (FROM and TO
# swap); one line "total-ms downtime-ms stream-bytes memory-bytes
# cpu-busy-% wire-bytes xm-ms" to $WORK/KIND (total-ms: the source
# worker's count, from its start to the end of the commit; cpu-busy: of
# all cpus while it ran, anyone's work counted; wire-bytes: after
# compression; xm-ms: xm's own time, from the command to its end, the
# daemons' job queue, worker start and source cleanup included).
FROM=A TO=B
move() {
	dom=$1 kind=$2
	shift 2
	case " $* " in
	*" -s "*) port=$(if [ $TO = A ]; then echo "$ASSL"; else
	    echo "$BSSL"; fi) ;;
	*) port=$(port_of $TO) ;;
	esac
	c0=$(cpu_ticks)
	t0=$(date +%s%N)
	xm_on $FROM migrate --json -l "$@" -p "$port" "$dom" 127.0.0.1 \
	    >"$WORK/xm.out" 2>"$WORK/xm.err" || {
		cat "$WORK/xm.out" "$WORK/xm.err" >&2
		exit 1
	}
	t1=$(date +%s%N)
	c1=$(cpu_ticks)
	echo "$(json summary total-ms) $(json summary downtime-ms)" \
	    "$(json summary stream-bytes) $(json summary memory-bytes)" \
	    "$(echo "$c0 $c1" | awk '{ d = $4 - $2;
	    print (d > 0 ? 100 * ($3 - $1) / d : 0) }')" \
	    "$(json summary wire-bytes)" $(((t1 - t0) / 1000000)) \
	    >>"$WORK/$kind"
	t=$FROM FROM=$TO TO=$t
}

# one DOMAIN KIND XM-OPTIONS...: move over one connection, as by default
# (the hosts' key, set for part b, would spread it over 16).
one() {
	if [ -n "${STREAMS_KEY:-}" ]; then
		move "$@" --streams 1
	else
		move "$@"
	fi
}

# move_codec DOMAIN CODEC XM-OPTIONS...: move with CODEC asked for.
move_codec() {
	d=$1 c=$2
	shift 2
	one "$d" "a.$c" "$@" -z "$c"
}

# col KIND N: the median of column N of $WORK/KIND.
col() {
	python3 -c 'import statistics, sys
print(statistics.median(float(l.split()[int(sys.argv[2]) - 1])
    for l in open(sys.argv[1])))' "$WORK/$1" "$2"
}

# ratio A B N GOAL: the median over runs of column N of A / B, as a
# goal line (at most GOAL).
ratio_line() {
	python3 - "$WORK/$1" "$WORK/$2" "$3" "$4" "$5" <<'PY'
import statistics, sys
a = [float(l.split()[int(sys.argv[3]) - 1]) for l in open(sys.argv[1])]
b = [float(l.split()[int(sys.argv[3]) - 1]) for l in open(sys.argv[2])]
r = statistics.median(x / y for x, y in zip(a, b))
g = float(sys.argv[4])
print("%-40s %8.3f   goal <= %.2f: %s" % (sys.argv[5], r, g,
    "pass" if r <= g else "miss"))
PY
}

echo "# bench/compress.sh -n $RUNS -m $MIB -z $ZMIB -d $RATE -p $PARTS," \
    "raw: $RAW;" \
    "$(nproc) cpus, load $(load) at start"

part_a() {
	echo
	echo "## a. realistic $MIB MiB domain, dirtying $RATE MB/s," \
	    "xm migrate -r 125, median of $RUNS runs"
	if ! has -z zstd; then
		echo "skipped: xm migrate has no -z"
		return 0
	fi
	sim_on A create real --memory "$MIB" --dirty-rate "$RATE" \
	    --fill realistic >/dev/null
	FROM=A TO=B
	i=0
	while [ $i -lt "$RUNS" ]; do
		for c in none lz4 zstd auto; do
			move_codec real "$c" -r 125
		done
		i=$((i + 1))
	done
	sim_on $FROM destroy real >/dev/null
	printf '%-10s %10s %12s %12s %10s %10s %10s\n' codec "total s" \
	    "downtime ms" "stream MB" "wire MB" "of memory" "cpu busy"
	for c in none lz4 zstd auto; do
		printf '%-10s %10.2f %12.1f %12.1f %10.1f %9.0f%% %9.0f%%\n' \
		    $c "$(python3 -c "print($(col a.$c 1) / 1000)")" \
		    "$(col a.$c 2)" \
		    "$(python3 -c "print($(col a.$c 3) / 1e6)")" \
		    "$(python3 -c "print($(col a.$c 6) / 1e6)")" \
		    "$(python3 -c "print(100 * $(col a.$c 3) / $(col a.$c 4))")" \
		    "$(col a.$c 5)"
	done
	ratio_line a.zstd a.none 1 0.5 "zstd / none, total time"
	ratio_line a.lz4 a.none 1 1.0 "lz4 / none, total time"
	ratio_line a.auto a.none 1 1.0 "auto / none, total time"
	echo "load after part a: $(load)"
}

part_b() {
	echo
	echo "## b. random $MIB MiB domain, uncapped, TLS, median of $RUNS" \
	    "runs; $(nproc) cpus"
	if ! has --streams 1; then
		echo "skipped: xm migrate has no --streams"
		return 0
	fi
	sim_on A create rnd --memory "$MIB" --dirty-rate 0 >/dev/null
	FROM=A TO=B
	l0=$(load)
	i=0
	while [ $i -lt "$RUNS" ]; do
		for n in 1 2 4; do
			move rnd "b.$n" -s --streams $n
		done
		i=$((i + 1))
	done
	sim_on $FROM destroy rnd >/dev/null
	printf '%-10s %10s %10s %10s %10s\n' streams "MB/s" "seconds" "vs 1" \
	    "cpu busy"
	one=$(python3 -c "print($(col b.1 4) / ($(col b.1 1) / 1000) / 1e6)")
	for n in 1 2 4; do
		mbs=$(python3 -c "print($(col b.$n 4) / ($(col b.$n 1) / 1000) / 1e6)")
		printf '%-10s %10.0f %10.2f %9.2fx %9.0f%%\n' $n "$mbs" \
		    "$(python3 -c "print($(col b.$n 1) / 1000)")" \
		    "$(python3 -c "print($mbs / $one)")" "$(col b.$n 5)"
	done
	echo "source and target share these $(nproc) cpus: a stream adds" \
	    "throughput only while cpu busy is under 100%"
	echo "load before part b: $l0, after: $(load)"
}

# Part c's time is xm's own (column 7), from the command to its end:
# the raw sends' lines carry theirs there too.
part_c() {
	echo
	echo "## c. idle all-zero $ZMIB MiB domain vs $ZMIB MiB raw over TCP," \
	    "median of $RUNS runs"
	sim_on A create zero --memory "$ZMIB" --dirty-rate 0 --fill zero \
	    >/dev/null
	FROM=A TO=B
	bytes=$((ZMIB << 20))
	i=0
	while [ $i -lt "$RUNS" ]; do
		for how in $RAW; do
			mbs=$("$top_builddir/bench/tcpraw" "$how" "$ZMIB")
			python3 -c "ms = $bytes / ($mbs * 1e6) * 1000
print(ms, 0, $bytes, $bytes, 0, $bytes, ms)" >>"$WORK/c.tcp$how"
		done
		one zero c.zero
		i=$((i + 1))
	done
	sim_on $FROM destroy zero >/dev/null
	printf '%-44s %10s %14s\n' "" "seconds" "bytes sent"
	for k in "tcpmem raw TCP into fresh memory (tcpraw mem)" \
	    "tcphot raw TCP, warm buffers (tcpraw hot)" \
	    "zero xrelocd, zero domain (xm migrate -l)"; do
		[ -f "$WORK/c.${k%% *}" ] || continue
		printf '%-44s %10.3f %14.0f\n' "${k#* }" \
		    "$(python3 -c "print($(col "c.${k%% *}" 7) / 1000)")" \
		    "$(col "c.${k%% *}" 3)"
	done
	printf '%-44s %10.3f\n' "  of which the source worker's total-ms" \
	    "$(python3 -c "print($(col c.zero 1) / 1000)")"
	echo "zero domain, each run (xm ms, worker total-ms, downtime ms):" \
	    "$(awk '{ printf " %d/%d/%.1f", $7, $1, $2 }' "$WORK/c.zero")"
	ratio_line c.zero c.tcphot 7 0.10 "zero domain / raw TCP warm, time"
	[ ! -f "$WORK/c.tcpmem" ] ||
	    ratio_line c.zero c.tcpmem 7 0.10 \
	    "zero domain / raw TCP fresh, time"
}

for part in a b c; do
	case $PARTS in
	*$part*) "part_$part" ;;
	esac
done
echo
echo "load at the end: $(load)"
