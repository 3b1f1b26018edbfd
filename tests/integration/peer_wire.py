# The relocation protocol's framing for the tests' own peers (a source in
# the middle, a JOIN sender): a 12-byte big-endian header, magic "XRLC",
# version, message type and body length, then the body (libreloc/proto.c).
import struct

MAGIC, VERSION, MSG_HDR = 0x58524c43, 3, 12


def recv_exact(s, n):
    """n bytes from socket s, or None when it closes first."""
    buf = b""
    while len(buf) < n:
        got = s.recv(n - len(buf))
        if not got:
            return None
        buf += got
    return buf


def recv_msg(s):
    """(header, type, body) of the next message, or (None, None, None)."""
    hdr = recv_exact(s, MSG_HDR)
    if hdr is None:
        return None, None, None
    _, _, mtype, blen = struct.unpack(">IHHI", hdr)
    return hdr, mtype, recv_exact(s, blen)


def msg(mtype, body):
    """A message of mtype with body (bytes)."""
    return struct.pack(">IHHI", MAGIC, VERSION, mtype, len(body)) + body
