"""Clients for system tests, standard library only: socket records by hand,
one end of a FIFO pair as Python's multiprocessing.connection opens it (the
way mpservice.pipe does), a keep-alive HTTP connection, raw HTTP bytes, and
curl."""
import http.client
import json
import os
import socket
import subprocess
from multiprocessing.connection import Connection


def record(rid, payload, encoder="json"):
    if isinstance(payload, str):
        payload = payload.encode()
    return f"{rid} {len(payload)} {encoder}\n".encode() + payload


def call_record(rid, path, data):
    return record(rid, json.dumps([path, data]))


class RawConnection:
    """A socket speaking records by hand."""

    def __init__(self, address, family=socket.AF_UNIX):
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.settimeout(10)
        self.sock.connect(address)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("closed")
        self.buf += chunk

    def read_record(self):
        while b"\n" not in self.buf:
            self._fill()
        header, self.buf = self.buf.split(b"\n", 1)
        rid, length, encoder = header.decode().split(" ")
        while len(self.buf) < int(length):
            self._fill()
        payload, self.buf = self.buf[:int(length)], self.buf[int(length):]
        return rid, encoder, payload

    def read_json(self):
        rid, encoder, payload = self.read_record()
        return rid, encoder, json.loads(payload)

    def is_closed(self):
        """True when the server closed the connection (after what it sent)."""
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
                self.buf += chunk
        except ConnectionResetError:
            return True  # closed with our unread bytes still in its buffer
        except socket.timeout:
            return False

    def close(self):
        self.sock.close()


def python_end(path, side):
    """(reader, writer) Connections for `side` 'client' or 'server'."""
    if side == "client":
        read_path, write_path = path + ".2", path + ".1"
    else:
        read_path, write_path = path + ".1", path + ".2"
    for p in (read_path, write_path):
        try:
            os.mkfifo(p, 0o600)  # private, as the service insists
        except FileExistsError:
            pass
    writer = Connection(os.open(write_path, os.O_RDWR), readable=False)
    reader = Connection(os.open(read_path, os.O_RDONLY), writable=False)
    return reader, writer


def curl(*args, timeout=30):
    p = subprocess.run(["curl", "-s", "-S", *args], capture_output=True, text=True,
                       timeout=timeout)
    return p.returncode, p.stdout, p.stderr


class Http:
    """One keep-alive connection."""

    def __init__(self, endpoint, timeout=10):
        host, port = endpoint.rsplit(":", 1)
        self.conn = http.client.HTTPConnection(host, int(port), timeout=timeout)

    def call(self, method, path, body=None, headers=None):
        data = None if body is None else json.dumps(body)
        self.conn.request(method, path, body=data, headers=headers or {})
        r = self.conn.getresponse()
        raw = r.read()
        return r.status, dict(r.getheaders()), raw

    def json(self, method, path, body=None):
        status, headers, raw = self.call(method, path, body)
        return status, json.loads(raw) if raw else None

    def close(self):
        self.conn.close()


def raw_exchange(endpoint, data, timeout=10):
    """Sends bytes, returns all bytes until the server closes."""
    host, port = endpoint.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=timeout) as s:
        s.sendall(data)
        out = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
        except (ConnectionResetError, socket.timeout):
            pass
        return out
