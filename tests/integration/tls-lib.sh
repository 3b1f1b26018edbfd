# Certificates for the TLS tests, from the lab CA (scripts/lab-ca.sh):
# hostA.lab and hostB.lab for 127.0.0.1, hostC.lab for another address,
# hostA.lab expired and not yet valid, one from an unknown CA; and
# tls_conf, the TLS lines of a daemon's configuration.  Sourced after
# lib.sh.  POSIX sh.
# shellcheck shell=sh

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
CA=$WORK/ca
sh "$top_srcdir/scripts/lab-ca.sh" -d "$CA" ca >/dev/null 2>&1
lab() { sh "$top_srcdir/scripts/lab-ca.sh" -d "$CA" "$@" >/dev/null 2>&1; }
lab host hostA.lab 127.0.0.1
lab host hostB.lab 127.0.0.1
# Another host's certificate: valid, but not for 127.0.0.1.
lab host hostC.lab 192.0.2.3
lab -o expired -s 20200101000000Z -e 20210101000000Z host hostA.lab 127.0.0.1
lab -o notyet -s 20990101000000Z -e 21000101000000Z host hostA.lab 127.0.0.1
lab -d "$CA/other" ca
lab -d "$CA/other" -o unknown host hostA.lab 127.0.0.1
cp "$CA/other/unknown.pem" "$CA/other/unknown.key" "$CA/"

# tls_conf CERT [KEY]: the TLS lines of a configuration, CERT.pem and
# KEY (CERT.key) in $CA.
tls_conf() {
	cat <<CONF
(xend-relocation-ssl-server yes)
(xend-relocation-ssl-port ${SSL_PORT:-$(free_port)})
(xend-relocation-server-ssl-cert-file $CA/$1.pem)
(xend-relocation-server-ssl-key-file ${2:-$CA/$1.key})
(xrelocd-relocation-ssl-ca $CA/ca.pem)
CONF
}

