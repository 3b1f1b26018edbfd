#!/bin/sh
# Parallel streams (xm migrate --streams N): the stream of a live sim
# domain spread over 2 and 4 connections, plain and over TLS: memory
# equal byte for byte, the counter carries on, exactly one copy runs, xm
# names the streams; compressed too (-z zstd plain, -z lz4 over TLS); the extra connections take no slot of
# xrelocd-max-incoming.  A target that takes fewer streams (its
# xrelocd-relocation-streams) gets what it takes and xm says so.  A JOIN
# with a wrong token or for an unknown migration is refused with an
# ERROR and logged, and the migration running meanwhile goes on
# untouched.  A stream that dies among N (its relaying worker killed)
# fails the move before GO: xm exits 1, the source resumes, one copy
# runs.
set -eu
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/tls-lib.sh"

JOIN_PEER=$(dirname "$0")/join_peer.py

# moves N FROM TO LABEL [xm options...]: one live move over N streams.
moves() {
	mv_n=$1 mv_from=$2 mv_to=$3 mv_label=$4
	shift 4
	mv_c=$(counter "$mv_from" web01)
	migrate "$mv_from" "$mv_to" web01 -l --streams "$mv_n" "$@"
	check "$mv_label: xm exits 0" [ "$XM_RC" -eq 0 ]
	check "$mv_label: xm names the $mv_n streams" \
	    grep -q "moved to .*, over $mv_n streams" "$XM_OUT"
	check "$mv_label: web01 runs only on $mv_to" runs_only_on "$mv_to" web01
	check "$mv_label: memory equal byte for byte" \
	    memory_equal "$mv_from" "$mv_to" web01
	check "$mv_label: the counter carried on" \
	    [ "$(counter "$mv_to" web01)" -gt "$mv_c" ]
	check "$mv_label: $mv_to saw $mv_n streams join" \
	    logged "$mv_to" "stream $mv_n of $mv_n joined"
}

# One incoming migration at a time: the extra streams are not migrations.
start_host A "(xrelocd-relocation-streams 4)
(xrelocd-max-incoming 1)"
start_host B "(xrelocd-relocation-streams 4)
(xrelocd-max-incoming 1)"
sim_on A create web01 --memory 64 --dirty-rate 20 >/dev/null
check "web01 runs on A" runs A web01

moves 4 A B "plain, 4 streams"
moves 2 B A "plain, 2 streams, zstd" -z zstd
check "plain, 2 streams, zstd: compressed on the wire" \
    grep -q "over 2 streams, .* on the wire (zstd)" "$XM_OUT"
check "plain: no error or warning logged" \
    sh -c "! grep -E ': (error|warning): ' $WORK/A/log $WORK/B/log"

# xm refuses a number of streams out of range, naming the option.
set +e
xm_on A migrate --streams 17 web01 127.0.0.1 >"$WORK/xm.out" 2>&1
rc=$?
set -e
check "--streams 17: usage error" [ "$rc" -eq 2 ]
check "--streams 17: the message names the option" \
    grep -q -- "--streams: '17' is not a number from 1 to 16" "$WORK/xm.out"

# A target that takes 1 stream (the key's default): one, and xm says so.
stop_host B
start_host B
migrate A B web01 -l --streams 4
check "capped at 1: xm exits 0" [ "$XM_RC" -eq 0 ]
check "capped at 1: xm says the target takes no more" \
    grep -q "over 1 stream (127.0.0.1 takes no more)" "$XM_OUT"
check "capped at 1: A logs it" logged A "takes 1 stream of the 4 asked"
check "capped at 1: web01 runs only on B" runs_only_on B web01
check "capped at 1: memory equal" memory_equal A B web01

# A JOIN for an unknown migration, and one with a wrong token while a
# migration runs: refused and logged; the migration moves as if alone.
stop_host B
start_host B "(xrelocd-relocation-streams 4)"
check "unknown id: refused with an ERROR" [ "$(python3 "$JOIN_PEER" \
    "$(port_of B)" 0b4f63a2-6a0c-4d1e-9f55-3c3c1a1f0e11 1 \
    0123456789abcdef0123456789abcdef)" = error ]
check "unknown id: B logs the refusal" \
    logged B "JOIN of stream 2 for migration 0b4f63a2"
: >"$WORK/B/log"
migrate B A web01 -l --streams 2 -r 8 &
mig=$!
until_true "the migration's id is logged on B" \
    sh -c "grep -q 'migration [0-9a-f-]\{36\}' $WORK/B/log"
id=$(sed -n 's/.*migration \([0-9a-f-]\{36\}\).*/\1/p' "$WORK/B/log" |
    tail -n 1)
check "wrong token: refused with an ERROR" [ "$(python3 "$JOIN_PEER" \
    "$(port_of A)" "$id" 1 ffffffffffffffffffffffffffffffff)" = error ]
wait "$mig" || true
check "wrong token: the migration moved all the same" \
    grep -q "moved to .*, over 2 streams" "$WORK/xm.out"
check "wrong token: web01 runs only on A" runs_only_on A web01
check "wrong token: memory equal" memory_equal B A web01

# Over TLS: the extra streams are TLS connections with the same checks.
stop_host A
stop_host B
BSSL=$(free_port)
start_host A "$(tls_conf hostA.lab)
(xrelocd-relocation-streams 4)"
start_host B "$(SSL_PORT=$BSSL tls_conf hostB.lab)
(xrelocd-relocation-streams 4)"
moves_tls() {
	mt_n=$1
	shift
	mt_c=$(counter A web01)
	XM_OUT=$WORK/xm.out
	set +e
	xm_on A migrate -l -s -p "$BSSL" --streams "$mt_n" "$@" web01 \
	    127.0.0.1 >"$XM_OUT" 2>&1
	XM_RC=$?
	set -e
	sed 's/^/    xm: /' "$XM_OUT"
	check "tls, $mt_n streams: xm exits 0" [ "$XM_RC" -eq 0 ]
	check "tls, $mt_n streams: xm names them" \
	    grep -q "moved to .*, over $mt_n streams" "$XM_OUT"
	check "tls, $mt_n streams: web01 runs only on B" runs_only_on B web01
	check "tls, $mt_n streams: memory equal" memory_equal A B web01
	check "tls, $mt_n streams: the counter carried on" \
	    [ "$(counter B web01)" -gt "$mt_c" ]
	check "tls, $mt_n streams: relayed on B" \
	    logged B "stream $mt_n of $mt_n joined \\(relayed\\)"
}
moves_tls 4
migrate B A web01 -l
check "back to A (the key's 4 streams)" [ "$XM_RC" -eq 0 ]
moves_tls 2 -z lz4
check "tls, 2 streams, lz4: compressed on the wire" \
    grep -q "over 2 streams, .* on the wire (lz4)" "$XM_OUT"

# A stream that dies among 4: the worker relaying stream 2 is killed
# while memory streams.  The move fails before GO, xm exits 1, web01
# resumes on A, and only there.
migrate B A web01 -l
check "back to A for the kill" [ "$XM_RC" -eq 0 ]
: >"$WORK/B/log"
xm_on A migrate -l -s -p "$BSSL" --streams 4 -r 4 web01 127.0.0.1 \
    >"$WORK/xm.out" 2>&1 &
mig=$!
until_true "stream 2's relay runs on B" \
    sh -c "grep -q 'stream 2 of migration .*: relaying' $WORK/B/log"
until_true "web01's memory streams" job_state_is A web01 streaming
pid=$(grep 'stream 2 of migration .*: relaying' "$WORK/B/log" |
    sed -n 's/.*xrelocd\[\([0-9]*\)\]: .*/\1/p' | tail -n 1)
kill -KILL "$pid"
set +e
wait "$mig"
rc=$?
set -e
sed 's/^/    xm: /' "$WORK/xm.out"
check "lane killed: xm exits 1" [ "$rc" -eq 1 ]
check "lane killed: web01 runs only on A" runs_only_on A web01
check "lane killed: no web01--incoming left on B" \
    sh -c "! $SIM -d $WORK/B/sim info web01--incoming >/dev/null 2>&1"
check "lane killed: A says web01 runs here as before" \
    grep -q "runs here as before" "$WORK/xm.out"

finish
