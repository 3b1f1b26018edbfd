#!/usr/bin/env python3
"""A proxy for one TCP connection that holds the server's answer.

Usage: tls_hold.py PORTFILE TARGET-PORT HELD-FILE RELEASE-FILE

Listens on 127.0.0.1 (its port written to PORTFILE), connects the first
client to TARGET-PORT, and forwards the client's bytes at once.  What the
server sends is held (HELD-FILE is created when the first bytes are)
until RELEASE-FILE exists; from then on both ways go through, until
either end closes.  A TLS client through it has sent its ClientHello and
waits for the rest of the handshake while the server has answered.
"""
import os
import select
import socket
import sys


def main():
    portfile, target, held, release = sys.argv[1:5]
    lis = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lis.bind(("127.0.0.1", 0))
    lis.listen(1)
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % lis.getsockname()[1])
    os.rename(portfile + ".tmp", portfile)
    client, _ = lis.accept()
    server = socket.create_connection(("127.0.0.1", int(target)))
    pending = b""
    released = False
    while True:
        ready, _, _ = select.select([client, server], [], [], 0.1)
        if client in ready:
            data = client.recv(65536)
            if not data:
                break
            server.sendall(data)
        if server in ready:
            data = server.recv(65536)
            if not data:
                break
            if released:
                client.sendall(data)
            else:
                if not pending:
                    open(held, "w").close()
                pending += data
        if not released and os.path.exists(release):
            released = True
            client.sendall(pending)
            pending = b""
    client.close()
    server.close()


if __name__ == "__main__":
    main()
