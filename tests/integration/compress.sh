#!/bin/sh
# Compression of the stream between two sim daemons: xm migrate -z lz4,
# -z zstd and -z auto, live and offline, plain and over TLS: the domain
# runs only on the target, its memory there equals the source's at pause
# byte for byte, its counter carries on, and xm names the codec and the
# bytes on the wire.  A compressed chunk corrupted on the wire
# (src-frame@50:corrupt) fails the migration before GO: xm exits 1, the
# domain runs on the source only, the target keeps nothing.  A target
# that does not know compression (dst-hello:omit) gets the stream
# uncompressed, and xm says why; one without zstd-stream
# (dst-hello-history:omit) gets each zstd chunk compressed alone; one
# whose key is none takes it compressed (the key is what a source sends
# by default).
set -eu
. "$(dirname "$0")/lib.sh"
needs_fault_injection
. "$(dirname "$0")/tls-lib.sh"

MEM=48
ACCEPT="(xrelocd-relocation-compression zstd)"

# xrelocd -n names a bad value of the key, with its place in the file.
mkdir -p "$WORK/bad"
printf '(xrelocd-backend sim)\n(xrelocd-relocation-compression gzip)\n' \
    >"$WORK/bad/xend-config.sxp"
set +e
"$XRELOCD" -n -f "$WORK/bad/xend-config.sxp" >"$WORK/n.out" 2>&1
rc=$?
set -e
sed 's/^/    -n: /' "$WORK/n.out"
check "xrelocd -n refuses compression gzip" [ "$rc" -ne 0 ]
check "xrelocd -n names the file, line and values" grep -q \
    "xend-config.sxp:2:[0-9]*: xrelocd-relocation-compression: 'gzip' is not a compression (none, lz4, zstd, auto)" \
    "$WORK/n.out"

# moved FROM TO WHAT CODEC: the checks of a move that worked.
moved() {
	check "$3: xm exits 0" [ "$XM_RC" -eq 0 ]
	check "$3: web01 runs only on $2" runs_only_on "$2" web01
	check "$3: memory on $2 equals $1's at pause" \
	    memory_equal "$1" "$2" web01
	check "$3: counter carried on" [ "$(counter "$2" web01)" -gt "$c0" ]
	check "$3: xm names the codec and the wire bytes" \
	    grep -q "on the wire ($4)" "$XM_OUT"
}

start_host A "$ACCEPT"
start_host B "$ACCEPT"
sim_on A create web01 --memory $MEM --dirty-rate 20 >/dev/null
check "web01 runs on A" runs A web01

for codec in lz4 zstd auto; do
	c0=$(counter A web01)
	migrate A B web01 -l -z $codec
	moved A B "live -z $codec" $codec
	c0=$(counter B web01)
	migrate B A web01 --compress=$codec
	moved B A "offline --compress=$codec" $codec
done
check "zstd went as one stream per lane" \
    logged A "zstd as one stream per lane: a chunk may refer to the 8 MiB before it"
check "neither daemon logged an error" \
    sh -c "! grep -E ': (error|warning): ' $WORK/A/log $WORK/B/log"

# auto on a slow link (-r 8) tries none, lz4 and zstd on 64 MiB each
# and then compresses: the link, not a core, is the bound.
sim_on A create big --memory 448 --dirty-rate 0 --fill realistic \
    >/dev/null
migrate A B big -l -z auto -r 8
check "auto, slow link: xm exits 0" [ "$XM_RC" -eq 0 ]
check "auto, slow link: memory on B equals A's at pause" \
    memory_equal A B big
check "auto, slow link: measured each codec and compressed" \
    logged A "auto measured none [0-9]+ MB/s, lz4 [0-9]+ MB/s, zstd [0-9]+ MB/s: (lz4|zstd) next"
grep -o 'auto measured.*' "$WORK/A/log" | sed 's/^/    A: /'
sim_on B destroy big >/dev/null

# Bare -z is zstd, with the rate cap of a 1 GbE link.
c0=$(counter A web01)
migrate A B web01 -l -z -r 125
moved A B "bare -z with -r 125" zstd

# A chunk corrupted on the wire: refused before GO.
stop_host A
stop_host B
HOSTS=""
FAULT=src-frame@50:corrupt start_host A "$ACCEPT"
start_host B "$ACCEPT"
check "web01 still on B" runs B web01
migrate B A web01 -l -z lz4
check "no fault on B's side: moved back" [ "$XM_RC" -eq 0 ]
c0=$(counter A web01)
migrate A B web01 -l -z zstd
check "corrupt chunk: xm exits 1" [ "$XM_RC" -eq 1 ]
check "corrupt chunk: web01 runs only on A" runs_only_on A web01
check "corrupt chunk: B keeps nothing" wait_for "nothing of web01 on B" \
    "$WAIT" sh -c "! $SIM -d $WORK/B/sim info web01 >/dev/null 2>&1 &&
    ! $SIM -d $WORK/B/sim info web01--incoming >/dev/null 2>&1"
check "corrupt chunk: B names it" \
    logged B "corrupt compressed chunk [0-9]+ from 127\\.0\\.0\\.1:[0-9]+: (checksum mismatch|does not decompress)"
check "corrupt chunk: xm names it too" grep -q -E \
    "restore failed on the target [^:]*: corrupt compressed chunk [0-9]+ from 127\\.0\\.0\\.1:[0-9]+: (checksum mismatch|does not decompress)" \
    "$XM_OUT"
check "corrupt chunk: the counter carries on on A" \
    wait_for "web01's counter on A past $c0" "$WAIT" counter_past A web01 "$c0"

# A target without compression, and one that refuses it.
stop_host A
stop_host B
HOSTS=""
start_host A "$ACCEPT"
FAULT=dst-hello:omit start_host B "$ACCEPT"
c0=$(counter A web01)
migrate A B web01 -l -z zstd
check "old target: xm exits 0" [ "$XM_RC" -eq 0 ]
check "old target: memory equal" memory_equal A B web01
check "old target: xm says so" \
    grep -q "127.0.0.1 does not offer compression: sending uncompressed" \
    "$XM_OUT"
check "old target: A logged it" \
    logged A "does not offer compression: sending uncompressed"
stop_host A
HOSTS="B"
FAULT=dst-hello-history:omit start_host A "$ACCEPT"
c0=$(counter B web01)
migrate B A web01 -l -z zstd
moved B A "target without zstd-stream" zstd
check "target without zstd-stream: B says each chunk goes alone" \
    logged B "the target keeps no zstd stream: each chunk compressed alone"
migrate A B web01 -l
check "back to B: xm exits 0" [ "$XM_RC" -eq 0 ]
stop_host A
HOSTS="B"
start_host A "(xrelocd-relocation-compression none)"
migrate B A web01 -z lz4
check "key none: xm exits 0" [ "$XM_RC" -eq 0 ]
check "key none: web01 runs only on A" runs_only_on A web01
check "key none: memory equal" memory_equal B A web01
check "key none: the target took it compressed" \
    grep -q "on the wire (lz4)" "$XM_OUT"

# The key on the source compresses without -z; -z none overrides it.
stop_host A
stop_host B
HOSTS=""
start_host A "$ACCEPT"
start_host B "$ACCEPT"
c0=$(counter A web01)
migrate A B web01 -l
moved A B "the source's key" zstd
c0=$(counter B web01)
migrate B A web01 -l -z none
check "-z none: xm exits 0" [ "$XM_RC" -eq 0 ]
check "-z none: no wire note" sh -c "! grep -q 'on the wire' $XM_OUT"

# Over TLS (OpenSSL or kernel TLS, whichever this machine offers).
for h in $HOSTS; do stop_host "$h"; done
HOSTS=""
BSSL=$(free_port)
ASSL=$(free_port)
start_host A "$(SSL_PORT=$ASSL tls_conf hostA.lab)
$ACCEPT"
start_host B "$(SSL_PORT=$BSSL tls_conf hostB.lab)
$ACCEPT"
for codec in lz4 zstd; do
	c0=$(counter A web01)
	XM_OUT=$WORK/xm.out
	set +e
	xm_on A migrate -s -p "$BSSL" -l -z $codec web01 127.0.0.1 \
	    >"$XM_OUT" 2>&1
	XM_RC=$?
	set -e
	sed 's/^/    xm: /' "$XM_OUT"
	moved A B "tls live -z $codec" $codec
	c0=$(counter B web01)
	set +e
	xm_on B migrate -s -p "$ASSL" -z $codec web01 127.0.0.1 >"$XM_OUT" 2>&1
	XM_RC=$?
	set -e
	sed 's/^/    xm: /' "$XM_OUT"
	moved B A "tls offline -z $codec" $codec
done
check "tls: the stream went over tls" \
    logged A "stream over TLSv1\\.[23] .*, kernel tls: (yes|no)"

finish
