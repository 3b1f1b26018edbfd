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
# The test suite on a busy machine: `make check -j2` RUNS times (default
# 5) while stress-ng keeps twice as many CPU hogs as there are cores.  No
# test may depend on how fast the machine is, so every run must pass.
# Builds in _build (or $XRELOCD_BUILD, with $XRELOCD_CONFIGURE, as
# scripts/setup.sh does) and installs stress-ng if it is missing.  Prints
# each run's outcome and time, then "N passed, N failed" (runs); the
# output of run N is in BUILD/under-load.N.out, the logs of the tests that
# failed in BUILD/under-load.N/.  Exit 0 if every run passed, 1 if one
# failed, 2 on a usage error.
set -eu

usage() {
	echo "usage: sh tests/under-load.sh [RUNS]" >&2
	exit 2
}

runs=${1:-5}
[ $# -le 1 ] || usage
case $runs in
'' | *[!0-9]*) usage ;;
esac
[ "$runs" -ge 1 ] || usage

top=$(cd "$(dirname "$0")/.." && pwd)
build=${XRELOCD_BUILD:-$top/_build}

if ! command -v stress-ng >/dev/null 2>&1; then
	echo "under-load: installing stress-ng"
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends stress-ng >/dev/null
fi
XRELOCD_BUILD=$build sh "$top/scripts/setup.sh"

stress=""
stop_stress() {
	if [ -n "$stress" ]; then
		kill "$stress" 2>/dev/null || true
		wait "$stress" 2>/dev/null || true
		stress=""
	fi
}
trap stop_stress EXIT
trap 'exit 1' INT TERM HUP

hogs=$((2 * $(nproc)))
# The timeout only ends hogs that outlive this script by accident.
stress-ng --cpu "$hogs" --timeout "$((runs * 3600))s" --quiet &
stress=$!
echo "under-load: stress-ng --cpu $hogs (pid $stress), $runs runs of make check"

# keep_logs N: the logs of run N's failed tests, before the next run.
keep_logs() {
	mkdir -p "$build/under-load.$1"
	find "$build/tests" -name '*.trs' -exec grep -l -E \
	    '^:test-result: (FAIL|ERROR)' {} + 2>/dev/null |
	    while read -r trs; do
		cp "${trs%.trs}.log" "$build/under-load.$1/" || true
	done
}

passed=0
failed=0
n=1
while [ "$n" -le "$runs" ]; do
	t0=$(date +%s)
	if make -C "$build" check -j2 >"$build/under-load.$n.out" 2>&1; then
		result=passed
		passed=$((passed + 1))
	else
		result=FAILED
		failed=$((failed + 1))
		keep_logs "$n"
	fi
	echo "run $n: $result in $(($(date +%s) - t0)) s" \
	    "(load $(cut -d' ' -f1-3 /proc/loadavg))"
	grep -E '^(FAIL|ERROR):' "$build/under-load.$n.out" || true
	n=$((n + 1))
done
stop_stress
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
