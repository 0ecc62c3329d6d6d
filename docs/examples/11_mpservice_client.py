"""A client of the example service (actorserve-example --socket-path=PATH)
that speaks as mpservice's SocketClient does, with Python's standard library
alone: each request is a record `<id> <length> pickle\\n` whose payload is
pickle.dumps((path, data)), under a decimal id; each answer is a pickle,
raised when it is an exception. A program written for that client runs
against actorserve unchanged; this file shows what goes over the wire
(docs/socket.md, "Switching from mpservice's SocketClient").

Usage: python3 11_mpservice_client.py SOCKET_PATH [--shutdown]"""
import builtins
import concurrent.futures
import io
import itertools
import pickle
import socket
import sys
import threading


class AnswerUnpickler(pickle.Unpickler):
    """pickle.loads would do; this also refuses an answer that names anything
    but a builtins exception class (docs/protocol.md)."""

    def find_class(self, module, name):
        cls = getattr(builtins, name, None) if module == "builtins" else None
        if isinstance(cls, type) and issubclass(cls, Exception):
            return cls
        raise pickle.UnpicklingError(f"an answer may not name {module}.{name}")


class PickleSocketClient:
    """One connection; many requests in flight, their answers matched by id."""

    def __init__(self, *, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.ids = itertools.count()
        self.pending = {}  # id -> the future of its answer
        self.lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        answers = self.sock.makefile("rb")
        while header := answers.readline():
            rid, length, encoder = header.decode("ascii").split()
            payload = answers.read(int(length))
            with self.lock:
                future = self.pending.pop(rid)
            future.set_result(AnswerUnpickler(io.BytesIO(payload)).load())

    def submit(self, path, data=None):
        rid = str(next(self.ids))
        payload = pickle.dumps((path, data))
        future = concurrent.futures.Future()
        with self.lock:
            self.pending[rid] = future
        self.sock.sendall(f"{rid} {len(payload)} pickle\n".encode("ascii") + payload)
        return future

    def request(self, path, data=None, *, response_timeout=60):
        future = self.submit(path, data)
        if response_timeout <= 0:
            return None  # sent; the answer is read and dropped
        value = future.result(response_timeout)
        if isinstance(value, BaseException):
            raise value
        return value

    def stream(self, path, data, *, return_x=False, response_timeout=60):
        """Sends every item at once; yields the results in input order."""
        futures = [(x, self.submit(path, x)) for x in data]
        for x, future in futures:
            y = future.result(response_timeout)
            if isinstance(y, BaseException):
                raise y
            yield (x, y) if return_x else y

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.sock.close()


def main():
    with PickleSocketClient(path=sys.argv[1]) as client:
        print("/double 23 ->", client.request("/double", 23))
        print("stream /double ->", list(client.stream("/double", range(5), return_x=True)))
        # Answered as each call finishes (0.1 first), yielded in input order.
        print("stream /sleep ->", list(client.stream("/sleep", [0.3, 0.1, 0.2])))
        print("/echo ->", client.request("/echo", (1, b"\x00", {3})))
        try:
            client.request("/missing", 1)
        except KeyError as e:
            print("/missing 1 ->", repr(e))
        if "--shutdown" in sys.argv[2:]:
            print("/shutdown ->", client.request("/shutdown"))  # None; the service stops


if __name__ == "__main__":
    main()
