#!/bin/sh
# A small certificate authority for a lab of xrelocd hosts, with the
# openssl command only.  Files go to DIR (-d, default ./lab-ca).
#
#   lab-ca.sh [-d DIR] ca                  the CA: ca.key ca.pem crl.pem
#   lab-ca.sh [-d DIR] [-o OUT] [-s START -e END] [-u EKU] host NAME
#             [ADDRESS...]                 a host: OUT.key OUT.pem (OUT
#                                          defaults to NAME), subjectAltName
#                                          DNS:NAME and IP:ADDRESS...,
#                                          extendedKeyUsage EKU (default
#                                          serverAuth,clientAuth)
#   lab-ca.sh [-d DIR] revoke OUT          revoke OUT.pem, rewrite crl.pem
#   lab-ca.sh [-d DIR] -o OUT -s START -e END crl
#                                          a CRL OUT.pem for those dates
#   lab-ca.sh pin CERT                     the SPKI sha256 of CERT, for
#                                          xrelocd-relocation-ssl-pin
#   lab-ca.sh [-d DIR] testset             what tests/check_tls uses
#
# START and END are UTC times YYYYMMDDHHMMSSZ (openssl ca -startdate,
# -enddate); without them a host certificate is valid from now for 825
# days.  Verbs that made their files already do nothing again.  Exit
# status: 0 done, 1 openssl failed, 2 usage.
set -eu

dir=./lab-ca
out=""
start=""
end=""
eku=serverAuth,clientAuth

usage() {
	sed -n '5,17s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

fatal() {
	echo "lab-ca: $*" >&2
	exit 1
}

# The CA's openssl configuration, in DIR.
ca_conf() {
	cat >"$dir/ca.cnf" <<CNF
[ ca ]
default_ca = lab
[ lab ]
dir = .
database = index.txt
serial = serial
crlnumber = crlnumber
new_certs_dir = issued
certificate = ca.pem
private_key = ca.key
default_md = sha256
default_days = 825
default_crl_days = 3650
policy = anything
unique_subject = no
[ anything ]
commonName = supplied
CNF
}

ca() {
	mkdir -p "$dir"
	[ -f "$dir/ca.pem" ] && return 0
	(
		cd "$dir"
		mkdir -p issued
		: >index.txt
		echo 1000 >serial
		echo 1000 >crlnumber
		echo "unique_subject = no" >index.txt.attr
		umask 077
		openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
		    -out ca.key 2>/dev/null
		umask 022
		openssl req -x509 -new -key ca.key -sha256 -days 3650 \
		    -subj "/CN=xrelocd lab CA $(basename "$PWD")" -out ca.pem \
		    -addext "basicConstraints=critical,CA:TRUE" \
		    -addext "keyUsage=critical,keyCertSign,cRLSign"
	) || fatal "cannot make the CA in $dir"
	ca_conf
	crl
}

crl() {
	(cd "$dir" && openssl ca -batch -config ca.cnf -gencrl \
	    -out crl.pem 2>/dev/null) || fatal "cannot write $dir/crl.pem"
}

# A CRL with the dates given, for the tests of an expired one.
dated_crl() {
	[ -n "$out" ] && [ -n "$start" ] && [ -n "$end" ] || usage
	(cd "$dir" && openssl ca -batch -config ca.cnf -gencrl \
	    -crl_lastupdate "$start" -crl_nextupdate "$end" \
	    -out "$out.pem" 2>/dev/null) || fatal "cannot write $dir/$out.pem"
}

host() {
	[ $# -ge 1 ] || usage
	name=$1
	shift
	o=${out:-$name}
	[ -f "$dir/ca.pem" ] || fatal "no CA in $dir: run lab-ca.sh ca first"
	[ -f "$dir/$o.pem" ] && return 0
	san="DNS:$name"
	for a in "$@"; do
		san="$san,IP:$a"
	done
	dates=""
	[ -n "$start" ] && dates="-startdate $start"
	[ -n "$end" ] && dates="$dates -enddate $end"
	(
		cd "$dir"
		printf '%s\n' "basicConstraints=CA:FALSE" \
		    "keyUsage=critical,digitalSignature" \
		    "extendedKeyUsage=$eku" \
		    "subjectAltName=$san" >"$o.ext"
		umask 077
		openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
		    -out "$o.key" 2>/dev/null
		umask 022
		openssl req -new -key "$o.key" -subj "/CN=$name" \
		    -out "$o.csr"
		# shellcheck disable=SC2086 # dates are words
		openssl ca -batch -config ca.cnf -notext -in "$o.csr" \
		    -out "$o.pem" -extfile "$o.ext" $dates 2>/dev/null
		rm -f "$o.csr" "$o.ext"
	) || fatal "cannot make the certificate $dir/$o.pem"
}

revoke() {
	[ $# -eq 1 ] || usage
	[ -f "$dir/$1.pem" ] || fatal "no certificate $dir/$1.pem"
	serial=$(openssl x509 -in "$dir/$1.pem" -noout -serial | cut -d= -f2)
	if ! grep -q "^R.*	$serial	" "$dir/index.txt"; then
		(cd "$dir" && openssl ca -batch -config ca.cnf \
		    -revoke "$1.pem" 2>/dev/null) ||
		    fatal "cannot revoke $dir/$1.pem"
	fi
	crl
}

pin() {
	[ $# -eq 1 ] || usage
	openssl x509 -in "$1" -pubkey -noout |
	    openssl pkey -pubin -outform der | openssl dgst -sha256 |
	    sed 's/^.*= //'
}

# Three hosts on documentation addresses, and each way to be refused.
testset() {
	top=$dir
	ca
	host hostA.lab 192.0.2.1
	host hostB.lab 192.0.2.2
	host hostC.lab 192.0.2.3
	out=expired start=20200101000000Z end=20210101000000Z
	host hostB.lab 192.0.2.2
	out=notyet start=20990101000000Z end=21000101000000Z
	host hostB.lab 192.0.2.2
	out=revoked start="" end=""
	host hostB.lab 192.0.2.2
	revoke revoked
	out=server-only eku=serverAuth
	host hostA.lab 192.0.2.1
	out=client-only eku=clientAuth
	host hostA.lab 192.0.2.1
	out=crl-expired start=20200101000000Z end=20210101000000Z
	[ -f "$dir/crl-expired.pem" ] || dated_crl
	dir=$top/other out=unknown start="" end="" eku=serverAuth,clientAuth
	ca
	host hostB.lab 192.0.2.2
	dir=$top out=""
	cp "$dir/other/unknown.pem" "$dir/other/unknown.key" "$dir/"
}

while getopts d:o:s:e:u: opt; do
	case $opt in
	u) eku=$OPTARG ;;
	d) dir=$OPTARG ;;
	o) out=$OPTARG ;;
	s) start=$OPTARG ;;
	e) end=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || usage
command -v openssl >/dev/null || fatal "no openssl command: install openssl"
verb=$1
shift
case $verb in
ca) [ $# -eq 0 ] || usage; ca ;;
host) host "$@" ;;
revoke) revoke "$@" ;;
crl) [ $# -eq 0 ] || usage; dated_crl ;;
pin) pin "$@" ;;
testset) [ $# -eq 0 ] || usage; testset ;;
*) usage ;;
esac
