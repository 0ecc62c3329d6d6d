"""The Python original's socket client against our socket gateway, unchanged:
`OriginalClient` below re-implements, with the standard library, how its
SocketClient frames requests (header '<id> <len> pickle', payload
pickle((path, data)), decimal ids) and what it does with a reply (unpickle
it; raise it when it is an exception instance). Its documented examples
(tests/test_socket.py) run against the real actorserve-example.
Usage: pickle_client_test.py BINARY"""
import concurrent.futures
import datetime
import itertools
import os
import pickle
import socket
import sys
import tempfile
import threading
import unittest

from service import Service

BINARY = None


class OriginalClient:
    """The original client's wire behaviour, in a few lines."""

    def __init__(self, path, protocol=pickle.DEFAULT_PROTOCOL):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(path)
        self.protocol = protocol
        self.ids = itertools.count()
        self.pending = {}
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        f = self.sock.makefile("rb")
        while line := f.readline():
            rid, length, encoder = line.decode().split()
            payload = f.read(int(length))
            assert encoder == "pickle", encoder
            with self.lock:
                future = self.pending.pop(rid)
            future.set_result(pickle.loads(payload))

    def submit(self, path, data=None, *extra):
        rid = str(next(self.ids))
        payload = pickle.dumps((path, data, *extra), protocol=self.protocol)
        future = concurrent.futures.Future()
        with self.lock:
            self.pending[rid] = future
        self.sock.sendall(f"{rid} {len(payload)} pickle\n".encode() + payload)
        return future

    def request(self, path, data=None, *extra, response_timeout=60):
        future = self.submit(path, data, *extra)
        if response_timeout <= 0:
            return None  # fire and forget; the reader still consumes the reply
        value = future.result(response_timeout)
        if isinstance(value, BaseException):
            raise value
        return value

    def stream(self, path, data, *, return_x=False):
        futures = [(x, self.submit(path, x)) for x in data]
        for x, future in futures:
            value = future.result(60)
            if isinstance(value, BaseException):
                raise value
            yield (x, value) if return_x else value

    def close(self):
        self.sock.close()


class OriginalClientTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.path = os.path.join(self.tmp.name, "sock_abc")

    def start(self, *extra):
        svc = Service([BINARY, f"--socket-path={self.path}", *extra])
        self.addCleanup(svc.kill)
        return svc

    def client(self, **kwargs):
        c = OriginalClient(self.path, **kwargs)
        self.addCleanup(c.close)
        return c

    def test_simple_as_its_docs_run_it(self):
        svc = self.start()
        client = self.client()
        self.assertEqual(client.request("/double", 23), 46)
        self.assertEqual(client.request("/double", "abc"), "abcabc")
        self.assertEqual(list(client.stream("/double", range(10))),
                         [2 * x for x in range(10)])
        self.assertEqual(list(client.stream("/double", range(10), return_x=True)),
                         [(x, 2 * x) for x in range(10)])
        for x, y in client.stream("/double", range(10), return_x=True):
            if x > 5:
                break  # abandoned: the rest is answered and dropped
            self.assertEqual(y, 2 * x)
        self.assertEqual(client.request("/double", 4), 8)
        self.assertIsNone(client.request("/shutdown"))
        self.assertEqual(svc.wait(30), 0)
        self.assertFalse(os.path.exists(self.path))

    def test_shutdown_fire_and_forget_as_the_mpserver_example_ends(self):
        svc = self.start("--workers=1")
        client = self.client()
        self.assertEqual(client.request("/double", {"x": 8}), {"x": 8, "y": 16})
        self.assertIsNone(client.request("/shutdown", response_timeout=0))
        self.assertEqual(svc.wait(30), 0)

    def test_every_protocol_and_the_values_without_a_json_form(self):
        self.start()
        for protocol in (2, 3, 4, 5):
            client = self.client(protocol=protocol)
            with self.subTest(protocol=protocol):
                self.assertEqual(client.request("/echo", b"\x00\xff"), b"\x00\xff")
                self.assertEqual(client.request("/echo", bytearray(b"ab")), b"ab")
                self.assertEqual(client.request("/echo", (1, "two", None)), [1, "two", None])
                self.assertEqual(sorted(client.request("/echo", {3, 1, 2})), [1, 2, 3])
                self.assertEqual(client.request("/echo", {1: "a", None: True}),
                                 {"1": "a", "null": True})
                self.assertEqual(client.request("/echo", 2**64 - 1), 2**64 - 1)
                self.assertEqual(client.request("/echo", 2**70), float(2**70))
                self.assertEqual(client.request("/echo", "é 😀"), "é 😀")
                self.assertEqual(client.request("/double", 2.5), 5.0)

    def test_errors_are_raised_as_builtins_exceptions(self):
        self.start()
        client = self.client()
        with self.assertRaises(KeyError) as caught:
            client.request("/missing", 1)
        self.assertEqual(caught.exception.args, ("no route /missing",))
        with self.assertRaises(TypeError) as caught:
            client.request("/double", [1])
        self.assertIn("/double takes a number", str(caught.exception))
        with self.assertRaises(RuntimeError) as caught:
            client.request("/fail", "boom")
        self.assertRegex(str(caught.exception), r"^\w+: ")
        # Only builtins exceptions, each of them raised as it is.
        self.assertEqual(type(caught.exception), RuntimeError)

    def test_a_deadline_that_passes_raises_timeout_error(self):
        self.start()
        client = self.client()
        # Options, as a JSON request's third element: a deadline of 0.3 s.
        with self.assertRaises(TimeoutError):
            client.request("/sleep", 2, {"timeout": 0.3})
        self.assertEqual(client.request("/double", 1), 2)

    def test_objects_are_refused_and_the_connection_goes_on(self):
        self.start()
        client = self.client()
        with self.assertRaises(RuntimeError) as caught:
            client.request("/echo", datetime.date(2026, 1, 1))
        self.assertIn("BadRequest: pickle: the opcode STACK_GLOBAL names datetime.date",
                      str(caught.exception))
        with self.assertRaises(RuntimeError) as caught:
            client.request("/echo", ValueError("a value, not an error"))
        self.assertIn("names builtins.ValueError", str(caught.exception))
        with self.assertRaises(RuntimeError) as caught:
            client.request(["not", "a path"])
        self.assertIn("a pickle request is the tuple (path, data)", str(caught.exception))
        self.assertEqual(client.request("/double", 21), 42)

    def test_a_small_pickle_cannot_make_a_large_value(self):
        # 24 levels of a list holding two references to the level below:
        # 244 bytes that would be 16 million values. Refused as it is read,
        # while another client's calls go on.
        self.start()
        bomb = (b"\x80\x04\x8c\x05/echo" + b"N" + b"q\x000(h\x00h\x00l" * 24
                + b"\x86.")
        client, other = self.client(), self.client()
        futures = [client.submit("/double", 1)]
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(self.path)
            f = s.makefile("rb")
            for i in range(20):
                s.sendall(f"b{i} {len(bomb)} pickle\n".encode() + bomb)
                futures.append(other.submit("/double", i))
            for i in range(20):
                rid, n, enc = f.readline().decode().split()
                answer = pickle.loads(f.read(int(n)))
                self.assertEqual((rid, enc), (f"b{i}", "pickle"))
                self.assertIsInstance(answer, RuntimeError)
                self.assertIn("BadRequest: pickle: the value would take more than", str(answer))
                self.assertIn(f"the limit for a pickle of {len(bomb)} bytes", str(answer))
        self.assertEqual([f.result(10) for f in futures], [2] + [2 * i for i in range(20)])

    def test_many_in_flight_on_one_connection(self):
        self.start()
        client = self.client()
        futures = [client.submit("/double", i) for i in range(2000)]
        self.assertEqual([f.result(60) for f in futures], [2 * i for i in range(2000)])

    def test_json_and_pickle_share_a_connection(self):
        self.start()
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(self.path)
            p = pickle.dumps(("/double", 2))
            s.sendall(f"a {len(p)} pickle\n".encode() + p + b'b 14 json\n["/double",21]')
            f = s.makefile("rb")
            got = {}
            for _ in range(2):
                rid, n, enc = f.readline().decode().split()
                got[rid] = (enc, f.read(int(n)))
            self.assertEqual(got["b"], ("json", b"42"))
            self.assertEqual(got["a"][0], "pickle")
            self.assertEqual(pickle.loads(got["a"][1]), 4)

    def test_a_stop_token_is_needed_for_shutdown(self):
        token_file = os.path.join(self.tmp.name, "token")
        with open(token_file, "w") as f:
            f.write("s3cret-token-of-enough-length\n")
        os.chmod(token_file, 0o600)
        svc = self.start(f"--stop-token-file={token_file}")
        client = self.client()
        with self.assertRaises(PermissionError):
            client.request("/shutdown")
        self.assertIsNone(client.request("/shutdown", "s3cret-token-of-enough-length"))
        self.assertEqual(svc.wait(30), 0)


if __name__ == "__main__":
    BINARY = sys.argv.pop(1)
    unittest.main()
