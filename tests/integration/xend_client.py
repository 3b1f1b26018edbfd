#!/usr/bin/env python3
# The daemon driven as xend's own xm (Xen 3.3 to 4.4) drove xend: Python's
# stdlib ServerProxy with allow_none, over the control socket.  Arguments
# are Python literals, sent as Python sends them (1 an int, None nil).
#   xend_client.py SOCKET migrate DOM DST LIVE PORT NODE SSL CHS
#       xend.domain.migrate: prints "ok RESULT", or "fault CODE MESSAGE"
#       and exits 1
#   xend_client.py SOCKET options STRUCT
#       xrelocd.migrate with that dict: "ok JOB" or the fault
#   xend_client.py SOCKET jobs
#       one line per job: "JOB ROLE DOMAIN live=BOOL STATUS"
import ast
import sys
import xmlrpc.client

from xmlrpc_unix import proxy


def call(fn, *args):
    try:
        res = fn(*args)
    except xmlrpc.client.Fault as f:
        print("fault", f.faultCode, f.faultString)
        return 1
    print("ok", res["job"] if isinstance(res, dict) else res)
    return 0


def main():
    server = proxy(sys.argv[1], allow_none=True)
    verb, args = sys.argv[2], [ast.literal_eval(a) for a in sys.argv[3:]]
    if verb == "migrate":
        # xm's own call: server.xend.domain.migrate(dom, dst, live, port,
        # node, ssl, chs)
        return call(server.xend.domain.migrate, *args)
    if verb == "options":
        return call(server.xrelocd.migrate, *args)
    for j in server.xrelocd.job.list():
        print(j["job"], j["role"], j["domain"], "live=%s" % j["live"],
              j["status"])
    return 0


sys.exit(main())
