#!/bin/sh
# The speed of a migration over TLS, on loopback, with the references
# measured in the same run on the same bytes (an idle sim domain's
# memory, 2 GiB by default), the median of RUNS runs each:
#  1. raw TCP: bench/tcpraw sends MiB from populated memory into fresh
#     memory, as a migration must at least; and from one warm 4 MiB
#     buffer into another (no fresh memory: the bound of the ssh pipe);
#  2. an ssh pipe as xl migrate uses one: the domain's memory file into
#     "ssh -o Compression=no localhost cat >/dev/null", through a
#     throwaway sshd on 127.0.0.1 (its own host and user keys in a
#     temporary directory);
#  3. xrelocd moving the idle domain plain (xm migrate -l);
#  4. the same over TLS (xm migrate -l -s), certificates from
#     scripts/lab-ca.sh.
# Prints MB/s and seconds for each, the goals of the TLS stream (at least
# 3 times the ssh pipe, at least 80% of plain; the median of each run's
# ratio) with pass or miss, the ssh cipher, and the TLS version, cipher
# and kernel TLS use the daemons logged.  For the two moves, the CPU
# seconds (user + system) both daemons and their workers spent per GiB
# moved: unlike MB/s, hardly moved by other load on the machine; and
# what the cipher alone costs per GiB, encrypted once and decrypted once
# (openssl speed on 16 KiB blocks, as TLS records are), so that plain's
# CPU plus that is what TLS cannot go below.  Installs openssh-server and
# openssh-client if missing (root).
# Usage: sh bench/tls.sh [-n RUNS] [-m MiB]   (defaults: 3 runs, 2048 MiB)
set -eu

RUNS=3
MIB=2048
while getopts n:m: opt; do
	case $opt in
	n) RUNS=$OPTARG ;;
	m) MIB=$OPTARG ;;
	*) echo "usage: sh bench/tls.sh [-n RUNS] [-m MiB]" >&2; exit 2 ;;
	esac
done

top=$(cd "$(dirname "$0")/.." && pwd)
sh "$top/scripts/setup.sh" >/dev/null
top_builddir=${XRELOCD_BUILD:-$top/_build}
make -C "$top_builddir/bench" tcpraw >/dev/null
if ! command -v ssh >/dev/null || [ ! -x /usr/sbin/sshd ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    openssh-server openssh-client >/dev/null
fi
# shellcheck source=../tests/integration/lib.sh
. "$top/tests/integration/lib.sh"

SSHD_PID=""
bench_cleanup() {
	[ -z "$SSHD_PID" ] || kill "$SSHD_PID" 2>/dev/null || true
	cleanup
}
trap bench_cleanup EXIT INT TERM

# median FILE: of the numbers in FILE, one a line.
median() {
	python3 -c 'import statistics, sys
print(statistics.median(float(l) for l in open(sys.argv[1])))' "$1"
}

now_ns() { date +%s%N; }

# The throwaway sshd: keys, configuration and pid in $WORK/ssh.
SSH=$WORK/ssh
mkdir -p "$SSH" /run/sshd
ssh-keygen -q -t ed25519 -N "" -f "$SSH/host_key"
ssh-keygen -q -t ed25519 -N "" -f "$SSH/user_key"
cp "$SSH/user_key.pub" "$SSH/authorized_keys"
SSH_PORT=$(free_port)
cat >"$SSH/sshd_config" <<CONF
Port $SSH_PORT
ListenAddress 127.0.0.1
HostKey $SSH/host_key
AuthorizedKeysFile $SSH/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile $SSH/sshd.pid
CONF
/usr/sbin/sshd -D -e -f "$SSH/sshd_config" 2>"$SSH/log" &
SSHD_PID=$!
ssh_to() {
	ssh -o Compression=no -o BatchMode=yes -o StrictHostKeyChecking=no \
	    -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
	    -i "$SSH/user_key" -p "$SSH_PORT" 127.0.0.1 "$@"
}
wait_for "the bench's sshd" "$WAIT" ssh_to true 2>/dev/null

# Two hosts with TLS ports and certificates for 127.0.0.1.  Snapshots
# would add copies to the timings: the benchmark hosts take none.
CA=$WORK/ca
lab() { sh "$top/scripts/lab-ca.sh" -d "$CA" "$@" >/dev/null 2>&1; }
lab ca
lab host hostA.lab 127.0.0.1
lab host hostB.lab 127.0.0.1
tls_conf() {
	cat <<CONF
(xend-relocation-ssl-server yes)
(xend-relocation-ssl-port $2)
(xend-relocation-server-ssl-cert-file $CA/$1.pem)
(xend-relocation-server-ssl-key-file $CA/$1.key)
(xrelocd-relocation-ssl-ca $CA/ca.pem)
CONF
}
ASSL=$(free_port)
BSSL=$(free_port)
host_facts A "(snapshot no)"
host_facts B "(snapshot no)"
start_host A "$(tls_conf hostA.lab "$ASSL")"
start_host B "$(tls_conf hostB.lab "$BSSL")"
sim_on A create idle --memory "$MIB" --dirty-rate 0 >/dev/null

# ticks H: CPU clock ticks of H's daemon and of its workers, once reaped.
ticks() {
	awk '{ print $14 + $15 + $16 + $17 }' \
	    "/proc/$(cat "$WORK/$1/daemon.pid")/stat"
}
# workers: how many children the two daemons have (a worker is reaped a
# little after xm is told the move is over).
workers() {
	{ pgrep -P "$(cat "$WORK/A/daemon.pid")"
	  pgrep -P "$(cat "$WORK/B/daemon.pid")"; } | wc -l
}
reaped() { [ "$(workers)" -eq 0 ]; }
TCK=$(getconf CLK_TCK)

# move KIND: the domain to the other host, plain or tls; its MB/s,
# seconds and CPU seconds per GiB to $WORK/KIND.mbs, .s and .cpu.
FROM=A TO=B
move() {
	kind=$1
	if [ "$kind" = tls ]; then
		port=$(if [ $TO = A ]; then echo "$ASSL"; else echo "$BSSL"; fi)
		set -- -s
	else
		port=$(port_of $TO)
		set --
	fi
	wait_for "the workers of the move before" "$WAIT" reaped
	t0=$(($(ticks A) + $(ticks B)))
	xm_on $FROM migrate --json -l "$@" -p "$port" idle 127.0.0.1 \
	    >"$WORK/xm.out" 2>"$WORK/xm.err" || {
		cat "$WORK/xm.out" "$WORK/xm.err" >&2
		exit 1
	}
	wait_for "the workers of the move" "$WAIT" reaped
	t1=$(($(ticks A) + $(ticks B)))
	ms=$(json summary total-ms)
	bytes=$(json summary stream-bytes)
	echo "$bytes" >"$WORK/stream-bytes"
	python3 -c "print($bytes / ($ms / 1000.0) / 1e6)" >>"$WORK/$kind.mbs"
	python3 -c "print($ms / 1000.0)" >>"$WORK/$kind.s"
	python3 -c "print(($t1 - $t0) / $TCK / ($bytes / 2.0**30))" \
	    >>"$WORK/$kind.cpu"
	t=$FROM FROM=$TO TO=$t
}

bytes=$((MIB << 20))
load0=$(cut -d' ' -f1-3 /proc/loadavg)
i=0
while [ $i -lt "$RUNS" ]; do
	# The domain's memory (on A again after each pair of moves): the
	# bytes the ssh pipe carries.
	for mem in "$WORK"/A/sim/dom/*/memory; do
		break
	done
	for how in mem hot; do
		mbs=$("$top_builddir/bench/tcpraw" $how "$MIB")
		echo "$mbs" >>"$WORK/tcp$how.mbs"
		python3 -c "print($bytes / ($mbs * 1e6))" >>"$WORK/tcp$how.s"
	done
	t0=$(now_ns)
	ssh_to 'cat >/dev/null' <"$mem"
	t1=$(now_ns)
	python3 -c "print($bytes / (($t1 - $t0) / 1e3))" >>"$WORK/ssh.mbs"
	python3 -c "print(($t1 - $t0) / 1e9)" >>"$WORK/ssh.s"
	move plain
	move tls
	i=$((i + 1))
done

ssh_cipher=$(ssh_to -v true 2>&1 |
    sed -n 's/.*kex: client->server cipher: \([^ ]*\).*/\1/p' | head -n 1)
tls_line=$(grep -h "stream over TLS" "$WORK/A/log" "$WORK/B/log" |
    tail -n 1 | sed 's/.*stream over //')

echo "## $MIB MiB over loopback, median of $RUNS runs; $(nproc) cpus," \
    "load $load0 before, $(cut -d' ' -f1-3 /proc/loadavg) after"
printf '%-44s %10s %10s %10s\n' "" "MB/s" "seconds" "CPU s/GiB"
row() {
	printf '%-44s %10.0f %10.2f' "$1" "$(median "$WORK/$2.mbs")" \
	    "$(median "$WORK/$2.s")"
	if [ -f "$WORK/$2.cpu" ]; then
		printf ' %10.2f\n' "$(median "$WORK/$2.cpu")"
	else
		printf ' %10s\n' -
	fi
}
row "raw TCP into fresh memory (tcpraw mem)" tcpmem
row "raw TCP, warm buffers (tcpraw hot)" tcphot
row "ssh pipe ($ssh_cipher)" ssh
row "xrelocd plain (xm migrate -l)" plain
row "xrelocd TLS (xm migrate -l -s)" tls
echo "xrelocd stream: $(cat "$WORK/stream-bytes") bytes"
echo "TLS: $tls_line"
# The cipher alone, as openssl names the suite's: MB/s one way.
case $tls_line in
*AES_128_GCM*) evp=aes-128-gcm ;;
*AES_256_GCM*) evp=aes-256-gcm ;;
*CHACHA20*) evp=chacha20-poly1305 ;;
*) evp="" ;;
esac
speed() {
	openssl speed -elapsed -seconds 1 -bytes 16384 "$@" -evp "$evp" \
	    2>/dev/null | awk 'END { print $2 / 1000 }'	# 1000s of B/s
}
if [ -n "$evp" ]; then
	enc=$(speed)
	dec=$(speed -decrypt)
	python3 - "$evp" "$enc" "$dec" "$(median "$WORK/plain.cpu")" <<'PY'
import sys
enc, dec, plain = (float(a) for a in sys.argv[2:])
crypto = 2**30 / 1e6 / enc + 2**30 / 1e6 / dec
print("%s alone (openssl speed, 16 KiB): %.0f MB/s encrypt, %.0f decrypt:"
    % (sys.argv[1], enc, dec))
print("  %.2f CPU s/GiB; plain's CPU + that, the floor of TLS's: %.2f"
    % (crypto, plain + crypto))
PY
fi
# The goals as the median of each run's ratios: the moves of a run are
# back to back, so a load that changes between runs weighs less.
python3 - "$WORK" <<'PY'
import statistics, sys
def runs(kind):
    return [float(l) for l in open("%s/%s.mbs" % (sys.argv[1], kind))]
tls, ssh, plain = runs("tls"), runs("ssh"), runs("plain")
for name, ref, goal in (("TLS / ssh", ssh, 3.0), ("TLS / plain", plain, 0.8)):
    r = statistics.median(t / x for t, x in zip(tls, ref))
    print("%-44s %10.2f   goal >= %.1f: %s" % (name + ", median of runs", r,
        goal, "pass" if r >= goal else "miss"))
PY
