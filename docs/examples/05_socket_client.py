"""A client of 05_socket_service over its Unix socket, with Python's standard
library alone: copy this file and change the calls. Each request and each
response is a record, `<id> <length> <encoder>\\n<payload>` (docs/protocol.md).

Usage: python3 05_socket_client.py SOCKET_PATH [--shutdown]"""
import itertools
import json
import socket
import sys


class RemoteError(Exception):
    """The service answered an error: `type` to branch on, `message` to read."""

    def __init__(self, type, message):
        super().__init__(f"{type}: {message}")
        self.type, self.message = type, message


class Connection:
    def __init__(self, path, timeout=10):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.reader = self.sock.makefile("rb")
        self.ids = (str(i) for i in itertools.count(1))

    def send(self, path, data=None):
        """Sends a request without waiting; returns its id."""
        rid = next(self.ids)
        payload = json.dumps([path, data]).encode("utf-8")
        self.sock.sendall(f"{rid} {len(payload)} json\n".encode("ascii") + payload)
        return rid

    def receive(self):
        """The next response: (id, value), or (id, RemoteError)."""
        header = self.reader.readline()
        if not header:
            raise EOFError("the service closed the connection")
        rid, length, encoder = header.decode("ascii").split()
        payload = self.reader.read(int(length))
        if encoder == "error":
            error = json.loads(payload)
            return rid, RemoteError(error["type"], error["message"])
        if encoder == "json":
            return rid, json.loads(payload)
        return rid, payload  # "none": raw bytes

    def call(self, path, data=None):
        """Calls a route and waits for its value (no other call in flight)."""
        self.send(path, data)
        _, value = self.receive()
        if isinstance(value, RemoteError):
            raise value
        return value

    def close(self):
        self.reader.close()
        self.sock.close()


def main():
    service = Connection(sys.argv[1])
    print("/double 21 ->", service.call("/double", 21))
    try:
        service.call("/double", "abc")
    except RemoteError as e:
        print("/double 'abc' ->", e.type, "-", e.message)
    try:
        service.call("/triple", 1)
    except RemoteError as e:
        print("/triple 1 ->", e.type, "-", e.message)

    # Requests in flight at once on one connection: each response carries
    # its request's id, and comes as soon as its call is done.
    names = {service.send("/sleep", 0.5): "slow", service.send("/double", 1): "fast"}
    order = [names[service.receive()[0]] for _ in names]
    print("answered first to last:", " ".join(order))

    if "--shutdown" in sys.argv[2:]:
        print("/shutdown ->", service.call("/shutdown"))  # None; the service stops
    service.close()


if __name__ == "__main__":
    main()
