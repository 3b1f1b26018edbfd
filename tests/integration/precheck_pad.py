#!/usr/bin/env python3
# A peer in the middle of a migration: relays A's messages to B and back,
# but pads A's PRECHECK with one-letter atoms up to the 1 MiB message cap.
# It writes B's answer to the PRECHECK (the message type) to ANSWERED and
# holds it until the file GO exists, then relays everything as it comes.
#   precheck_pad.py PORT-FILE TARGET-PORT ANSWERED GO
import os
import select
import socket
import struct
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from peer_wire import recv_msg

MAX_LEN = 1 << 20
PRECHECK = 2


def padded(hdr, body):
    body = body.rstrip()[:-1]
    body += b" a" * ((MAX_LEN - len(body) - 1) // 2) + b")"
    return hdr[:8] + struct.pack(">I", len(body)) + body


def relay(a, b):
    peer = {a: b, b: a}
    open_ = [a, b]
    while open_:
        for s in select.select(open_, [], [])[0]:
            data = s.recv(65536)
            if data:
                peer[s].sendall(data)
                continue
            open_.remove(s)
            try:
                peer[s].shutdown(socket.SHUT_WR)
            except OSError:
                pass


def main():
    port_file, target, answered, go = sys.argv[1], int(sys.argv[2]), \
        sys.argv[3], sys.argv[4]
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    with open(port_file + ".tmp", "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(port_file + ".tmp", port_file)
    a = ls.accept()[0]
    b = socket.create_connection(("127.0.0.1", target))
    sent = False
    while True:
        s = select.select([a, b], [], [])[0][0]
        hdr, mtype, body = recv_msg(s)
        if hdr is None:
            return
        if s is a:
            if mtype == PRECHECK:
                b.sendall(padded(hdr, body))
                sent = True
            else:
                b.sendall(hdr + body)
            continue
        if sent:
            with open(answered, "w") as f:
                f.write("%d\n" % mtype)
            while not os.path.exists(go):
                time.sleep(0.1)
            a.sendall(hdr + body)
            relay(a, b)
            return
        a.sendall(hdr + body)


main()
