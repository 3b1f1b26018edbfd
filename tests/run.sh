#!/bin/sh
# The whole test suite, as CI runs it: build, every Check suite and
# integration test, man page lint, the same again under ASan/UBSan, make
# distcheck, the Debian package (tests/package.sh, about 2 minutes), and
# the Xen lab (two Xen hosts under QEMU, make lab-check; root only, about
# 10 minutes).  XRELOCD_SKIP_SAN=1, XRELOCD_SKIP_DISTCHECK=1,
# XRELOCD_SKIP_PACKAGE=1 and XRELOCD_SKIP_LAB=1 leave those out while
# working.  No test depends on
# the machine's speed: tests/under-load.sh runs make check under stress-ng
# (twice as many CPU hogs as cores) and must pass every run.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
sh "$top/scripts/setup.sh"

status=0
summary=""
# Each part's wall time goes into the summary: CI must stay under an hour.
run() {
	name=$1
	shift
	echo "=== $name"
	t0=$(date +%s)
	if "$@"; then
		res=passed
	else
		res=FAILED
		status=1
	fi
	summary="$summary
$name: $res ($(($(date +%s) - t0)) s)"
}

check_in() {
	make -C "$1" check -j2 >"$1/check.out" 2>&1
	rc=$?
	grep -E '^(# |PASS|FAIL|SKIP|ERROR|XFAIL)' "$1/check.out" || true
	[ $rc -eq 0 ] || { find "$1/tests" -name '*.log' -newer "$1/Makefile" \
	    -exec grep -l -E '^(FAIL|ERROR)' {} + 2>/dev/null |
	    while read -r f; do echo "--- $f"; tail -n 30 "$f"; done; }
	return $rc
}

check_san() (
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
	check_in "$1"
)

# Totals over every run of the automake harness, as one closing line.
totals() {
	cat "$@" 2>/dev/null | awk '
	    /^# PASS:/ { p += $3 } /^# XFAIL:/ { p += $3 }
	    /^# FAIL:/ { f += $3 } /^# ERROR:/ { f += $3 } /^# XPASS:/ { f += $3 }
	    /^# SKIP:/ { s += $3 }
	    END { printf "%d passed, %d failed, %d skipped\n", p, f, s }'
}

build=${XRELOCD_BUILD:-$top/_build}
run "check" check_in "$build"

if [ "${XRELOCD_SKIP_SAN:-0}" != 1 ]; then
	san=${build}-san
	XRELOCD_BUILD=$san XRELOCD_CONFIGURE=--enable-sanitizers \
	    sh "$top/scripts/setup.sh"
	run "check (ASan+UBSan)" check_san "$san"
fi
# The tarball: it holds every file git tracks (but .gitignore), and its
# own build runs every Check suite and the integration tests of each
# part (DIST_TESTS in tests/Makefile.am); the two builds above ran the
# whole suite already.
distcheck() {
	# shellcheck disable=SC2016 # $(DIST_TESTS) is make's, not ours
	if ! make -C "$build" -j2 distcheck TESTS='$(DIST_TESTS)' \
	    >"$build/distcheck.out" 2>&1; then
		tail -n 40 "$build/distcheck.out"
		return 1
	fi
	[ -d "$top/.git" ] || return 0
	tar tzf "$(ls -t "$build"/xrelocd-*.tar.gz | head -n 1)" |
	    sed 's|^[^/]*/||' | sort >"$build/dist.files"
	git -C "$top" ls-files | grep -v -x -F .gitignore | sort |
	    comm -23 - "$build/dist.files" >"$build/dist.missing"
	[ ! -s "$build/dist.missing" ] && return 0
	echo "distcheck: the tarball lacks files git tracks (EXTRA_DIST):"
	cat "$build/dist.missing"
	return 1
}
if [ "${XRELOCD_SKIP_DISTCHECK:-0}" != 1 ]; then
	run "distcheck" distcheck
fi

# The Debian package: built from a clean copy of the tree, lintian, its
# programs run from a scratch root (and installed for real when
# XRELOCD_PACKAGE_INSTALL=1, as .ci/run does).
if [ "${XRELOCD_SKIP_PACKAGE:-0}" = 1 ]; then
	summary="$summary
package: skipped (XRELOCD_SKIP_PACKAGE=1)"
else
	run "package (tests/package.sh)" sh "$top/tests/package.sh"
fi

lab_once() {
	make -C "$build" lab-check >"$build/lab.out" 2>&1
	rc=$?
	# The lab prints a line per step and the xl/xm timings: show them.
	grep -E '^(step|lab|migration|[a-z]+-[a-z]+-[a-z]+-[a-z]+ )' \
	    "$build/lab.out" || true
	[ $rc -eq 0 ] || tail -n 60 "$build/lab.out"
	return $rc
}

# Two emulated Xen hosts on two cores: a run that fails is run once more,
# and both outcomes are shown; a real fault fails both.
lab() {
	lab_once && return 0
	echo "lab: the first run failed (above); running it once more"
	lab_once
}
if [ "${XRELOCD_SKIP_LAB:-0}" = 1 ]; then
	summary="$summary
lab: skipped (XRELOCD_SKIP_LAB=1)"
elif [ "$(id -u)" -ne 0 ]; then
	summary="$summary
lab: skipped (needs root: debootstrap and QEMU)"
else
	run "lab (make lab-check)" lab
fi

echo "=== summary$summary"
echo "tests: $(totals "$build/check.out" "${build}-san/check.out")"
exit $status
