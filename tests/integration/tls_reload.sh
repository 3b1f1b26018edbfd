#!/bin/sh
# A reload (a real SIGHUP) while a TLS handshake is under way: the
# handshake finishes with the context it began with, and the move it
# carries succeeds (memory equal, one running copy); a connection
# accepted after the reload is checked with the new material.  A's
# certificate comes from a second CA that B trusts at first; the reload
# takes that CA out of B's xrelocd-relocation-ssl-ca.  A proxy holds
# B's answer to A's ClientHello until B has reloaded, so that B checks
# A's certificate only after the reload.
set -eu
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/tls-lib.sh"

# Both CAs in one file: A's and B's at first.
cat "$CA/ca.pem" "$CA/other/ca.pem" >"$CA/both.pem"

# b_conf CAFILE: B's TLS lines.
BSSL=$(free_port)
b_conf() {
	SSL_PORT=$BSSL tls_conf hostB.lab | sed "s|$CA/ca.pem|$1|"
}
start_host A "$(tls_conf unknown | sed "s|$CA/ca.pem|$CA/both.pem|")"
start_host B "$(b_conf "$CA/both.pem")"
sim_on A create web01 --memory 32 --dirty-rate 20 >/dev/null
sim_on A create web02 --memory 16 >/dev/null
check "web01 runs on A" runs A web01

# The proxy in front of B's TLS port, holding B's answers.
python3 "$(dirname "$0")/tls_hold.py" "$WORK/proxy.port" "$BSSL" \
    "$WORK/held" "$WORK/release" &
proxy=$!
wait_for "the proxy's port" "$WAIT" test -s "$WORK/proxy.port"
XM_OUT=$WORK/xm.out
xm_on A migrate -l -s -p "$(cat "$WORK/proxy.port")" web01 127.0.0.1 \
    >"$XM_OUT" 2>&1 &
xm=$!
check "B answered the ClientHello: its handshake is under way" \
    wait_for "B's answer" "$WAIT" test -f "$WORK/held"

# The reload: B's configuration without A's CA.
sed -i "s|$CA/both.pem|$CA/ca.pem|" "$WORK/B/xend-config.sxp"
kill -HUP "$(cat "$WORK/B/daemon.pid")"
check "B reloaded" logged B "reloaded $WORK/B/xend-config.sxp"
check "B dropped no handshake" \
    sh -c "! grep -q 'connections before HELLO dropped' $WORK/B/log"
touch "$WORK/release"
bg_wait "$xm" xm "$XM_OUT"
check "the handshake begun before the reload: xm exits 0" [ "$BG_RC" -eq 0 ]
check "web01 runs only on B" runs_only_on B web01
check "its memory at B equals A's at pause" memory_equal A B web01
check "B admitted A's certificate with the old CA" \
    logged B "migrate: target .*-> precheck"
kill "$proxy" 2>/dev/null || true
wait "$proxy" 2>/dev/null || true

# After the reload, B no longer trusts A's CA: the next one is refused.
before=$(forks B)
migrate A B web02 -l -s -p "$BSSL"
check "after the reload: xm fails" [ "$XM_RC" -ne 0 ]
# A sends its CA with its certificate (OpenSSL builds the chain from
# A's trusted CAs): B refuses that CA, or the issuer it cannot find.
check "after the reload: B refuses A's CA, with the new material" logged B \
    "tls refused: .*(in certificate chain|unable to get local issuer)"
check "after the reload: web02 runs once, on A" runs_only_on A web02
check "after the reload: B forked no worker for it" \
    [ "$(forks B)" -eq "$before" ]

# A reload whose TLS material is bad keeps the running one, naming the
# file; the running context still serves (checked in tls_config.sh).
sed -i "s|$CA/hostB.lab.key|$CA/hostA.lab.key|" "$WORK/B/xend-config.sxp"
kill -HUP "$(cat "$WORK/B/daemon.pid")"
check "a bad key at reload: B names the file" \
    logged B "$CA/hostA.lab.key: the key does not match"
check "a bad key at reload: B keeps the running configuration" \
    logged B "reload: .*keeping the running configuration"

finish
