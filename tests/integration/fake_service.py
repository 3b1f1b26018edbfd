#!/usr/bin/env python3
"""A service that is not xrelocd, for the clients' messages.

Usage: fake_service.py MODE PORTFILE

Listens on 127.0.0.1 (its port written to PORTFILE) and serves each
connection by MODE: http answers the first bytes with an HTTP 400 and
closes; echo sends back what it reads until the client closes; close
reads the first bytes and closes.
"""
import os
import socket
import sys
import threading


def serve(mode, conn):
    try:
        data = conn.recv(65536)
        if mode == "http" and data:
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\n"
                         b"Content-Length: 0\r\n\r\n")
        while mode == "echo" and data:
            conn.sendall(data)
            data = conn.recv(65536)
    except OSError:
        pass
    conn.close()


def main():
    mode, portfile = sys.argv[1:3]
    lis = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lis.bind(("127.0.0.1", 0))
    lis.listen(8)
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % lis.getsockname()[1])
    os.rename(portfile + ".tmp", portfile)
    while True:
        conn, _ = lis.accept()
        threading.Thread(target=serve, args=(mode, conn),
                         daemon=True).start()


if __name__ == "__main__":
    main()
