#!/bin/sh
# TLS material and listening ports that xrelocd -n, the start and a
# reload all refuse the same way, naming the file (or file:line:col)
# and the fix: this host's certificate expired or not yet valid, not
# from the configured CA, revoked by the configured CRL, without
# serverAuth or clientAuth; a CRL that does not parse or has expired;
# xend-relocation-ssl-port equal to xend-relocation-port; the pid file
# on the control socket.  A private key others can read is a warning.  A running daemon's reload keeps its material
# and configuration, and still moves a domain over TLS with them.
set -eu
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/tls-lib.sh"

lab -o server-only -u serverAuth host hostA.lab 127.0.0.1
lab -o client-only -u clientAuth host hostA.lab 127.0.0.1
lab -o revoked host hostA.lab 127.0.0.1
lab revoke revoked
lab -o crl-expired -s 20200101000000Z -e 20210101000000Z crl
printf '%s\n' "-----BEGIN X509 CRL-----" "MIIBbad=" \
    "-----END X509 CRL-----" | cat "$CA/crl.pem" - >"$CA/cut-crl.pem"

# conf_of DIR CERT [EXTRA]: a daemon's configuration with CERT.
mkdir -p "$WORK/n"
conf_of() {
	cat <<CONF
(xend-relocation-server yes)
(xend-relocation-port ${PLAIN_PORT:-$(free_port)})
(xend-relocation-address 127.0.0.1)
(xrelocd-backend sim)
(xrelocd-sim-dir $1/sim)
(xrelocd-state-dir $1/state)
(xrelocd-control-socket $1/ctl.sock)
$(tls_conf "$2")
${3:-}
CONF
}

# refused NAME CERT EXTRA WHAT: -n and the start refuse it, saying WHAT
# (fixed strings, @ for the CA's directory), and change nothing.
refused() {
	want=$(printf '%s' "$4" | sed "s|@|$CA|g")
	conf_of "$WORK/n" "$2" "$3" >"$WORK/n/xend-config.sxp"
	set +e
	timeout 60 "$XRELOCD" -n -f "$WORK/n/xend-config.sxp" \
	    >"$WORK/n.out" 2>&1
	rc=$?
	timeout 60 "$XRELOCD" -d -f "$WORK/n/xend-config.sxp" \
	    >"$WORK/d.out" 2>&1
	drc=$?
	set -e
	sed 's/^/    -n: /' "$WORK/n.out"
	check "$1: xrelocd -n refuses it" \
	    sh -c "[ $rc -ne 0 ] && [ $rc -ne 124 ]"
	check "$1: -n says why" grep -q -F -- "$want" "$WORK/n.out"
	check "$1: the daemon does not start" sh -c \
	    "[ $drc -ne 0 ] && [ $drc -ne 124 ] && [ ! -S $WORK/n/ctl.sock ]"
	check "$1: the start says why" grep -q -F -- "$want" "$WORK/d.out"
}

CERT_FILE="error: xend-relocation-server-ssl-cert-file"
refused expired expired "" "$CERT_FILE @/expired.pem: certificate \
'hostA.lab' expired on Jan  1 00:00:00 2021 GMT: peers refuse it; renew it"
refused "not yet valid" notyet "" "$CERT_FILE @/notyet.pem: certificate \
'hostA.lab' is not valid before Jan  1 00:00:00 2099 GMT"
refused "another ca" unknown "" "$CERT_FILE @/unknown.pem: certificate \
'hostA.lab' does not verify against xrelocd-relocation-ssl-ca @/ca.pem \
(unable to get local issuer certificate): peers would refuse it"
refused "serverAuth only" server-only "" "$CERT_FILE @/server-only.pem: \
certificate 'hostA.lab' is not for clientAuth (its extendedKeyUsage \
leaves out clientAuth), and this host both receives and sends migrations"
refused "clientAuth only" client-only "" "$CERT_FILE @/client-only.pem: \
certificate 'hostA.lab' is not for serverAuth"
refused revoked revoked "(xrelocd-relocation-ssl-crl $CA/crl.pem)" \
    "$CERT_FILE @/revoked.pem: certificate 'hostA.lab' is revoked by \
xrelocd-relocation-ssl-crl @/crl.pem: peers refuse it"
refused "a crl cut short" hostA.lab \
    "(xrelocd-relocation-ssl-crl $CA/cut-crl.pem)" \
    "error: xrelocd-relocation-ssl-crl @/cut-crl.pem: a crl in it does not \
parse"
refused "an expired crl" hostA.lab \
    "(xrelocd-relocation-ssl-crl $CA/crl-expired.pem)" \
    "has expired (next update was due): give the ca's current crl"
PLAIN_PORT=47011 SSL_PORT=47011 refused "the tls port on the plain one" \
    hostA.lab "" "error: $WORK/n/xend-config.sxp:9:2: xend-relocation-ssl-port \
47011 is also xend-relocation-port (line 2): the plain and the tls \
relocation servers listen on the same address and cannot share a port"
refused "the pid file on the control socket" hostA.lab \
    "(xrelocd-pid-file $WORK/n/ctl.sock)" "xrelocd-pid-file \
$WORK/n/ctl.sock is also xrelocd-control-socket (line 7): one file cannot \
be both the control socket and the pid file"

# A private key others can read: -n warns, naming the file and the fix,
# and accepts the configuration (a daemon that ran with it keeps running).
cp "$CA/hostA.lab.key" "$WORK/n/open.key"
chmod 644 "$WORK/n/open.key"
conf_of "$WORK/n" hostA.lab >"$WORK/n/xend-config.sxp"
sed -i "s|$CA/hostA.lab.key|$WORK/n/open.key|" "$WORK/n/xend-config.sxp"
set +e
timeout 60 "$XRELOCD" -n -f "$WORK/n/xend-config.sxp" >"$WORK/n.out" 2>&1
rc=$?
set -e
sed 's/^/    -n: /' "$WORK/n.out"
check "a key of mode 0644: xrelocd -n accepts it" [ "$rc" -eq 0 ]
check "a key of mode 0644: -n warns, with the fix" grep -q -F \
    "xend-relocation-server-ssl-key-file $WORK/n/open.key: mode 0644 lets \
other users of this host read or change the private key: chmod 600 \
$WORK/n/open.key" "$WORK/n.out"
chmod 600 "$WORK/n/open.key"
timeout 60 "$XRELOCD" -n -f "$WORK/n/xend-config.sxp" >"$WORK/n.out" 2>&1
check "a key of mode 0600: no warning" sh -c \
    "! grep -q 'mode 0' $WORK/n.out"

# A running B: each of the above at a reload is refused, and B keeps
# what it runs with.
BSSL=$(free_port)
start_host A "$(tls_conf hostA.lab)"
start_host B "$(SSL_PORT=$BSSL tls_conf hostB.lab)"
cp "$WORK/B/xend-config.sxp" "$WORK/B/good.sxp"
n=0
# reload_refused NAME SED EXTRA WHAT: B's configuration changed by SED
# plus EXTRA lines, then SIGHUP: B logs WHAT and keeps running as it was.
reload_refused() {
	n=$((n + 1))
	want=$(printf '%s' "$4" | sed "s|@|$CA|g")
	sed "$2" "$WORK/B/good.sxp" >"$WORK/B/xend-config.sxp"
	[ -z "$3" ] || printf '%s\n' "$3" >>"$WORK/B/xend-config.sxp"
	kill -HUP "$(cat "$WORK/B/daemon.pid")"
	check "reload, $1: B refuses it" wait_for "reload $n refused" \
	    "$WAIT" sh -c "[ \$(grep -c 'keeping the running configuration' \
	    $WORK/B/log) -ge $n ]"
	check "reload, $1: B says why" grep -q -F -- "$want" "$WORK/B/log"
}
reload_refused expired "s|hostB.lab.pem|expired.pem|; \
s|hostB.lab.key|expired.key|" "" "@/expired.pem: certificate 'hostA.lab' \
expired on"
reload_refused "another ca" "s|hostB.lab.pem|unknown.pem|; \
s|hostB.lab.key|unknown.key|" "" "@/unknown.pem: certificate 'hostA.lab' \
does not verify against"
reload_refused "serverAuth only" "s|hostB.lab.pem|server-only.pem|; \
s|hostB.lab.key|server-only.key|" "" "is not for clientAuth"
reload_refused revoked "s|hostB.lab.pem|revoked.pem|; \
s|hostB.lab.key|revoked.key|" "(xrelocd-relocation-ssl-crl $CA/crl.pem)" \
    "@/revoked.pem: certificate 'hostA.lab' is revoked by"
reload_refused "an expired crl" "" \
    "(xrelocd-relocation-ssl-crl $CA/crl-expired.pem)" \
    "@/crl-expired.pem: the crl of"
reload_refused "the tls port on the plain one" \
    "s|(xend-relocation-ssl-port $BSSL)|(xend-relocation-ssl-port \
$(port_of B))|" "" "xend-relocation-ssl-port $(port_of B) is also \
xend-relocation-port (line 2)"
check "no reload was taken" sh -c "! grep -q 'reloaded ' $WORK/B/log"
cp "$WORK/B/good.sxp" "$WORK/B/xend-config.sxp"

# B kept its certificate and its ports: a move over TLS still works.
sim_on A create web01 --memory 16 --dirty-rate 10 >/dev/null
migrate A B web01 -l -s -p "$BSSL"
check "after the refused reloads: xm migrate -l -s exits 0" [ "$XM_RC" -eq 0 ]
check "web01 runs only on B" runs_only_on B web01
check "its memory at B equals A's at pause" memory_equal A B web01

finish
