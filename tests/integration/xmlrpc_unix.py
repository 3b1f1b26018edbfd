# Python's stdlib XML-RPC client over the daemon's unix control socket,
# for the integration tests' scripts: the transport xend's xm used, only
# with a unix socket in place of xend's.
import http.client
import socket
import xmlrpc.client


class Conn(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost")
        self.unix = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(self.unix)


class Unix(xmlrpc.client.Transport):
    def __init__(self, path):
        super().__init__()
        self.unix = path

    def make_connection(self, host):
        return Conn(self.unix)


def proxy(path, allow_none=False):
    """A ServerProxy on the control socket PATH."""
    return xmlrpc.client.ServerProxy("http://localhost/RPC2",
                                     transport=Unix(path),
                                     allow_none=allow_none)
