#!/bin/sh
# Mutual TLS between two sim daemons, with certificates from the lab CA
# (scripts/lab-ca.sh): a configuration that asks for TLS builds its
# context at start, and xrelocd -n checks the same; a key file that is
# not the certificate's stops both, naming the file.  xm migrate -l -s
# moves a live domain over TLS.  A source whose certificate the target
# refuses (unknown CA, another host's; an expired or not yet valid one,
# which xrelocd refuses to run with, from a TLS client), a target
# whose certificate the source refuses, a plain client on the TLS port,
# a TLS client on the plain port and a plain source to a target in the
# required mode move nothing: the domain runs once, on the source, and
# the target never gets past HELLO with that peer; a peer refused on
# the TLS port, or a plain one in the required mode, costs the target
# no worker (no fork): its daemon refuses it.  A source certificate
# that names another host is admitted by its SPKI pin, and refused,
# naming its fingerprint, under another pin.  A lost DONE is resolved
# by a QUERY over TLS; a stalled handshake holds a pending slot of its
# peer, without a worker, until the HELLO timeout drops it.
set -eu
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/tls-lib.sh"

# A key that is not the certificate's: -n and the start both name it.
mkdir -p "$WORK/bad"
cat >"$WORK/bad/xend-config.sxp" <<CONF
(xend-relocation-server yes)
(xend-relocation-port $(free_port))
(xend-relocation-address 127.0.0.1)
(xrelocd-backend sim)
(xrelocd-sim-dir $WORK/bad/sim)
(xrelocd-state-dir $WORK/bad/state)
(xrelocd-control-socket $WORK/bad/ctl.sock)
$(tls_conf hostA.lab "$CA/hostB.lab.key")
CONF
set +e
timeout 60 "$XRELOCD" -n -f "$WORK/bad/xend-config.sxp" >"$WORK/n.out" 2>&1
rc=$?
timeout 60 "$XRELOCD" -d -f "$WORK/bad/xend-config.sxp" >"$WORK/d.out" 2>&1
drc=$?
set -e
sed 's/^/    -n: /' "$WORK/n.out"
sed 's/^/    -d: /' "$WORK/d.out"
check "xrelocd -n refuses a key that is not the certificate's" \
    sh -c "[ $rc -ne 0 ] && [ $rc -ne 124 ]"
check "xrelocd -n names the key file" \
    grep -q -F "$CA/hostB.lab.key" "$WORK/n.out"
check "the daemon does not start with it" \
    sh -c "[ $drc -ne 0 ] && [ $drc -ne 124 ] && [ ! -S $WORK/bad/ctl.sock ]"
check "and names the key file" grep -q -F "$CA/hostB.lab.key" "$WORK/d.out"

# A certificate file alone (for xm migrate -s) is loaded and checked too.
grep -v "ssl-server\|ssl-port" "$WORK/bad/xend-config.sxp" >"$WORK/bad/cert.sxp"
set +e
timeout 60 "$XRELOCD" -n -f "$WORK/bad/cert.sxp" >"$WORK/n.out" 2>&1
rc=$?
set -e
check "a certificate file alone: -n checks its key too" \
    sh -c "[ $rc -ne 0 ] && [ $rc -ne 124 ] &&
    grep -q -F '$CA/hostB.lab.key' '$WORK/n.out'"

# The good pair: -n accepts it.
mkdir -p "$WORK/good"
sed "/ssl/d" "$WORK/bad/xend-config.sxp" >"$WORK/good/xend-config.sxp"
tls_conf hostA.lab >>"$WORK/good/xend-config.sxp"
check "xrelocd -n accepts the certificate and its key" \
    "$XRELOCD" -n -f "$WORK/good/xend-config.sxp"

# Two daemons with certificates for 127.0.0.1; B's TLS port is known.
BSSL=$(free_port)
start_host A "$(tls_conf hostA.lab)"
start_host B "$(SSL_PORT=$BSSL tls_conf hostB.lab)"
check "B listens on its tls port" \
    logged B "listening on 127.0.0.1 port $BSSL \(tls\)"
sim_on A create web01 --memory 32 --dirty-rate 20 >/dev/null
check "web01 runs on A" runs A web01

# migrate_tls FROM TO DOMAIN PORT [XM-OPTIONS]: xm migrate -s to PORT.
migrate_tls() {
	XM_OUT=$WORK/xm.out
	set +e
	# shellcheck disable=SC2086 # no option: no word at all
	xm_on "$1" migrate -s -p "$4" ${5:-} "$3" 127.0.0.1 >"$XM_OUT" 2>&1
	XM_RC=$?
	set -e
	sed 's/^/    xm: /' "$XM_OUT"
}

migrate_tls A B web01 "$BSSL" -l
check "xm migrate -l -s: exit 0" [ "$XM_RC" -eq 0 ]
check "web01 runs only on B" runs_only_on B web01
check "its memory at B equals A's at pause" memory_equal A B web01
check "B ran tls with it" \
    logged B "tls: peer 127\\.0\\.0\\.1: TLSv1\\.[23] "
KTLS_ERE="stream over TLSv1\\.[23] .*, kernel tls: (yes|no)"
check "A logged the stream's TLS, and whether the kernel moved it" \
    logged A "$KTLS_ERE"
check "B logged the same" logged B "$KTLS_ERE"
# Without kernel TLS the sim's stream goes through OpenSSL in the
# backend's own thread, no copy thread in between.
DIRECT_ERE="kernel tls: yes|tls in the backend's thread, no copy between"
check "A's stream: kernel TLS, or OpenSSL in the backend's thread" \
    logged A "$DIRECT_ERE"
check "B's the same" logged B "$DIRECT_ERE"
check "TLS 1.3 chose AES-128-GCM, the cheaper of its AES suites" \
    logged A "stream over TLSv1\\.3 TLS_AES_128_GCM_SHA256,"

# forks H: how many target workers the daemon of H has forked so far.
# no_worker_refused H: no worker of H logged a tls refusal: its daemon did.
no_worker_refused() { ! grep -q "worker\[.*tls refused" "$WORK/$1/log"; }

no_web02_on_B() { ! has_domain B web02--incoming && ! has_domain B web02; }

# refused_from CERT WHAT ERE [CA]: A restarted with CERT (and CA, which
# must sign it) migrates web02 to B over TLS; B refuses it before
# HELLO, logging ERE.
refused_from() {
	stop_host A
	: >"$WORK/A/log"
	start_host A "$(tls_conf "$1" | sed "s|$CA/ca.pem|${4:-$CA/ca.pem}|")"
	before=$(forks B)
	migrate_tls A B web02 "$BSSL" -l
	check "$2: xm fails" [ "$XM_RC" -ne 0 ]
	check "$2: B refuses it, saying why" logged B "$3"
	check "$2: B forked no worker for it" [ "$(forks B)" -eq "$before" ]
	check "$2: B's daemon refused it, not a worker" no_worker_refused B
	check "$2: web02 runs once, on A" runs_only_on A web02
	check "$2: B has no web02" no_web02_on_B
}
# refused_client CERT WHAT ERE: a TLS client with CERT, which xrelocd
# would not run with, is refused by B before HELLO, logging ERE.
refused_client() {
	before=$(forks B)
	timeout 60 openssl s_client -connect "127.0.0.1:$BSSL" \
	    -cert "$CA/$1.pem" -key "$CA/$1.key" -CAfile "$CA/ca.pem" \
	    </dev/null >/dev/null 2>&1 || true
	check "$2: B refuses it, saying why" logged B "$3"
	check "$2: B forked no worker for it" [ "$(forks B)" -eq "$before" ]
	check "$2: B's daemon refused it, not a worker" no_worker_refused B
}
sim_on A create web02 --memory 16 >/dev/null
# A trusts its own CA and B's; B only its own.
cat "$CA/ca.pem" "$CA/other/ca.pem" >"$CA/both.pem"
refused_from unknown "unknown ca" \
    "tls refused: .*(in certificate chain|unable to get local issuer)" \
    "$CA/both.pem"
refused_client expired "expired certificate" \
    "tls refused: .*certificate has expired"
refused_client notyet "not yet valid certificate" \
    "tls refused: .*certificate is not yet valid"
refused_from hostC.lab "another host's certificate" \
    "tls refused: .*'hostC.lab' names hostC.lab, 192.0.2.3"
hellos=$(grep -c "migrate: target .*-> precheck" "$WORK/B/log" || true)
check "no refused peer got past HELLO on B (one did: web01's)" \
    [ "$hellos" -eq 1 ]

# A plain source on the TLS port: B hears no TLS and starts nothing.
XM_OUT=$WORK/xm.out
before=$(forks B)
set +e
xm_on A migrate -l -p "$BSSL" web02 127.0.0.1 >"$XM_OUT" 2>&1
XM_RC=$?
set -e
sed 's/^/    xm: /' "$XM_OUT"
check "plain on the tls port: xm fails" [ "$XM_RC" -ne 0 ]
check "plain on the tls port: B says the peer does not speak tls" \
    logged B "does not speak tls"
check "plain on the tls port: web02 runs once, on A" runs_only_on A web02
check "plain on the tls port: B forked no worker for it" \
    [ "$(forks B)" -eq "$before" ]
check "plain on the tls port: B's daemon refused it" no_worker_refused B

# A TLS source on the plain port: no TLS there, nothing moves; B's
# daemon tells it by the first byte, and forks nothing.
before=$(forks B)
migrate_tls A B web02 "$(port_of B)" -l
check "tls on the plain port: xm fails" [ "$XM_RC" -ne 0 ]
check "tls on the plain port: web02 runs once, on A" runs_only_on A web02
check "tls on the plain port: B says to use xm migrate -s" \
    logged B "tls on the plain port: use xm migrate -s, port $BSSL"
check "tls on the plain port: B forked no worker for it" \
    [ "$(forks B)" -eq "$before" ]
precheck=$(grep -c "migrate: target .*-> precheck" "$WORK/B/log" || true)
check "tls on the plain port: B got no further than before" \
    [ "$precheck" -eq 1 ]

# B in the required mode: a plain migration to its plain port is refused
# before HELLO is answered, and xm says to use -s.
stop_host B
: >"$WORK/B/log"
start_host B "$(SSL_PORT=$BSSL tls_conf hostB.lab)
(xrelocd-relocation-ssl-mode required)"
migrate A B web02 -l
check "required: a plain migration fails" [ "$XM_RC" -ne 0 ]
check "required: xm reads the refusal and says to use -s" \
    grep -q "use xm migrate -s" "$XM_OUT"
check "required: B logs the refusal and the fix" \
    logged B "refused a plain migration: .*use xm migrate -s"
check "required: web02 runs once, on A" runs_only_on A web02
check "required: B forked no worker for it" [ "$(forks B)" -eq 0 ]

# Mutual: the source refuses a target whose certificate names another
# host, before HELLO, and says which names it saw.
stop_host A
stop_host B
: >"$WORK/A/log"
start_host A "$(tls_conf hostA.lab)"
start_host B "$(SSL_PORT=$BSSL tls_conf hostC.lab)"
migrate_tls A B web02 "$BSSL" -l
check "target's certificate for another host: xm fails" [ "$XM_RC" -ne 0 ]
check "target's certificate for another host: xm says which names" \
    grep -q "'hostC.lab' names hostC.lab, 192.0.2.3" "$XM_OUT"
check "target's certificate for another host: A logs it" \
    logged A "tls refused: .*'hostC.lab' names hostC.lab, 192.0.2.3"
check "target's certificate for another host: web02 runs once, on A" \
    runs_only_on A web02

# DONE lost over TLS: the source asks the target over TLS too, and acts
# on its answer (taken): one copy, on B.
if [ "${XRELOCD_FAULT_INJECTION:-yes}" = yes ]; then
	stop_host A
	stop_host B
	: >"$WORK/B/log"
	start_host A "$(tls_conf hostA.lab)"
	FAULT=dst-done:cut start_host B "$(SSL_PORT=$BSSL tls_conf hostB.lab)"
	migrate_tls A B web02 "$BSSL" -l
	check "DONE lost over tls: xm exits 0" [ "$XM_RC" -eq 0 ]
	check "DONE lost over tls: web02 runs only on B" runs_only_on B web02
	check "DONE lost over tls: B answered the query, taken" \
	    logged B "asked about migration .*: taken"
	check "DONE lost over tls: both connections to B ran tls" sh -c \
	    "[ \$(grep -c 'tls: peer 127.0.0.1: TLSv1' $WORK/B/log) -ge 2 ]"
fi

# A source certificate that names neither A's address nor an allowed
# host (hostC.lab, 192.0.2.3) under a pin of another key: refused, B
# names the fingerprint it did not find, and forks nothing.
pin() { sh "$top_srcdir/scripts/lab-ca.sh" -d "$CA" pin "$CA/$1.pem"; }
stop_host A
stop_host B
: >"$WORK/B/log"
start_host A "$(tls_conf hostC.lab)"
start_host B "$(SSL_PORT=$BSSL tls_conf hostB.lab)
(xrelocd-relocation-ssl-pin $(pin unknown))"
sim_on A create web03 --memory 16 >/dev/null
migrate_tls A B web03 "$BSSL" -l
check "wrong pin: xm fails" [ "$XM_RC" -ne 0 ]
check "wrong pin: B names the fingerprint it refused" \
    logged B "tls refused: .*sha256 $(pin hostC.lab) is not in xrelocd-rel"
check "wrong pin: web03 runs once, on A" runs_only_on A web03
check "wrong pin: B forked no worker" [ "$(forks B)" -eq 0 ]

# The same certificate under its own pin: admitted, web03 moves.
stop_host B
: >"$WORK/B/log"
start_host B "$(SSL_PORT=$BSSL tls_conf hostB.lab)
(xrelocd-relocation-ssl-pin $(pin hostC.lab))"
migrate_tls A B web03 "$BSSL" -l
check "pinned: xm migrate -l -s: exit 0" [ "$XM_RC" -eq 0 ]
check "pinned: B admitted the certificate by its pin" \
    logged B "certificate 'hostC.lab' admitted by its pin"
check "pinned: web03 runs only on B" runs_only_on B web03
check "pinned: its memory at B equals A's at pause" memory_equal A B web03
check "pinned: B forked one worker, for it" [ "$(forks B)" -eq 1 ]

# A handshake that stalls: it holds one of the peer's slots for
# connections that have not finished HELLO, so a second connection from
# it is refused at once, and it is dropped after the HELLO timeout (long
# enough that the second connection comes first on a busy machine).
stop_host B
: >"$WORK/B/log"
HELLO_TIMEOUT=20 start_host B "$(SSL_PORT=$BSSL tls_conf hostB.lab)
(xrelocd-max-pending-per-peer 1)"
python3 -c '
import socket, sys, time
a = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
time.sleep(float(sys.argv[2]))
' "$BSSL" 600 &
stall=$!
check "stalled handshake: B holds it" logged B "tls connection from"
python3 -c '
import socket, sys
b = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
b.recv(1)
' "$BSSL" || true
check "stalled handshake: a second connection is refused by the cap" \
    logged B "not finished HELLO \\(xrelocd-max-pending-per-peer\\)"
check "stalled handshake: dropped after the HELLO timeout" \
    logged B "no tls handshake within 20s"
check "stalled handshake: B forked no worker for either" \
    [ "$(forks B)" -eq 0 ]
kill "$stall" 2>/dev/null || true
wait "$stall" 2>/dev/null || true

finish
