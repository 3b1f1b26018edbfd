#!/usr/bin/env python3
# A source in the middle: relays A's migration to B, but on the first
# connection, once STREAM went out, changes A's frames as MODE says:
#   window    the first HISTORY frame's zstd window descriptor says 128 MiB
#   flag-on   the HISTORY flag on each zstd frame (a lane without history)
#   flag-off  the HISTORY flag off each zstd frame (a lane with history)
#   expand    the second HISTORY frame claims one byte less than it
#             decodes to, with the hash of the bytes it claims
# The other connections (JOIN lanes) are relayed as they come.  It writes
# its port to PORT-FILE, and "changed seq N" to stderr for each frame.
# Exits 77 when libzstd or libxxhash cannot be loaded; with --check, 0
# when they can.
#   frame_tamper.py PORT-FILE TARGET-PORT MODE | --check
import ctypes
import ctypes.util
import os
import socket
import struct
import sys
import threading

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from peer_wire import recv_exact, recv_msg

STREAM, FRAME_HDR = 4, 32
END, HISTORY, ZSTD = 1, 2, 2
WINDOW_LOG = 27


class Buf(ctypes.Structure):
    _fields_ = [("p", ctypes.c_void_p), ("size", ctypes.c_size_t),
                ("pos", ctypes.c_size_t)]


def libs():
    z, x = ctypes.util.find_library("zstd"), ctypes.util.find_library(
        "xxhash")
    if z is None or x is None:
        sys.exit(77)
    z, x = ctypes.CDLL(z), ctypes.CDLL(x)
    z.ZSTD_createDCtx.restype = ctypes.c_void_p
    z.ZSTD_decompressStream.restype = ctypes.c_size_t
    z.ZSTD_decompressStream.argtypes = [ctypes.c_void_p, ctypes.c_void_p,
                                        ctypes.c_void_p]
    z.ZSTD_isError.argtypes = [ctypes.c_size_t]
    x.XXH3_64bits.restype = ctypes.c_uint64
    x.XXH3_64bits.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
    return z, x


ZSTD_LIB, XXH_LIB = libs()


def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    try:
        dst.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def unzstd(dctx, enc, raw_len):
    """The raw_len bytes a HISTORY frame decodes to on the lane's stream."""
    inb = ctypes.create_string_buffer(enc, len(enc))
    outb = ctypes.create_string_buffer(raw_len)
    i = Buf(ctypes.cast(inb, ctypes.c_void_p), len(enc), 0)
    o = Buf(ctypes.cast(outb, ctypes.c_void_p), raw_len, 0)
    while o.pos < raw_len:
        r = ZSTD_LIB.ZSTD_decompressStream(dctx, ctypes.byref(o),
                                           ctypes.byref(i))
        if ZSTD_LIB.ZSTD_isError(r):
            raise ValueError("the source's frame does not decompress")
    return outb.raw


def change(mode, fh, enc, raw, history):
    """Change the frame as mode says; whether it did."""
    flags = fh[5]
    if mode == "window" and flags & HISTORY and history == 1:
        # zstd's magic (4 bytes), frame header descriptor, window
        enc[5] = (WINDOW_LOG - 10) << 3
    elif mode == "flag-on" and fh[4] == ZSTD and not flags & HISTORY:
        fh[5] |= HISTORY
    elif mode == "flag-off" and flags & HISTORY:
        fh[5] &= ~HISTORY & 0xff
    elif mode == "expand" and flags & HISTORY and history == 2:
        fh[16:20] = struct.pack(">I", len(raw) - 1)
        fh[24:32] = struct.pack(">Q", XXH_LIB.XXH3_64bits(raw[:-1],
                                                          len(raw) - 1))
    else:
        return False
    return True


def tamper(a, b, mode):
    dctx = ZSTD_LIB.ZSTD_createDCtx()
    history = 0
    while True:
        hdr, mtype, body = recv_msg(a)
        if hdr is None:
            return
        b.sendall(hdr + (body or b""))
        if mtype == STREAM:
            break
    while True:
        fh = recv_exact(a, FRAME_HDR)
        if fh is None:
            return
        fh = bytearray(fh)
        raw_len, enc_len = struct.unpack(">II", fh[16:24])
        enc = bytearray(recv_exact(a, enc_len) or b"")
        if fh[5] & END:
            b.sendall(bytes(fh))
            break
        raw = b""
        if fh[5] & HISTORY:
            history += 1
            raw = unzstd(dctx, bytes(enc), raw_len)
        if change(mode, fh, enc, raw, history):
            sys.stderr.write("changed seq %d\n" %
                             struct.unpack(">Q", fh[8:16])[0])
        b.sendall(bytes(fh) + bytes(enc))
    pump(a, b)


def lane(a, target, first, mode):
    try:
        b = socket.create_connection(("127.0.0.1", target))
    except OSError:
        a.close()
        return
    threading.Thread(target=pump, args=(b, a), daemon=True).start()
    try:
        if first:
            tamper(a, b, mode)
        else:
            pump(a, b)
    except (OSError, ValueError):
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def main():
    if sys.argv[1] == "--check":
        return
    port_file, target, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)
    with open(port_file + ".tmp", "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(port_file + ".tmp", port_file)
    first = True
    while True:
        a = ls.accept()[0]
        threading.Thread(target=lane, args=(a, target, first, mode),
                         daemon=True).start()
        first = False


main()
