"""A client for actorserve's socket gateway, using only Python's standard
library. Copy this one file next to your script.

    from actorserve_client import SocketClient

    with SocketClient(path="/tmp/service.sock") as client:
        print(client.request("/double", 21))             # 42
        for y in client.stream("/double", range(10)):    # in input order
            print(y)

Records are framed as '<id> <length> <encoder>\\n<payload>' (see
docs/protocol.md); requests carry the JSON array [path, data].
"""
import collections
import itertools
import json
import os
import socket
import threading
import time

__all__ = ["SocketClient", "RemoteError", "ClientClosed"]


class RemoteError(Exception):
    """An error the service answered with: `type` names it (NotFound,
    Timeout, BacklogFull, TypeError, ...), `message` says what went wrong."""

    def __init__(self, type, message):
        super().__init__(f"{type}: {message}")
        self.type = type
        self.message = message


class ClientClosed(RuntimeError):
    """The client is closed, or its connection to the service was lost."""


class _Future:
    __slots__ = ("_event", "_value", "_error", "_on_done")

    def __init__(self, on_done=None):
        self._event = threading.Event()
        self._value = None
        self._error = None
        self._on_done = on_done

    def set(self, value=None, error=None):
        self._value, self._error = value, error
        self._event.set()
        if self._on_done is not None:
            self._on_done()

    def done(self):
        return self._event.is_set()

    def result(self, timeout=None):
        if not self._event.wait(timeout):
            raise TimeoutError(f"no response within {timeout} seconds")
        if self._error is not None:
            raise self._error
        return self._value


def _decode(encoder, payload):
    if encoder == "json":
        return json.loads(payload)
    if encoder == "utf8":
        return payload.decode("utf-8")
    if encoder == "none":
        return payload
    if encoder == "error":
        err = json.loads(payload)
        return RemoteError(err.get("type", "Error"), err.get("message", ""))
    return RemoteError("BadResponse", f"unknown encoder {encoder!r}")


class _Connection:
    def __init__(self, sock, on_lost):
        self.sock = sock
        self.pending = {}
        self.lock = threading.Lock()
        self.lost = None
        self._on_lost = on_lost
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def send(self, rid, path, data, future):
        payload = json.dumps([path, data], separators=(",", ":")).encode("utf-8")
        record = f"{rid} {len(payload)} json\n".encode("ascii") + payload
        with self.lock:
            if self.lost is not None:
                raise ClientClosed(self.lost)
            # Register before writing: the response may come back at once.
            self.pending[rid] = future
            try:
                self.sock.sendall(record)
            except OSError as e:
                del self.pending[rid]
                raise ClientClosed(f"lost the connection: {e}") from e

    def in_flight(self):
        return len(self.pending)

    def _read(self):
        f = self.sock.makefile("rb")
        reason = "the service closed the connection"
        try:
            while True:
                header = f.readline(65536)
                if not header:
                    break
                if not header.endswith(b"\n"):
                    reason = "the service sent a header line without an end"
                    break
                rid, length, encoder = header.decode("ascii").split()
                payload = f.read(int(length))
                if len(payload) != int(length):
                    break
                value = _decode(encoder, payload)
                with self.lock:
                    future = self.pending.pop(rid, None)
                if future is None:
                    continue  # an error about a record the service could not read
                if isinstance(value, RemoteError):
                    future.set(error=value)
                else:
                    future.set(value)
        except (OSError, ValueError) as e:
            reason = f"lost the connection: {e}"
        with self.lock:
            if self.lost is None:
                self.lost = reason
            reason = self.lost
            pending, self.pending = self.pending, {}
        for future in pending.values():
            future.set(error=ClientClosed(reason))
        self._on_lost()

    def close(self, reason):
        with self.lock:
            if self.lost is None:
                self.lost = reason
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


class SocketClient:
    """Connects `num_connections` sockets to a service's socket gateway: a
    Unix socket at `path`, or TCP at `host`:`port`. Connecting retries while
    the service comes up, for up to `connection_timeout` seconds. At most
    `backlog` requests are in flight at once. Thread-safe."""

    def __init__(self, *, path=None, host=None, port=None, num_connections=4,
                 connection_timeout=60, backlog=1024):
        if (path is None) == (port is None):
            raise ValueError("give either path (Unix socket) or port (TCP)")
        self.path = os.path.abspath(path) if path is not None else None
        self.host = (host or "127.0.0.1").strip("[]")  # "[::1]" as endpoints print it
        self.port = port
        self.num_connections = num_connections
        self.connection_timeout = connection_timeout
        self.backlog = backlog
        self._slots = threading.BoundedSemaphore(backlog)
        self._ids = itertools.count(1)
        self._connections = []
        self._closed = False

    def __enter__(self):
        self.open()
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def _where(self):
        return f"unix:{self.path}" if self.path else f"{self.host}:{self.port}"

    def _connect_one(self):
        deadline = time.monotonic() + self.connection_timeout
        while True:
            if self.path:
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                target = self.path
            else:
                sock = socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET,
                                     socket.SOCK_STREAM)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                target = (self.host, self.port)
            try:
                sock.connect(target)
                return sock
            except (ConnectionRefusedError, FileNotFoundError) as e:
                sock.close()
                if time.monotonic() >= deadline:
                    raise ConnectionError(
                        f"cannot connect to {self._where()} within "
                        f"{self.connection_timeout} s: {e}") from e
                time.sleep(0.05)
            except OSError as e:
                sock.close()
                raise ConnectionError(f"cannot connect to {self._where()}: {e}") from e

    def open(self):
        for _ in range(self.num_connections):
            self._connections.append(_Connection(self._connect_one(), lambda: None))

    def close(self, timeout=60):
        """Refuses new requests, waits up to `timeout` seconds for those in
        flight, then closes the connections."""
        self._closed = True
        deadline = time.monotonic() + timeout
        while any(c.in_flight() for c in self._connections) and time.monotonic() < deadline:
            time.sleep(0.01)
        for c in self._connections:
            c.close("the client closed the connection with the call still in flight")

    def _pick(self):
        live = [c for c in self._connections if c.lost is None]
        if not live:
            raise ClientClosed(f"every connection to {self._where()} is lost")
        return min(live, key=lambda c: c.in_flight()) if len(live) > 1 else live[0]

    def submit(self, path, data=None, *, enqueue_timeout=None):
        """Sends a request; returns a future whose `result(timeout)` is the
        value or raises the error."""
        if self._closed:
            raise ClientClosed("the client is closed")
        if not self._connections:
            raise ClientClosed("the client is not open: use it in a with block, or call open()")
        if not self._slots.acquire(timeout=enqueue_timeout):
            raise TimeoutError(f"{self.backlog} requests in flight; no room within "
                               f"{enqueue_timeout} s")
        future = _Future(on_done=self._slots.release)
        try:
            self._pick().send(str(next(self._ids)), path, data, future)
        except Exception:
            self._slots.release()
            raise
        return future

    def request(self, path, data=None, *, enqueue_timeout=None, response_timeout=None):
        """Calls a route and returns its value. Raises RemoteError with the
        service's error, TimeoutError after `response_timeout` seconds (the
        service keeps working), or ClientClosed. A `response_timeout` of 0
        sends without waiting and returns None."""
        future = self.submit(path, data, enqueue_timeout=enqueue_timeout)
        if response_timeout is not None and response_timeout <= 0:
            return None
        return future.result(response_timeout)

    def stream(self, path, data, *, return_x=False, return_exceptions=False,
               enqueue_timeout=60, response_timeout=60):
        """Calls a route for each item of `data`, with up to `backlog` in
        flight spread over the connections, and yields the results in input
        order: y, or (x, y) with `return_x`. An error is yielded in place of
        y with `return_exceptions`; otherwise it is raised after the items
        before it."""
        window = collections.deque()
        items = iter(data)

        def settle(x, t, future):
            try:
                remaining = response_timeout - (time.monotonic() - t)
                y = future.result(max(remaining, 0))
            except Exception as e:
                if not return_exceptions:
                    raise
                y = e
            return (x, y) if return_x else y

        for x in items:
            while len(window) >= self.backlog:
                yield settle(*window.popleft())
            t = time.monotonic()
            try:
                future = self.submit(path, x, enqueue_timeout=enqueue_timeout)
            except Exception as e:
                if not return_exceptions:
                    while window:
                        yield settle(*window.popleft())
                    raise
                future = _Future()
                future.set(error=e)
            window.append((x, t, future))
            while window and window[0][2].done():
                yield settle(*window.popleft())
        while window:
            yield settle(*window.popleft())
