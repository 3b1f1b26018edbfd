# Copyright (c) 2026 The xrelocd developers
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
# WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
# MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
# ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
# WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
# ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
# OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
#
# Reads "tcpdump -nn -x" output and checks every packet is EtherIP as RFC
# 3378 puts it on the wire: IP protocol 97 (IPv4 byte 9, IPv6 byte 6) and
# the two bytes after the IP header 0x30 0x00.  fam is 4 or 6.  Prints one
# line per packet; exits 1 at the first packet that does not conform.

function check(   ihl, proto, off) {
	if (n == 0)
		return
	if (fam == 4) {
		ihl = (index("0123456789abcdef", substr(b[0], 2, 1)) - 1) * 4
		proto = b[9]
		off = ihl
	} else {
		proto = b[6]
		off = 40
	}
	if (proto != "61" || b[off] != "30" || b[off + 1] != "00") {
		printf "not etherip: proto 0x%s header 0x%s%s\n", proto,
		    b[off], b[off + 1]
		bad = 1
		exit 1
	}
	printf "etherip: proto 97 header 0x%s%s\n", b[off], b[off + 1]
	n = 0
}

/^[0-9]/ { check(); next }

/^\t0x/ {
	for (i = 2; i <= NF; i++) {
		b[n++] = substr($i, 1, 2)
		if (length($i) == 4)
			b[n++] = substr($i, 3, 2)
	}
}

END {
	if (!bad)
		check()
}
