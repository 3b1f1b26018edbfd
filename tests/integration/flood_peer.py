#!/usr/bin/env python3
# A hostile peer of the relocation port: from one source address, open
# connections as fast as they go and never send a byte, keeping the last
# HOLD of them open, until the file STOP exists.  Prints the number of
# connections it opened.
#   flood_peer.py SOURCE-ADDRESS PORT HOLD STOP
import os
import socket
import sys


def main():
    src, port, hold, stop = sys.argv[1], int(sys.argv[2]), \
        int(sys.argv[3]), sys.argv[4]
    held = []
    opened = 0
    while not os.path.exists(stop):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(1)
        try:
            s.bind((src, 0))
            s.connect(("127.0.0.1", port))
        except OSError:
            s.close()
            continue
        opened += 1
        held.append(s)
        if len(held) > hold:
            held.pop(0).close()
    for s in held:
        s.close()
    print(opened)


main()
