"""A minimal raw-protocol ZooKeeper client (python3 stdlib), for the clock proofs.

Exact control over what goes out and when: connect (ConnectRequest), create, setData, exists,
ping, closeSession, and abrupt close (no CloseSession, like a killed client). Every call has a
timeout. Replies are returned as (err, payload bytes); err 0 is OK, -118 SessionMoved, -112
SessionExpired; a connection the server closed raises ConnectionClosed.
"""
import socket
import struct
import time

CREATE, EXISTS, SETDATA, SYNC, PING, CLOSE = 1, 3, 5, 9, 11, -11
EPHEMERAL = 1
ERRORS = {0: "OK", -101: "NoNode", -110: "NodeExists", -112: "SessionExpired",
          -118: "SessionMoved", -4: "ConnectionLoss"}


class ConnectionClosed(Exception):
    pass


def _s(text):
    b = text.encode()
    return struct.pack(">i", len(b)) + b


def _buf(b):
    return struct.pack(">i", -1) if b is None else struct.pack(">i", len(b)) + b


OPEN_ACL_UNSAFE = struct.pack(">i", 1) + struct.pack(">i", 31) + _s("world") + _s("anyone")


class Client:
    def __init__(self, port, timeout_ms=10000, session_id=0, passwd=b"\0" * 16, io_timeout=20.0):
        self.port = port
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=io_timeout)
        self.sock.settimeout(io_timeout)
        self.xid = 0
        req = struct.pack(">iqiQ", 0, 0, timeout_ms, session_id) + _buf(passwd) + b"\0"
        self._send(req)
        body = self._recv()
        proto, self.timeout_ms, self.session_id = struct.unpack(">iiQ", body[:16])
        (plen,) = struct.unpack(">i", body[16:20])
        self.passwd = body[20:20 + max(plen, 0)]
        self.connected_at = time.time()
        self.last_sent = self.connected_at

    def _send(self, payload):
        self.sock.sendall(struct.pack(">i", len(payload)) + payload)
        self.last_sent = time.time()

    def _recvn(self, n):
        out = b""
        while len(out) < n:
            try:
                b = self.sock.recv(n - len(out))
            except ConnectionResetError:
                b = b""
            if not b:
                raise ConnectionClosed("server closed the connection")
            out += b
        return out

    def _recv(self):
        (n,) = struct.unpack(">i", self._recvn(4))
        return self._recvn(n)

    def call(self, op, body=b""):
        """Send one request, return (err, zxid, payload) of its reply (skipping pings/watches)."""
        if op == PING:
            xid = -2
        else:
            self.xid += 1
            xid = self.xid
        self._send(struct.pack(">ii", xid, op) + body)
        while True:
            r = self._recv()
            rxid, zxid, err = struct.unpack(">iqi", r[:16])
            if rxid == xid:
                return err, zxid, r[16:]

    def create(self, path, data=b"", flags=0):
        return self.call(CREATE, _s(path) + _buf(data) + OPEN_ACL_UNSAFE + struct.pack(">i", flags))

    def set_data(self, path, data, version=-1):
        return self.call(SETDATA, _s(path) + _buf(data) + struct.pack(">i", version))

    def exists(self, path):
        """(err, ephemeralOwner or None)"""
        err, _z, p = self.call(EXISTS, _s(path) + b"\0")
        if err != 0:
            return err, None
        # Stat: czxid mzxid ctime mtime version cversion aversion ephemeralOwner ...
        owner = struct.unpack(">Q", p[8 * 4 + 4 * 3:8 * 4 + 4 * 3 + 8])[0]
        return err, owner

    def sync(self, path="/"):
        return self.call(SYNC, _s(path))

    def ping(self):
        return self.call(PING)

    def close_session(self):
        try:
            return self.call(CLOSE)
        finally:
            self.abort()

    def abort(self):
        """Drop the TCP connection without CloseSession (what a killed client leaves behind)."""
        try:
            self.sock.close()
        except OSError:
            pass


def err_name(err):
    return "%d(%s)" % (err, ERRORS.get(err, "?"))
