#!/bin/sh
# Mutual TLS between two sim daemons, with certificates from the lab CA
# (scripts/lab-ca.sh): a configuration that asks for TLS builds its
# context at start, and xrelocd -n checks the same; a key file that is
# not the certificate's stops both, naming the file.
set -eu
. "$(dirname "$0")/lib.sh"

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
CA=$WORK/ca
sh "$top_srcdir/scripts/lab-ca.sh" -d "$CA" ca >/dev/null 2>&1
for h in hostA hostB; do
	sh "$top_srcdir/scripts/lab-ca.sh" -d "$CA" host "$h.lab" 127.0.0.1 \
	    >/dev/null 2>&1
done

# tls_conf HOST [KEY]: the TLS lines of HOST's configuration.
tls_conf() {
	cat <<CONF
(xend-relocation-ssl-server yes)
(xend-relocation-ssl-port ${SSL_PORT:-$(free_port)})
(xend-relocation-server-ssl-cert-file $CA/$1.lab.pem)
(xend-relocation-server-ssl-key-file ${2:-$CA/$1.lab.key})
(xrelocd-relocation-ssl-ca $CA/ca.pem)
CONF
}

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
$(tls_conf hostA "$CA/hostB.lab.key")
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

# The good pair: -n accepts it.
mkdir -p "$WORK/good"
sed "/ssl/d" "$WORK/bad/xend-config.sxp" >"$WORK/good/xend-config.sxp"
tls_conf hostA >>"$WORK/good/xend-config.sxp"
check "xrelocd -n accepts the certificate and its key" \
    "$XRELOCD" -n -f "$WORK/good/xend-config.sxp"

finish
