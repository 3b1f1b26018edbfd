#!/bin/sh
# What xm says when the port it was given does not speak what it asked
# for: xm migrate -s to a plain relocation port, a plain xm migrate to a
# TLS port, either to a service that is no xrelocd (an HTTP server, an
# echo server) or to one that closes the connection.  Each message
# names host:port and the fix, not OpenSSL's words; nothing moves, the
# domain runs once, on the source.
set -eu
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/tls-lib.sh"

BSSL=$(free_port)
start_host A "$(tls_conf hostA.lab)"
start_host B "$(SSL_PORT=$BSSL tls_conf hostB.lab)"
sim_on A create web01 --memory 16 >/dev/null
BPLAIN=$(port_of B)

for mode in http echo close; do
	python3 "$(dirname "$0")/fake_service.py" "$mode" \
	    "$WORK/$mode.port" &
	echo $! >>"$WORK/fakes"
	wait_for "the $mode service's port" "$WAIT" test -s "$WORK/$mode.port"
done
fake_port() { cat "$WORK/$1.port"; }
stop_fakes() {
	while read -r pid; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done <"$WORK/fakes"
}

# says NAME PORT XM-OPTIONS TEXT: xm migrate web01 to 127.0.0.1:PORT
# fails, prints exactly TEXT (between xm's words of a failed move), and
# web01 runs once, on A.
says() {
	XM_OUT=$WORK/xm.out
	set +e
	# shellcheck disable=SC2086 # the options are words
	xm_on A migrate $3 -p "$2" web01 127.0.0.1 >"$XM_OUT" 2>&1
	XM_RC=$?
	set -e
	sed 's/^/    xm: /' "$XM_OUT"
	check "$1: xm exits 1" [ "$XM_RC" -eq 1 ]
	check "$1: xm says what answered and the fix" \
	    grep -q -x -F -- "$E $4; it runs here as before" "$XM_OUT"
	check "$1: web01 runs once, on A" runs_only_on A web01
}

FIX_S="the tls port is xend-relocation-ssl-port (default 8003) on the \
target: give it with -p, or drop -s"
FIX_PLAIN="xrelocd listens on xend-relocation-port (default 8002), and on \
xend-relocation-ssl-port (default 8003) for xm migrate -s"
E="web01 did not move to 127.0.0.1:"

says "-s to the plain port" "$BPLAIN" "-l -s" "127.0.0.1:$BPLAIN \
closed the connection during the tls handshake: it does not speak tls \
there, or it refused this host (see its log); $FIX_S"
check "-s to the plain port: B logged tls on its plain port" \
    logged B "tls on the plain port: use xm migrate -s, port $BSSL"
says "plain to the tls port" "$BSSL" "-l" "127.0.0.1:$BSSL: no HELLO: \
$(hostname) answers only tls on port $BSSL (xend-relocation-ssl-port): \
use xm migrate -s, or the plain port $BPLAIN (xend-relocation-port)"
check "plain to the tls port: B logged it and started nothing" \
    logged B "does not speak tls: a plain xrelocd source on the tls port"
check "plain to the tls port: B forked no worker" [ "$(forks B)" -eq 0 ]
says "-s to an http server" "$(fake_port http)" "-l -s" \
    "127.0.0.1:$(fake_port http) does not speak tls: it is no xrelocd \
tls port; $FIX_S"
says "-s to an echo server" "$(fake_port echo)" "-l -s" \
    "127.0.0.1:$(fake_port echo) does not speak tls: it is no xrelocd \
tls port; $FIX_S"
says "-s to a server that closes" "$(fake_port close)" "-l -s" \
    "127.0.0.1:$(fake_port close) closed the connection during the \
tls handshake: it does not speak tls there, or it refused this host (see \
its log); $FIX_S"
says "plain to an http server" "$(fake_port http)" "-l" \
    "127.0.0.1:$(fake_port http) is not an xrelocd relocation port (it \
answered 'HTTP/1.1 400'): check the port; $FIX_PLAIN"
says "plain to a server that closes" "$(fake_port close)" "-l" \
    "127.0.0.1:$(fake_port close) closed the connection before HELLO: \
127.0.0.1's allow-list (xend-relocation-hosts-allow) may not admit this \
host, see its log"
stop_fakes

finish
