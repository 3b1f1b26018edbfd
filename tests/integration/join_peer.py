#!/usr/bin/env python3
# A peer that sends JOIN in place of HELLO on the relocation port, for an
# extra stream of migration ID with lane K and TOKEN, and prints the
# name of the message it gets back ("error", "join"), or "closed".
#   join_peer.py PORT ID LANE TOKEN
import socket
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from peer_wire import msg, recv_msg

JOIN = 12
NAMES = {8: "error", 12: "join"}


def main():
    port, mid, lane, token = int(sys.argv[1]), sys.argv[2], sys.argv[3], \
        sys.argv[4]
    body = ("(join (migration %s) (lane %s) (token %s))"
            % (mid, lane, token)).encode()
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.sendall(msg(JOIN, body))
    hdr, typ, _ = recv_msg(s)
    if hdr is None:
        print("closed")
        return
    print(NAMES.get(typ, str(typ)))


main()
