#!/usr/bin/env python3
# A peer that sends JOIN in place of HELLO on the relocation port, for an
# extra stream of migration ID with lane K and TOKEN, and prints the
# name of the message it gets back ("error", "join"), or "closed".
#   join_peer.py PORT ID LANE TOKEN
import socket
import struct
import sys

MAGIC, VERSION, JOIN = 0x58524c43, 3, 12
NAMES = {8: "error", 12: "join"}


def recv_all(s, n):
    buf = b""
    while len(buf) < n:
        part = s.recv(n - len(buf))
        if not part:
            return None
        buf += part
    return buf


def main():
    port, mid, lane, token = int(sys.argv[1]), sys.argv[2], sys.argv[3], \
        sys.argv[4]
    body = ("(join (migration %s) (lane %s) (token %s))"
            % (mid, lane, token)).encode()
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.sendall(struct.pack(">IHHI", MAGIC, VERSION, JOIN, len(body)) + body)
    hdr = recv_all(s, 12)
    if hdr is None:
        print("closed")
        return
    _, _, typ, length = struct.unpack(">IHHI", hdr)
    recv_all(s, length)
    print(NAMES.get(typ, str(typ)))


main()
