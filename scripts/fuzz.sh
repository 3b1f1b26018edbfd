#!/bin/sh
# Fuzz the parsers with libFuzzer, AddressSanitizer and UBSan.
#
#   scripts/fuzz.sh [TARGET|all] [libFuzzer options...]
#   scripts/fuzz.sh merge TARGET|all
#
# Builds libreloc with clang out of tree in _fuzz (or $XRELOCD_FUZZ) and
# links each target of tests/fuzz against libFuzzer.  A run starts from
# the committed corpus tests/fuzz/corpus/TARGET and grows a working
# corpus in _fuzz/corpus/TARGET; findings go to _fuzz/crashes/TARGET/.
# "merge" minimises the working corpus back into the committed one.
# Targets: allow frame proto record sxp xmlrpc.  Example:
#   nice -n 19 scripts/fuzz.sh sxp -runs=10000000
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
fuzz=${XRELOCD_FUZZ:-$top/_fuzz}
targets="allow frame proto record sxp xmlrpc"
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
cflags="-g -O1 -fno-omit-frame-pointer $san"

usage() {
	echo "usage: fuzz.sh [allow|frame|proto|record|sxp|xmlrpc|all]" \
	    "[libFuzzer options]" >&2
	echo "       fuzz.sh merge allow|frame|proto|record|sxp|xmlrpc|all" >&2
	exit 2
}

# libreloc with coverage, then one binary per target.
build() {
	command -v clang >/dev/null ||
	    { echo "fuzz.sh: clang not found: apt-get install clang" >&2;
	    exit 1; }
	(cd "$top" && { [ -x configure ] || autoreconf -fi >/dev/null; })
	mkdir -p "$fuzz/build"
	cd "$fuzz/build"
	if [ ! -f Makefile ] ||
	    [ -n "$(find "$top/configure" -newer Makefile)" ]; then
		"$top/configure" CC=clang --disable-shared --without-xen \
		    CFLAGS="$cflags -fsanitize=fuzzer-no-link" \
		    >configure.out || { tail -n 20 configure.out; exit 1; }
	fi
	make -C libreloc -j2 cpufeatures.h libreloc.la >make.out 2>&1 ||
	    { tail -n 40 make.out; exit 1; }
	libs=$(pkg-config --libs libevent libxml-2.0 libxxhash libzstd liblz4 \
	    libssl libcrypto)
	for t in $targets; do
		# shellcheck disable=SC2086 # the flags are words
		clang $cflags -fsanitize=fuzzer -D_GNU_SOURCE \
		    -I"$top/libreloc" -I"$fuzz/build" \
		    -o "$fuzz/fuzz_$t" "$top/tests/fuzz/fuzz_$t.c" \
		    libreloc/.libs/libreloc.a $libs -lm -lpthread
	done
	cd "$top"
}

# run TARGET [options]: fuzz from the committed corpus, findings kept.
run() {
	t=$1
	shift
	mkdir -p "$fuzz/corpus/$t" "$fuzz/crashes/$t"
	dict=""
	[ -f "$top/tests/fuzz/dict/$t.dict" ] &&
	    dict="-dict=$top/tests/fuzz/dict/$t.dict"
	echo "fuzz.sh: fuzz_$t, findings in $fuzz/crashes/$t/"
	# shellcheck disable=SC2086 # an empty $dict is no word
	"$fuzz/fuzz_$t" -artifact_prefix="$fuzz/crashes/$t/" -timeout=10 \
	    -rss_limit_mb=2048 -print_final_stats=1 $dict "$@" \
	    "$fuzz/corpus/$t" "$top/tests/fuzz/corpus/$t"
}

# merge TARGET: the committed corpus keeps its files and gains the inputs
# of the working corpus that reach new edges (hit counts aside, so it
# stays small); longer inputs are judged by their first 2 KiB.
merge() {
	t=$1
	[ -d "$fuzz/corpus/$t" ] || { echo "fuzz.sh: nothing to merge" \
	    "for $t: run it first" >&2; exit 1; }
	"$fuzz/fuzz_$t" -merge=1 -use_counters=0 -max_len=2048 -timeout=10 \
	    "$top/tests/fuzz/corpus/$t" "$fuzz/corpus/$t"
}

cmd=run
if [ "${1:-}" = merge ]; then
	cmd=merge
	shift
	[ $# -eq 1 ] || usage
fi
which=${1:-all}
[ $# -gt 0 ] && shift
case " $targets all " in
*" $which "*) ;;
*) usage ;;
esac
[ "$which" = all ] || targets=$which
build
for t in $targets; do
	$cmd "$t" "$@"
done
