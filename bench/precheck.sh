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
# Precheck round-trip benchmark: a target daemon (sim backend, loopback)
# and bench/precheck_rtt timing N prechecks of one domain against it,
# next to a bare TCP connect + round trip; then N `xm migrate --check`
# end to end through the source's daemon, plain and over TLS (the time
# of the whole xm command: its start, the control socket, the job, the
# source worker and the round trip).  sh bench/precheck.sh [N]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
: "${top_builddir:=$top}"
: "${top_srcdir:=$top}"
export top_builddir top_srcdir
# shellcheck source=../tests/integration/lib.sh
. "$top/tests/integration/lib.sh"
# shellcheck source=../tests/integration/tls-lib.sh
. "$top/tests/integration/tls-lib.sh"
N=${1:-200}

host_facts hostA "(snapshot no)"
host_facts hostB "(snapshot no)"
BSSL=$(free_port)
start_host hostA "$(tls_conf hostA.lab)"
start_host hostB "$(SSL_PORT=$BSSL tls_conf hostB.lab)"
sim_on hostA create web01 --memory 8 \
    --vif mac=00:16:3e:00:00:01,bridge=xenbr0,ip=192.0.2.10 >/dev/null
# cpu_ms PID: the CPU time (ms) of PID and its reaped children, which a
# busy machine does not inflate the way it does wall-clock time.
cpu_ms() {
	awk -v hz="$(getconf CLK_TCK)" \
	    '{ print int(($14 + $15 + $16 + $17) * 1000 / hz) }' "/proc/$1/stat"
}
bpid=$(cat "$WORK/hostB/daemon.pid")
echo "# load average: $(cut -d' ' -f1-3 /proc/loadavg)"
c0=$(cpu_ms "$bpid")
"$top_builddir/bench/precheck_rtt" "$WORK/hostA/sim" "$(port_of hostB)" \
    web01 "$N"
c1=$(cpu_ms "$bpid")
echo "target daemon and its workers: $(((c1 - c0) * 1000 / N)) us of CPU" \
    "a precheck"

# xm_checks LABEL PORT [-s]: N xm migrate --check, one time (ms) a line.
xm_checks() {
	xc_label=$1 xc_port=$2
	shift 2
	i=0
	while [ "$i" -lt "$N" ]; do
		t0=$(date +%s%N)
		xm_on hostA migrate --check "$@" -p "$xc_port" web01 \
		    127.0.0.1 >/dev/null 2>&1 ||
		    { echo "xm migrate --check $* failed" >&2; exit 1; }
		t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000))
		i=$((i + 1))
	done | sort -n | awk -v what="$xc_label" '
	    { v[NR] = $1 / 1000 }
	    function pct(p,  i) { i = int((NR * p + 99) / 100); return v[i] }
	    END { printf "%-44s %8.3f %8.3f %8.3f\n", what, pct(50), pct(90),
		pct(99) }'
}
xm_checks "xm migrate --check, end to end" "$(port_of hostB)"
xm_checks "xm migrate --check -s (tls), end to end" "$BSSL" -s
echo "# load average: $(cut -d' ' -f1-3 /proc/loadavg)"
finish >/dev/null
