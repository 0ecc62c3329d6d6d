"""Clients for actorserve's socket gateway, using only Python's standard
library (Python 3.8 or later). Install with `pip install ./apps/python`, or
copy this one file next to your script.

    from actorserve_client import SocketClient

    with SocketClient(path="/tmp/service.sock") as client:
        print(client.request("/double", 21))             # 42
        for y in client.stream("/double", range(10)):    # in input order
            print(y)

and with asyncio:

    import asyncio
    from actorserve_client import AsyncSocketClient

    async def main():
        async with AsyncSocketClient(path="/tmp/service.sock") as client:
            print(await client.request("/double", 21))   # 42
            async for y in client.stream("/double", range(10)):
                print(y)

    asyncio.run(main())

Records are framed as '<id> <length> <encoder>\\n<payload>' (see
docs/protocol.md); requests carry [path, data] in JSON, or (path, data) in
pickle with encoder="pickle".

How it stays cheap: the synchronous client has no background thread. The
thread that waits for a result (a request, a future, a stream, close) drives
every connection with a selector, reading many records per system call and
handing each to its caller; other waiting threads sleep until their result
is there or it is their turn to drive. A stream writes its requests in
batches, one system call per connection per batch, and collects its results
without a thread switch per item. An idle client runs no code at all.
"""
import builtins
import collections
import io
import itertools
import json
import math
import os
import pickle
import select
import selectors
import socket
import threading
import time
from typing import (Any, AsyncIterable, AsyncIterator, Callable, Deque, Dict, Iterable,
                    Iterator, List, Optional, Tuple, Union)

__all__ = ["SocketClient", "AsyncSocketClient", "Future", "RemoteError", "ClientClosed"]
__version__ = "0.1.0"

# A response header line is at most this long, LF included (as the server's
# limit for requests); a response payload at most this many bytes (as the
# C++ client's default). Beyond either, the connection is given up.
MAX_HEADER = 65536
MAX_FRAME = 64 << 20
_RECV_SIZE = 1 << 18
# A stream sends what it has pulled from its input after this many seconds,
# even if the batch is not full, so a slow iterable does not hold items back.
_BATCH_SECONDS = 0.002
# Opening a connection again (after the service closed it) waits at most
# this long, or connection_timeout if shorter.
_RECONNECT_SECONDS = 5.0


class RemoteError(Exception):
    """An error the service answered with: `type` names it (NotFound,
    Timeout, BacklogFull, TypeError, ...), `message` says what went wrong."""

    def __init__(self, type: str, message: str) -> None:
        super().__init__(f"{type}: {message}")
        self.type = type
        self.message = message

    def __reduce__(self):
        return (RemoteError, (self.type, self.message))


class ClientClosed(RuntimeError):
    """The client is closed, or its connection to the service was lost."""


# ---------------------------------------------------------------------------
# Encoding requests and decoding responses, shared by both clients.

_json_encode = json.JSONEncoder(separators=(",", ":")).encode
_json_decode = json.JSONDecoder().decode


_LOOP_ENDERS = frozenset(("StopIteration", "StopAsyncIteration"))


class _ExceptionsOnlyUnpickler(pickle.Unpickler):
    """Loads plain values and instances of the built-in exception classes,
    nothing else: a pickle can name any callable, and what a server sends is
    not trusted to run code in the client. Not BaseException's other
    children either: a server has no business making a client raise
    SystemExit or KeyboardInterrupt; nor StopIteration and
    StopAsyncIteration, which would end the caller's loop silently."""

    def find_class(self, module: str, name: str) -> Any:
        if module == "builtins" and "." not in name and name not in _LOOP_ENDERS:
            cls = getattr(builtins, name, None)
            if isinstance(cls, type) and issubclass(cls, Exception):
                return cls
        raise pickle.UnpicklingError(
            f"refusing to load {module}.{name} from a response: only built-in "
            f"exception classes are allowed")


def _safe_loads(payload: bytes) -> Any:
    return _ExceptionsOnlyUnpickler(io.BytesIO(payload)).load()


class _JsonCodec:
    name = "json"
    tag = b" json\n"

    @staticmethod
    def maker(path: str) -> Callable[[Any], bytes]:
        """A function from data to the payload of a request for `path`."""
        if not isinstance(path, str):
            raise TypeError(f"a path is a str, not {type(path).__name__}")
        prefix = b"[" + _json_encode(path).encode() + b","

        def make(x: Any) -> bytes:
            if x.__class__ is int:
                return prefix + b"%d]" % x
            # ensure_ascii (the default) makes the text ASCII: encode() is exact.
            return prefix + _json_encode(x).encode() + b"]"
        return make


class _PickleCodec:
    name = "pickle"
    tag = b" pickle\n"

    @staticmethod
    def maker(path: str) -> Callable[[Any], bytes]:
        if not isinstance(path, str):
            raise TypeError(f"a path is a str, not {type(path).__name__}")
        dumps, protocol = pickle.dumps, pickle.HIGHEST_PROTOCOL
        return lambda x: dumps((path, x), protocol=protocol)


_CODECS = {"json": _JsonCodec, "pickle": _PickleCodec}


def _codec_of(encoder: str):
    try:
        return _CODECS[encoder]
    except KeyError:
        raise ValueError(f"encoder is 'json' or 'pickle', not {encoder!r}") from None


def _decode(encoder: Optional[bytes], payload: Any) -> Tuple[Optional[BaseException], Any]:
    """(error, value) of a response record: error is None on success. An
    encoder of None marks a call whose connection was lost; then payload is
    the reason."""
    try:
        if encoder == b"json":
            return None, _json_decode(payload.decode())
        if encoder == b"error":
            err = json.loads(payload)
            return RemoteError(str(err.get("type", "Error")), str(err.get("message", ""))), None
        if encoder == b"pickle":
            value = _safe_loads(payload)
            if isinstance(value, BaseException):
                return value, None
            return None, value
        if encoder == b"none":
            return None, payload
        if encoder == b"utf8":
            return None, payload.decode()
        if encoder is None:
            return ClientClosed(payload), None
    except pickle.UnpicklingError as e:
        return e, None
    except Exception as e:  # whatever a malformed payload makes the decoder raise
        return RemoteError("BadResponse", f"a {encoder.decode(errors='replace')} payload "
                                          f"that does not decode: {e!r}"), None
    return RemoteError("BadResponse", f"unknown encoder {encoder.decode(errors='replace')!r}"), None


# In a stream's window, in place of an item: iterating over the data failed.
_DATA_FAILED = object()


class _Drop:
    """Takes the reply of a call nobody waits for any more."""
    __slots__ = ()

    def deliver(self, encoder, payload):
        pass


_DROP = _Drop()


class _Inbox:
    """Splits what one connection receives into records and hands each to
    the target registered under its id: a dict (a stream's results, stored
    under the id) or an object with deliver(encoder, payload)."""
    __slots__ = ("pending", "refused", "_parts", "_have", "_need")

    def __init__(self) -> None:
        self.pending: Dict[bytes, Any] = {}
        self.refused: Optional[bytes] = None  # an error the service sent under the id '-'
        self._parts: List[bytes] = []
        self._have = 0
        self._need = 0

    def feed(self, data: bytes) -> Optional[str]:
        """Takes received bytes; returns why the connection cannot go on, or None."""
        if self._parts:
            self._parts.append(data)
            self._have += len(data)
            if self._have < self._need:
                return None  # a large record still arriving: join once, when complete
            data = b"".join(self._parts)
            self._parts = []
        pending = self.pending
        pop = pending.pop
        find = data.find
        n = len(data)
        pos = 0
        need = 0
        while True:
            nl = find(b"\n", pos)
            if nl < 0:
                if n - pos >= MAX_HEADER:
                    return f"the service sent a header line longer than {MAX_HEADER} bytes"
                need = n - pos + 1
                break
            try:
                rid, length, encoder = data[pos:nl].split(b" ")
                size = int(length)
            except ValueError:
                return f"the service sent a malformed record header {data[pos:nl][:80]!r}"
            if not 0 <= size <= MAX_FRAME:
                return f"the service sent a payload length {size} beyond the limit of {MAX_FRAME}"
            end = nl + 1 + size
            if end > n:
                need = end - pos
                break
            target = pop(rid, None)
            if target is not None:
                if target.__class__ is dict:
                    target[rid] = (encoder, data[nl + 1:end])
                else:
                    target.deliver(encoder, data[nl + 1:end])
            elif rid == b"-":
                self.refused = data[nl + 1:end]
            pos = end
        if pos < n:
            rest = data[pos:]
            self._parts = [rest]
            self._have = len(rest)
            self._need = need
        return None

    def fail(self, reason: str) -> None:
        """The connection is gone: every call still pending gets `reason`."""
        if self.refused is not None:
            err, _ = _decode(b"error", self.refused)
            reason = f"{reason} after an error: {err}"
        pending, self.pending = self.pending, {}
        for rid, target in pending.items():
            if target.__class__ is dict:
                target[rid] = (None, reason)
            else:
                target.deliver(None, reason)


def _deadline(timeout: Optional[float], now: float) -> Optional[float]:
    return None if timeout is None else now + timeout


def _where(path: Optional[str], host: str, port: Optional[int]) -> str:
    return f"unix:{path}" if path else f"{host}:{port}"


# The longest wait a call takes: a week. NaN would wait for ever or spin,
# and some systems' select() overflows on much longer waits.
_MAX_SECONDS = 7 * 24 * 3600

# The most connections one client opens, as the C++ client.
_MAX_CONNECTIONS = 1024


def _seconds(name: str, value: Any, optional: bool = True, least: float = -math.inf) -> Any:
    """`value` if it is a number of seconds from `least` to _MAX_SECONDS
    (or None, where `optional`); ValueError naming `name` otherwise."""
    if value is None and optional:
        return None
    # Compared before any float(): an int like 10**400 has no float.
    if (isinstance(value, bool) or not isinstance(value, (int, float))
            or (isinstance(value, float) and not math.isfinite(value))
            or not least <= value <= _MAX_SECONDS):
        low = "" if least == -math.inf else f"from {least} "
        raise ValueError(f"{name} is a number of seconds {low}up to {_MAX_SECONDS}"
                         f"{' or None' if optional else ''}, got {repr(value)[:40]}")
    return value


def _count(name: str, value: Any, least: int, most: Optional[int] = None) -> int:
    """`value` if it is a whole number from `least` to `most`; ValueError
    naming `name` otherwise."""
    if (isinstance(value, bool) or not isinstance(value, int) or value < least
            or (most is not None and value > most)):
        span = f"from {least} to {most}" if most is not None else f"of at least {least}"
        raise ValueError(f"{name} is a whole number {span}, got {value!r}")
    return value


def _check_address(path, host, port):
    if (path is None) == (port is None):
        raise ValueError("give either path (Unix socket) or port (TCP)")
    if path is not None and (not isinstance(path, str) or not path):
        raise ValueError(f"path is the Unix socket's path, got {path!r}")
    if port is not None:
        _count("port", port, 1, 65535)
    return (os.path.abspath(path) if path is not None else None,
            (host or "127.0.0.1").strip("[]"))  # "[::1]" as endpoints print it


def _stream_result(entry, results):
    """(error, value) of a stream's window entry whose result is in."""
    rid = entry[0]
    if rid is None:
        if entry[1] is _DATA_FAILED:
            raise entry[3]
        return entry[3], None
    return _decode(*results.pop(rid))


def _assign(entries, records, live, start, results, window, t):
    """Spreads a stream's batch over the live connections, round robin from
    connection `start`: registers each call, appends every entry to the
    window; returns the bytes for each connection and the next start."""
    k = len(live)
    outs: List[List[bytes]] = [[] for _ in range(k)]
    slot = start % k
    i = 0
    for rid, x, e in entries:
        if rid is None:
            window.append((None, x, t, e))
            continue
        conn = live[slot]
        conn.inbox.pending[rid] = results
        outs[slot].append(records[i])
        i += 1
        window.append((rid, x, t, conn))
        slot += 1
        if slot == k:
            slot = 0
    return [b"".join(out) for out in outs], slot


# ---------------------------------------------------------------------------
# The synchronous client.

class Future:
    """The coming result of `SocketClient.submit`."""
    __slots__ = ("_client", "_raw", "_done", "_outcome")

    def __init__(self, client: "SocketClient") -> None:
        self._client = client
        self._raw = None
        self._done = False
        self._outcome = None

    def deliver(self, encoder, payload) -> None:
        self._raw = (encoder, payload)
        self._done = True

    def done(self) -> bool:
        """Whether the result has come (reading what the service has sent
        so far, without waiting)."""
        if not self._done:
            self._client._poll_now()
        return self._done

    def result(self, timeout: Optional[float] = None) -> Any:
        """The route's value; raises its error (RemoteError, or with the
        pickle encoder the exception the service sent), TimeoutError when
        nothing came within `timeout` seconds (None: wait as long as it
        takes), or ClientClosed when the connection was lost."""
        _seconds("timeout", timeout)
        if not self._done and not self._client._await(self, timeout):
            raise TimeoutError(f"no response within {timeout} seconds")
        if self._outcome is None:
            self._outcome = _decode(*self._raw)
            self._raw = None
        error, value = self._outcome
        if error is not None:
            raise error
        return value


class _Connection:
    __slots__ = ("sock", "inbox", "out", "lost")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.inbox = _Inbox()
        self.out: List[Any] = []  # bytes not yet written, when the socket was full
        self.lost: Optional[str] = None


class _Waiter:
    __slots__ = ("lock", "pred", "woken")

    def __init__(self, pred):
        self.lock = threading.Lock()
        self.lock.acquire()
        self.pred = pred
        self.woken = False

    def wake(self):
        if not self.woken:
            self.woken = True
            self.lock.release()


class SocketClient:
    """Connects `num_connections` sockets to a service's socket gateway: a
    Unix socket at `path`, or TCP at `host`:`port`. Connecting retries while
    the service comes up, for up to `connection_timeout` seconds. At most
    `backlog` requests are in flight at once. `encoder` is "json" (the
    default) or "pickle" (any picklable data; the service answers in
    pickle). Thread-safe: any number of threads may call it at once."""

    def __init__(self, *, path: Optional[str] = None, host: Optional[str] = None,
                 port: Optional[int] = None, num_connections: int = 4,
                 connection_timeout: float = 60, backlog: int = 1024,
                 encoder: str = "json") -> None:
        self.path, self.host = _check_address(path, host, port)
        self.port = port
        self.num_connections = _count("num_connections", num_connections, 1, _MAX_CONNECTIONS)
        self.connection_timeout = _seconds("connection_timeout", connection_timeout,
                                           optional=False, least=0)
        self.backlog = _count("backlog", backlog, 1)
        self.encoder = encoder
        self._codec = _codec_of(encoder)
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._conns: List[_Connection] = []
        self._live: List[_Connection] = []
        self._selector: Optional[selectors.BaseSelector] = None
        self._wake_r: Optional[socket.socket] = None
        self._wake_w: Optional[socket.socket] = None
        self._leader: Optional[int] = None  # the thread driving the connections
        self._polling = False               # ... and it waits in select()
        self._followers: List[_Waiter] = []
        self._reserved = 0                  # slots a stream holds while it encodes
        self._opened = False
        self._closed = False
        self._round = 0

    # -- opening and closing ------------------------------------------------

    def __enter__(self) -> "SocketClient":
        self.open()
        return self

    def __exit__(self, *exc) -> bool:
        self.close()
        return False

    def _connect_once(self) -> socket.socket:
        if self.path:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            target: Any = self.path
        else:
            sock = socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET,
                                 socket.SOCK_STREAM)
            target = (self.host, self.port)
        try:
            sock.settimeout(max(0.001, min(self.connection_timeout, _RECONNECT_SECONDS)))
            sock.connect(target)
            if not self.path:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.setblocking(False)
            return sock
        except BaseException:
            sock.close()
            raise

    def _connect_one(self) -> socket.socket:
        deadline = time.monotonic() + self.connection_timeout
        where = _where(self.path, self.host, self.port)
        while True:
            try:
                return self._connect_once()
            except (ConnectionRefusedError, FileNotFoundError) as e:
                if time.monotonic() >= deadline:
                    raise ConnectionError(
                        f"cannot connect to {where} within "
                        f"{self.connection_timeout} s: {e}") from e
                time.sleep(0.05)
            except OSError as e:
                raise ConnectionError(f"cannot connect to {where}: {e}") from e

    def open(self) -> None:
        """Connects; raises ConnectionError when it cannot."""
        if self._opened:
            return
        socks = []
        try:
            for _ in range(self.num_connections):
                socks.append(self._connect_one())
            self._wake_r, self._wake_w = socket.socketpair()
        except BaseException:
            for s in socks:
                s.close()
            raise
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        for s in socks:
            conn = _Connection(s)
            self._selector.register(s, selectors.EVENT_READ, conn)
            self._conns.append(conn)
        self._live = list(self._conns)
        self._opened = True

    def close(self, timeout: float = 60) -> None:
        """Refuses new requests, waits up to `timeout` seconds for those in
        flight (reading and dropping the replies nobody waits for), then
        closes the connections."""
        _seconds("timeout", timeout, optional=False)
        with self._lock:
            self._closed = True
            if not self._opened:
                return
            self._wait(self._idle, time.monotonic() + timeout)
            for conn in list(self._live):
                self._lose(conn, "the client closed the connection with the call still in flight")
            self._check_followers()
            if self._leader is None:
                self._release()
            elif self._polling:
                self._wake()  # the driving thread lets go, and releases what is left

    def _idle(self) -> bool:
        return all(not c.inbox.pending and not c.out for c in self._live)

    def _release(self) -> None:
        if self._selector is not None:
            self._selector.close()
            self._wake_r.close()
            self._wake_w.close()
            self._selector = None

    # -- calls ---------------------------------------------------------------

    def _check_usable(self) -> None:
        if self._closed:
            raise ClientClosed("the client is closed")
        if not self._opened:
            raise ClientClosed("the client is not open: use it in a with block, or call open()")

    # The service closes a connection left idle (--socket-idle-timeout, 300 s
    # by default), and a client with no thread notices only when it next
    # uses it. Before a call goes out on a connection with nothing in flight,
    # that connection is read (one recv: the end of the stream if it came),
    # and connections found closed are opened again for the next calls.

    def _reopen(self) -> None:
        """Opens again, once each, the connections found closed (the lock is
        held); stops at the first that cannot be opened."""
        if self._closed:
            return
        for i, conn in enumerate(self._conns):
            if conn.lost is not None:
                try:
                    sock = self._connect_once()
                except OSError:
                    return  # the service is not there: the calls will say so
                fresh = _Connection(sock)
                self._selector.register(sock, selectors.EVENT_READ, fresh)
                self._conns[i] = fresh
                self._live.append(fresh)

    def _lost_all(self) -> ClientClosed:
        return ClientClosed(
            f"every connection to {_where(self.path, self.host, self.port)} is lost")

    def _pick(self) -> _Connection:
        """The connection for the next call: the least busy (the lock is held)."""
        if len(self._live) < len(self._conns):
            self._reopen()
        reopened = False
        while True:
            live = self._live
            if not live:
                raise self._lost_all()
            conn = min(live, key=lambda c: len(c.inbox.pending)) if len(live) > 1 else live[0]
            if conn.inbox.pending or conn.out:
                return conn
            self._read(conn)
            if conn.lost is None:
                return conn
            if not reopened:
                reopened = True
                self._reopen()

    def _refresh(self) -> None:
        """Before a stream's batch (the lock is held): every connection with
        nothing in flight is read, and those found closed are opened again."""
        for conn in self._live:
            if not conn.inbox.pending and not conn.out:
                self._read(conn)
        if len(self._live) < len(self._conns):
            self._reopen()
        if not self._live:
            raise self._lost_all()

    def _in_flight(self) -> int:
        return sum(len(c.inbox.pending) for c in self._live) + self._reserved

    def _has_room(self) -> bool:
        return self._in_flight() < self.backlog or not self._live

    def _wait_for_room(self, enqueue_timeout: Optional[float]) -> None:
        # The lock is held.
        if self._in_flight() >= self.backlog:
            if not self._wait(self._has_room, _deadline(enqueue_timeout, time.monotonic())):
                raise TimeoutError(f"{self.backlog} requests in flight; no room within "
                                   f"{enqueue_timeout} s")
            self._check_usable()

    def _submit(self, path: str, data: Any, enqueue_timeout: Optional[float], target) -> None:
        payload = self._codec.maker(path)(data)
        with self._lock:
            self._check_usable()
            self._wait_for_room(enqueue_timeout)
            conn = self._pick()
            rid = b"%d" % next(self._ids)
            conn.inbox.pending[rid] = target
            self._send(conn, rid + b" %d" % len(payload) + self._codec.tag + payload)
            if conn.lost is not None:
                raise ClientClosed(conn.lost)

    def submit(self, path: str, data: Any = None, *,
               enqueue_timeout: Optional[float] = None) -> Future:
        """Sends a request; returns a Future whose `result(timeout)` is the
        value or raises the error. Waits up to `enqueue_timeout` seconds
        (None: as long as it takes) while `backlog` requests are in flight,
        then raises TimeoutError."""
        _seconds("enqueue_timeout", enqueue_timeout)
        future = Future(self)
        self._submit(path, data, enqueue_timeout, future)
        return future

    def request(self, path: str, data: Any = None, *,
                enqueue_timeout: Optional[float] = None,
                response_timeout: Optional[float] = None) -> Any:
        """Calls a route and returns its value. Raises RemoteError with the
        service's error (with the pickle encoder: the exception the service
        sent), TimeoutError after `response_timeout` seconds (the service
        keeps working; its late reply is read and dropped), or ClientClosed.
        A `response_timeout` of 0 or less sends without waiting and returns
        None; the reply is read and dropped."""
        _seconds("enqueue_timeout", enqueue_timeout)
        _seconds("response_timeout", response_timeout)
        if response_timeout is not None and response_timeout <= 0:
            self._submit(path, data, enqueue_timeout, _DROP)
            self._poll_now()
            return None
        future = Future(self)
        self._submit(path, data, enqueue_timeout, future)
        return future.result(response_timeout)

    def stream(self, path: str, data: Iterable[Any], *, return_x: bool = False,
               return_exceptions: bool = False, enqueue_timeout: Optional[float] = 60,
               response_timeout: Optional[float] = 60) -> Iterator[Any]:
        """Calls a route for each item of `data`, with up to `backlog` in
        flight spread over the connections, and yields the results in input
        order: y, or (x, y) with `return_x`. An error (a TimeoutError when an
        item's result has not come `response_timeout` seconds after it was
        sent) is yielded in place of y with `return_exceptions`; otherwise
        it is raised after the items before it. Breaking out early is fine:
        the replies still due are read and dropped.

        Items are sent in batches: the stream pulls up to `backlog` items
        from `data`, for at most 2 ms, before writing them."""
        _seconds("enqueue_timeout", enqueue_timeout)
        _seconds("response_timeout", response_timeout)
        self._check_usable()
        make = self._codec.maker(path)
        tag = self._codec.tag
        backlog = self.backlog
        step = max(1, min(backlog // 8, 256))
        items = iter(data)
        window: Deque[tuple] = collections.deque()
        results: Dict[bytes, tuple] = {}
        more = True
        lock = self._lock
        monotonic = time.monotonic
        try:
            while more or window:
                room = backlog - len(window)
                if more and room > 0 and (room >= step or not window):
                    more = self._stream_send(items, make, tag, room, window, results,
                                             enqueue_timeout)
                    if not window:
                        continue
                head = window[0]
                rid = head[0]
                if rid is not None and rid not in results:
                    deadline = None if response_timeout is None else head[2] + response_timeout
                    n_window = len(window)

                    def ready():
                        return rid in results or (
                            more and backlog - n_window >= step
                            and backlog - self._in_flight() >= step)
                    with lock:
                        self._wait(ready, deadline)
                        if rid not in results and (deadline is None or monotonic() < deadline):
                            continue  # room to send more before the head is in
                        if rid not in results:
                            pending = head[3].inbox.pending
                            if pending.get(rid) is results:
                                pending[rid] = _DROP  # the late reply is read and dropped
                    if rid not in results:
                        window[0] = (None, head[1], head[2], TimeoutError(
                            f"no response within {response_timeout} seconds"))
                while window:
                    head = window[0]
                    if head[0] is not None and head[0] not in results:
                        break
                    window.popleft()
                    error, y = _stream_result(head, results)
                    if error is not None:
                        if not return_exceptions:
                            raise error
                        y = error
                    yield (head[1], y) if return_x else y
        finally:
            with lock:
                for entry in window:
                    if entry[0] is not None:
                        pending = entry[3].inbox.pending
                        if pending.get(entry[0]) is results:
                            pending[entry[0]] = _DROP
                results.clear()

    def _stream_send(self, items, make, tag, room, window, results, enqueue_timeout) -> bool:
        """Pulls up to `room` items (fewer when the client's backlog is
        fuller), sends them, appends them to the window; returns whether
        `items` may have more."""
        lock = self._lock
        with lock:
            self._check_usable()
            free = min(room, self.backlog - self._in_flight())
            if free <= 0 and not window:
                if self._wait(self._has_room, _deadline(enqueue_timeout, time.monotonic())):
                    self._check_usable()
                    free = min(room, self.backlog - self._in_flight())
                else:
                    free = 0
            free = max(free, 0)
            if free:
                self._refresh()
            self._reserved += free
        more = True
        if free == 0:
            if window:
                return True
            try:
                x = next(items)
            except StopIteration:
                return False
            window.append((None, x, 0.0, TimeoutError(
                f"{self.backlog} requests in flight; no room within {enqueue_timeout} s")))
            return True
        entries = []
        records = []
        monotonic = time.monotonic
        ids = self._ids
        until = monotonic() + _BATCH_SECONDS
        count = 0
        try:
            for x in items:
                count += 1
                try:
                    payload = make(x)
                except Exception as e:  # the item cannot be encoded: its result
                    entries.append((None, x, e))
                else:
                    rid = b"%d" % next(ids)
                    entries.append((rid, x, None))
                    records.append(rid + b" %d" % len(payload) + tag + payload)
                if count >= free or (count & 15 == 0 and monotonic() > until):
                    break
            else:
                more = False
        except Exception as e:
            # `data` itself failed: raised once the items before it are yielded.
            entries.append((None, _DATA_FAILED, e))
            more = False
        finally:
            with lock:
                self._reserved -= free
                self._distribute(entries, records, window, results, monotonic())
                if self._followers:
                    self._check_followers()  # one may wait for the room not taken
        return more

    def _distribute(self, entries, records, window, results, t) -> None:
        """Sends a stream's batch, one write per connection (the lock is held)."""
        live = self._live
        if not live:
            for rid, x, e in entries:
                window.append((None, x, t, e or ClientClosed("every connection is lost")))
            return
        outs, self._round = _assign(entries, records, live, self._round, results, window, t)
        for conn, out in zip(live, outs):
            if out:
                self._send(conn, out)

    # -- driving the connections ---------------------------------------------

    def _send(self, conn: _Connection, data: bytes) -> None:
        # The lock is held. Writes without blocking; what the socket does not
        # take waits in conn.out for the driving thread.
        if conn.out:
            conn.out.append(data)
            return
        try:
            sent = conn.sock.send(data)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError as e:
            self._lose(conn, f"lost the connection: {e}")
            return
        if sent < len(data):
            conn.out.append(memoryview(data)[sent:])
            self._selector.modify(conn.sock, selectors.EVENT_READ | selectors.EVENT_WRITE, conn)
            if self._polling:
                self._wake()

    def _flush(self, conn: _Connection) -> None:
        data = conn.out[0] if len(conn.out) == 1 else b"".join(conn.out)
        try:
            sent = conn.sock.send(data)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError as e:
            self._lose(conn, f"lost the connection: {e}")
            return
        if sent < len(data):
            conn.out = [memoryview(data)[sent:]]
        else:
            conn.out = []
            self._selector.modify(conn.sock, selectors.EVENT_READ, conn)

    def _read(self, conn: _Connection) -> None:
        recv = conn.sock.recv
        while True:
            try:
                data = recv(_RECV_SIZE)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as e:
                self._lose(conn, f"lost the connection: {e}")
                return
            if not data:
                self._lose(conn, "the service closed the connection")
                return
            problem = conn.inbox.feed(data)
            if problem is not None:
                self._lose(conn, problem)
                return
            if len(data) < _RECV_SIZE:
                return

    def _lose(self, conn: _Connection, reason: str) -> None:
        if conn.lost is not None:
            return
        conn.lost = reason
        self._live = [c for c in self._live if c is not conn]
        if self._selector is not None:
            try:
                self._selector.unregister(conn.sock)
            except (KeyError, ValueError):
                pass
        try:
            conn.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        conn.sock.close()
        conn.out = []
        conn.inbox.fail(reason)
        self._check_followers()

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"!")
        except OSError:
            pass

    def _check_followers(self) -> None:
        for w in self._followers:
            if not w.woken and w.pred():
                w.wake()

    def _handoff(self) -> None:
        # Someone must drive while threads wait: the first waiting one. The
        # last thread out of a closed client releases the selector.
        if self._leader is None:
            for w in self._followers:
                if not w.woken:
                    w.wake()
                    return
            if self._closed and not self._live and not self._followers:
                self._release()

    def _pass(self, timeout: Optional[float]) -> None:
        """One round: waits up to `timeout` for the connections (the lock is
        released meanwhile), then writes and reads what they allow."""
        self._polling = True
        self._lock.release()
        try:
            events = self._selector.select(timeout)
        finally:
            self._lock.acquire()
            self._polling = False
        for key, mask in events:
            conn = key.data
            if conn is None:
                try:
                    self._wake_r.recv(4096)
                except OSError:
                    pass
                continue
            if conn.lost is not None:
                continue
            if mask & selectors.EVENT_WRITE:
                self._flush(conn)
            if mask & selectors.EVENT_READ and conn.lost is None:
                self._read(conn)
        if self._followers:
            self._check_followers()

    def _lead(self, pred: Callable[[], bool], deadline: Optional[float]) -> None:
        # The lock is held and nobody drives: drive until pred() or the deadline.
        self._leader = threading.get_ident()
        try:
            while True:
                if deadline is None:
                    timeout = None
                else:
                    timeout = max(0.0, deadline - time.monotonic())
                self._pass(timeout)
                if pred() or not self._live or self._selector is None:
                    return
                if timeout == 0.0:
                    return
        finally:
            self._leader = None

    def _wait(self, pred: Callable[[], bool], deadline: Optional[float]) -> bool:
        """With the lock held: until pred() is true (returns True) or the
        deadline passes (returns False). Drives the connections when nobody
        else does; otherwise sleeps until the driving thread finds pred()
        true or lets go."""
        try:
            while True:
                if pred():
                    return True
                if not self._live or self._selector is None:
                    return pred()
                if self._leader is None:
                    self._lead(pred, deadline)
                    if pred():
                        return True
                    if deadline is not None and time.monotonic() >= deadline:
                        return False
                    continue
                if deadline is None:
                    timeout = -1.0
                else:
                    timeout = deadline - time.monotonic()
                    if timeout <= 0:
                        return False
                w = _Waiter(pred)
                self._followers.append(w)
                self._lock.release()
                try:
                    w.lock.acquire(True, timeout)
                finally:
                    self._lock.acquire()
                    w.woken = True
                    self._followers.remove(w)
        finally:
            self._handoff()

    def _await(self, future: Future, timeout: Optional[float]) -> bool:
        with self._lock:
            return self._wait(lambda: future._done,
                              _deadline(max(timeout, 0.0) if timeout is not None else None,
                                        time.monotonic()))

    def _poll_now(self) -> None:
        """Reads and writes what the connections allow now, if nobody else
        drives them."""
        with self._lock:
            if self._leader is None and self._live and self._selector is not None:
                self._lead(lambda: True, time.monotonic())
                self._handoff()


# ---------------------------------------------------------------------------
# The asyncio client.

class _Asyncio:
    """Stands for the asyncio module until the asyncio client first uses it:
    importing asyncio takes tens of milliseconds, which a program that only
    uses SocketClient need not pay."""

    def __getattr__(self, name: str) -> Any:
        import asyncio as module
        globals()["asyncio"] = module
        return getattr(module, name)


asyncio: Any = _Asyncio()


class _AsyncCall:
    __slots__ = ("future",)

    def __init__(self, future: "asyncio.Future") -> None:
        self.future = future

    def deliver(self, encoder, payload) -> None:
        f = self.future
        if not f.done():  # a call given up on (its timeout passed): dropped
            error, value = _decode(encoder, payload)
            if error is None:
                f.set_result(value)
                return
            try:
                f.set_exception(error)
            except Exception as e:  # an exception asyncio will not hold
                f.set_exception(RemoteError("BadResponse", f"the answer {error!r} "
                                                           f"cannot be raised: {e}"))


class _AsyncConnection:
    """An asyncio protocol (by its methods: asyncio.Protocol is not a base,
    so that this module does not import asyncio before it is used)."""

    def __init__(self, client: "AsyncSocketClient") -> None:
        self.client = client
        self.inbox = _Inbox()
        self.transport: Optional[asyncio.Transport] = None
        self.lost: Optional[str] = None
        self.closed = asyncio.get_running_loop().create_future()
        self.paused = False
        self.resumed: Optional[asyncio.Future] = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        problem = self.inbox.feed(data)
        if problem is not None and self.lost is None:
            self.lost = problem
            self.transport.abort()
        self.client._check_waiters()

    def eof_received(self):
        return False  # close the transport

    def connection_lost(self, exc) -> None:
        if self.lost is None:
            self.lost = f"lost the connection: {exc}" if exc else "the service closed the connection"
        self.inbox.fail(self.lost)
        self.client._forget(self)
        if not self.closed.done():
            self.closed.set_result(None)
        if self.resumed is not None and not self.resumed.done():
            self.resumed.set_result(None)
        self.client._check_waiters()

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        if self.resumed is not None and not self.resumed.done():
            self.resumed.set_result(None)

    async def drain(self) -> None:
        if self.paused and self.lost is None:
            self.resumed = asyncio.get_running_loop().create_future()
            await self.resumed


def _set_false(future: "asyncio.Future") -> None:
    if not future.done():
        future.set_result(False)


class AsyncSocketClient:
    """The asyncio twin of SocketClient, with the same arguments:

        async with AsyncSocketClient(path="/tmp/service.sock") as client:
            y = await client.request("/double", 21)
            async for y in client.stream("/double", range(10)):
                ...

    Use it from one event loop (the one that opened it)."""

    def __init__(self, *, path: Optional[str] = None, host: Optional[str] = None,
                 port: Optional[int] = None, num_connections: int = 4,
                 connection_timeout: float = 60, backlog: int = 1024,
                 encoder: str = "json") -> None:
        self.path, self.host = _check_address(path, host, port)
        self.port = port
        self.num_connections = _count("num_connections", num_connections, 1, _MAX_CONNECTIONS)
        self.connection_timeout = _seconds("connection_timeout", connection_timeout,
                                           optional=False, least=0)
        self.backlog = _count("backlog", backlog, 1)
        self.encoder = encoder
        self._codec = _codec_of(encoder)
        self._ids = itertools.count(1)
        self._conns: List[_AsyncConnection] = []
        self._live: List[_AsyncConnection] = []
        self._waiters: List[Tuple[Callable[[], bool], asyncio.Future]] = []
        self._reserved = 0
        self._opened = False
        self._closed = False
        self._round = 0

    async def __aenter__(self) -> "AsyncSocketClient":
        await self.open()
        return self

    async def __aexit__(self, *exc) -> bool:
        await self.close()
        return False

    async def _connect_once(self) -> _AsyncConnection:
        loop = asyncio.get_running_loop()
        if self.path:
            connecting = loop.create_unix_connection(lambda: _AsyncConnection(self), self.path)
        else:
            connecting = loop.create_connection(lambda: _AsyncConnection(self),
                                                self.host, self.port)
        try:
            _, conn = await asyncio.wait_for(
                connecting, max(0.001, min(self.connection_timeout, _RECONNECT_SECONDS)))
        except asyncio.TimeoutError as e:  # not an OSError before Python 3.11
            raise TimeoutError(f"no connection within {_RECONNECT_SECONDS} s") from e
        if not self.path:
            sock = conn.transport.get_extra_info("socket")
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn

    async def _connect_one(self) -> _AsyncConnection:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.connection_timeout
        where = _where(self.path, self.host, self.port)
        while True:
            try:
                return await self._connect_once()
            except (ConnectionRefusedError, FileNotFoundError) as e:
                if loop.time() >= deadline:
                    raise ConnectionError(f"cannot connect to {where} within "
                                          f"{self.connection_timeout} s: {e}") from e
                await asyncio.sleep(0.05)
            except OSError as e:
                raise ConnectionError(f"cannot connect to {where}: {e}") from e

    async def open(self) -> None:
        """Connects; raises ConnectionError when it cannot."""
        if self._opened:
            return
        try:
            for _ in range(self.num_connections):
                self._conns.append(await self._connect_one())
        except BaseException:
            for conn in self._conns:
                conn.transport.abort()
            self._conns = []
            raise
        self._live = list(self._conns)
        self._opened = True

    async def close(self, timeout: float = 60) -> None:
        """Refuses new requests, waits up to `timeout` seconds for those in
        flight, then closes the connections."""
        _seconds("timeout", timeout, optional=False)
        self._closed = True
        if not self._opened:
            return
        loop = asyncio.get_running_loop()
        await self._wait(self._idle, loop.time() + timeout)
        for conn in self._conns:
            if conn.lost is None:
                conn.lost = "the client closed the connection with the call still in flight"
                conn.transport.close()
        for conn in self._conns:
            await conn.closed

    def _idle(self) -> bool:
        return all(not c.inbox.pending for c in self._live)

    def _forget(self, conn: _AsyncConnection) -> None:
        self._live = [c for c in self._live if c is not conn]

    def _check_usable(self) -> None:
        if self._closed:
            raise ClientClosed("the client is closed")
        if not self._opened:
            raise ClientClosed("the client is not open: use it in an async with block, "
                               "or await open()")

    # As SocketClient does, connections the service closed (an idle one, at
    # --socket-idle-timeout) are opened again for the next calls. The loop
    # sees a close when it runs; a connection with nothing in flight is
    # also checked before a call goes out on it, in case the loop did not
    # run since.

    def _ended(self, conn: _AsyncConnection) -> bool:
        """Whether a connection with nothing in flight was closed by the
        service: anything to read on it is the end of the stream (or an
        error about no call, which comes before a close)."""
        if conn.lost is not None:
            return True
        sock = conn.transport.get_extra_info("socket")
        if sock is None or select.select([sock.fileno()], [], [], 0)[0]:
            conn.lost = "the service closed the connection"
            conn.transport.abort()
            self._forget(conn)
            return True
        return False

    async def _reopen(self) -> None:
        if self._closed:
            return
        for i, conn in enumerate(self._conns):
            if conn.lost is not None:
                try:
                    fresh = await self._connect_once()
                except OSError:
                    return  # the service is not there: the calls will say so
                self._conns[i] = fresh
                self._live.append(fresh)

    def _lost_all(self) -> ClientClosed:
        return ClientClosed(
            f"every connection to {_where(self.path, self.host, self.port)} is lost")

    async def _pick(self) -> _AsyncConnection:
        """The connection for the next call: the least busy."""
        if len(self._live) < len(self._conns):
            await self._reopen()
        reopened = False
        while True:
            live = self._live
            if not live:
                raise self._lost_all()
            conn = min(live, key=lambda c: len(c.inbox.pending)) if len(live) > 1 else live[0]
            if conn.inbox.pending or not self._ended(conn):
                return conn
            if not reopened:
                reopened = True
                await self._reopen()

    async def _refresh(self) -> None:
        """Before a stream's batch: connections found closed are opened again."""
        for conn in list(self._live):
            if not conn.inbox.pending:
                self._ended(conn)
        if len(self._live) < len(self._conns):
            await self._reopen()
        if not self._live:
            raise self._lost_all()

    def _in_flight(self) -> int:
        return sum(len(c.inbox.pending) for c in self._live) + self._reserved

    def _has_room(self) -> bool:
        return self._in_flight() < self.backlog or not self._live

    def _check_waiters(self) -> None:
        for pred, future in self._waiters:
            if not future.done() and pred():
                future.set_result(True)

    async def _wait(self, pred: Callable[[], bool], deadline: Optional[float]) -> bool:
        """Until pred() (True) or the deadline, in loop time (False)."""
        if pred():
            return True
        if not self._live:
            return pred()
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        entry = (pred, future)
        self._waiters.append(entry)
        timer = loop.call_at(deadline, _set_false, future) if deadline is not None else None
        try:
            await future
        finally:
            self._waiters.remove(entry)
            if timer is not None:
                timer.cancel()
        return pred()

    async def _wait_for_room(self, enqueue_timeout: Optional[float]) -> None:
        if self._in_flight() >= self.backlog:
            loop = asyncio.get_running_loop()
            if not await self._wait(self._has_room, _deadline(enqueue_timeout, loop.time())):
                raise TimeoutError(f"{self.backlog} requests in flight; no room within "
                                   f"{enqueue_timeout} s")
            self._check_usable()

    async def _submit(self, path: str, data: Any, enqueue_timeout: Optional[float],
                      target) -> None:
        payload = self._codec.maker(path)(data)
        self._check_usable()
        await self._wait_for_room(enqueue_timeout)
        conn = await self._pick()
        rid = b"%d" % next(self._ids)
        conn.inbox.pending[rid] = target
        conn.transport.write(rid + b" %d" % len(payload) + self._codec.tag + payload)
        await conn.drain()

    async def submit(self, path: str, data: Any = None, *,
                     enqueue_timeout: Optional[float] = None) -> "asyncio.Future":
        """Sends a request; returns an asyncio future of its value (or
        error). Waits up to `enqueue_timeout` seconds while `backlog`
        requests are in flight, then raises TimeoutError."""
        _seconds("enqueue_timeout", enqueue_timeout)
        future = asyncio.get_running_loop().create_future()
        await self._submit(path, data, enqueue_timeout, _AsyncCall(future))
        return future

    async def request(self, path: str, data: Any = None, *,
                      enqueue_timeout: Optional[float] = None,
                      response_timeout: Optional[float] = None) -> Any:
        """Calls a route and returns its value; raises as
        SocketClient.request does. A `response_timeout` of 0 or less sends
        without waiting and returns None."""
        _seconds("enqueue_timeout", enqueue_timeout)
        _seconds("response_timeout", response_timeout)
        if response_timeout is not None and response_timeout <= 0:
            await self._submit(path, data, enqueue_timeout, _DROP)
            return None
        future = await self.submit(path, data, enqueue_timeout=enqueue_timeout)
        if response_timeout is None:
            return await future
        try:
            return await asyncio.wait_for(future, response_timeout)
        except asyncio.TimeoutError:
            # The future is cancelled: its late reply is read and dropped.
            raise TimeoutError(f"no response within {response_timeout} seconds") from None

    async def stream(self, path: str, data: Union[Iterable[Any], AsyncIterable[Any]], *,
                     return_x: bool = False, return_exceptions: bool = False,
                     enqueue_timeout: Optional[float] = 60,
                     response_timeout: Optional[float] = 60) -> AsyncIterator[Any]:
        """An async iterator over the results of calling `path` for each item
        of `data` (an iterable or an async iterable), in input order, as
        SocketClient.stream."""
        _seconds("enqueue_timeout", enqueue_timeout)
        _seconds("response_timeout", response_timeout)
        self._check_usable()
        loop = asyncio.get_running_loop()
        make = self._codec.maker(path)
        tag = self._codec.tag
        backlog = self.backlog
        step = max(1, min(backlog // 8, 256))
        if hasattr(data, "__aiter__"):
            source = data.__aiter__()
            items = None
        else:
            source = None
            items = iter(data)
        window: Deque[tuple] = collections.deque()
        results: Dict[bytes, tuple] = {}
        more = True
        try:
            while more or window:
                room = backlog - len(window)
                if more and room > 0 and (room >= step or not window):
                    self._check_usable()
                    free = min(room, backlog - self._in_flight())
                    if free <= 0 and not window:
                        deadline = _deadline(enqueue_timeout, loop.time())
                        if await self._wait(self._has_room, deadline):
                            self._check_usable()
                            free = min(room, backlog - self._in_flight())
                    if free <= 0 and not window:
                        try:
                            x = next(items) if items is not None else await source.__anext__()
                        except (StopIteration, StopAsyncIteration):
                            more = False
                            continue
                        window.append((None, x, 0.0, TimeoutError(
                            f"{backlog} requests in flight; no room within {enqueue_timeout} s")))
                    elif free > 0:
                        await self._refresh()
                        more = await self._stream_send(items, source, make, tag, free,
                                                       window, results)
                    if not window:
                        continue
                head = window[0]
                rid = head[0]
                if rid is not None and rid not in results:
                    deadline = None if response_timeout is None else head[2] + response_timeout
                    n_window = len(window)

                    def ready():
                        return rid in results or (
                            more and backlog - n_window >= step
                            and backlog - self._in_flight() >= step)
                    await self._wait(ready, deadline)
                    if rid not in results:
                        if deadline is None or loop.time() < deadline:
                            continue  # room to send more before the head is in
                        pending = head[3].inbox.pending
                        if pending.get(rid) is results:
                            pending[rid] = _DROP
                        window[0] = (None, head[1], head[2], TimeoutError(
                            f"no response within {response_timeout} seconds"))
                while window:
                    head = window[0]
                    if head[0] is not None and head[0] not in results:
                        break
                    window.popleft()
                    error, y = _stream_result(head, results)
                    if error is not None:
                        if not return_exceptions:
                            raise error
                        y = error
                    yield (head[1], y) if return_x else y
        finally:
            for entry in window:
                if entry[0] is not None:
                    pending = entry[3].inbox.pending
                    if pending.get(entry[0]) is results:
                        pending[entry[0]] = _DROP
            results.clear()

    async def _stream_send(self, items, source, make, tag, free, window, results) -> bool:
        loop = asyncio.get_running_loop()
        entries = []
        records = []
        more = True
        ids = self._ids
        until = loop.time() + _BATCH_SECONDS
        count = 0
        self._reserved += free
        try:
            while count < free:
                try:
                    x = next(items) if items is not None else await source.__anext__()
                except (StopIteration, StopAsyncIteration):
                    more = False
                    break
                count += 1
                try:
                    payload = make(x)
                except Exception as e:  # the item cannot be encoded: its result
                    entries.append((None, x, e))
                else:
                    rid = b"%d" % next(ids)
                    entries.append((rid, x, None))
                    records.append(rid + b" %d" % len(payload) + tag + payload)
                if count & 15 == 0 and loop.time() > until:
                    break
        except Exception as e:
            # `data` itself failed: raised once the items before it are yielded.
            entries.append((None, _DATA_FAILED, e))
            more = False
        finally:
            self._reserved -= free
        live = self._live
        t = loop.time()
        if not live:
            for rid, x, e in entries:
                window.append((None, x, t, e or ClientClosed("every connection is lost")))
            return more
        outs, self._round = _assign(entries, records, live, self._round, results, window, t)
        for conn, out in zip(live, outs):
            if out:
                conn.transport.write(out)
        for conn in live:
            await conn.drain()
        return more
