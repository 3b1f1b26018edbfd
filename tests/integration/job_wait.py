#!/usr/bin/env python3
# xrelocd.job.wait over the control socket, with Python's own XML-RPC
# client, as a script of an admin would call it.
#   job_wait.py SOCKET wait JOB SEEN TIMEOUT
#       prints "VERSION STATE EXIT", or "fault CODE MESSAGE" and exits 1
#   job_wait.py SOCKET hangup JOB SEEN LOG
#       parks a wait, and once LOG says it waits, closes the connection
import socket
import sys
import time
import xmlrpc.client

from xmlrpc_unix import proxy

PARKED = "a call waits for job %s to change"


def parked(log, job):
    with open(log, errors="replace") as f:
        return f.read().count(PARKED % job)


def wait(path, job, seen, timeout):
    server = proxy(path)
    try:
        st = server.xrelocd.job.wait(job, seen, timeout)
    except xmlrpc.client.Fault as f:
        print("fault", f.faultCode, f.faultString)
        return 1
    print(st["version"], st["status"], st["outcome"])
    return 0


def hangup(path, job, seen, log):
    before = parked(log, job)
    body = xmlrpc.client.dumps((job, seen, 300), "xrelocd.job.wait")
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    s.sendall(("POST /RPC2 HTTP/1.1\r\nHost: localhost\r\n"
               "Content-Type: text/xml\r\nContent-Length: %d\r\n\r\n%s" %
               (len(body.encode()), body)).encode())
    deadline = time.time() + 60
    while parked(log, job) == before:
        if time.time() > deadline:
            print("the call was never parked")
            return 1
        time.sleep(0.1)
    s.close()
    return 0


def main():
    path, verb, job, seen = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
        int(sys.argv[4])
    if verb == "wait":
        return wait(path, job, seen, int(sys.argv[5]))
    return hangup(path, job, seen, sys.argv[5])


sys.exit(main())
