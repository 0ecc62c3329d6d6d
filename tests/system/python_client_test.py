"""System tests of the Python client, apps/python/actorserve_client.py:
SocketClient and AsyncSocketClient against the real actorserve-example over
a Unix socket in a temporary directory; the pickle encoder against a fake
server (a thread in this process answering pickle records) and, once the
service speaks pickle, against the service; and `pip install` of
apps/python into a temporary venv with no network.
Usage: python_client_test.py BINARY"""
import asyncio
import glob
import hashlib
import base64
import json
import os
import pickle
import resource
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.request
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT_DIR = os.path.join(HERE, "..", "..", "apps", "python")
sys.path.insert(0, CLIENT_DIR)

from actorserve_client import (AsyncSocketClient, ClientClosed, RemoteError,  # noqa: E402
                               SocketClient)
from service import Service  # noqa: E402

BINARY = None


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class ServiceTest(unittest.TestCase):
    """Starts the example service on a Unix socket (and HTTP on a free port,
    for /debug/calls) for each test, and stops it whatever happens."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.path = os.path.join(self.tmp.name, "svc.sock")
        self.svc = Service([BINARY, f"--socket-path={self.path}", "--http-port=0"])
        self.addCleanup(self.svc.kill)

    def sleeps_in_service(self):
        """How many /sleep calls the service is running now."""
        url = f"http://{self.svc.endpoint('http')}/debug/calls"
        with urllib.request.urlopen(url, timeout=10) as r:
            routes = json.load(r)["routes"]
        return next(r["in_flight"] for r in routes if r["route"] == "/sleep")

    def wait_until(self, condition, timeout, what):
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                self.fail(f"not within {timeout} s: {what}")
            time.sleep(0.02)


class SyncClientTest(ServiceTest):
    def test_request_returns_values_and_raises_the_services_errors(self):
        with SocketClient(path=self.path, num_connections=2) as c:
            self.assertEqual(c.request("/double", 21), 42)
            self.assertEqual(c.request("/double", {"x": 8}), {"x": 8, "y": 16})
            self.assertEqual(c.request("/double", "ab"), "abab")
            self.assertIsNone(c.request("/echo"))
            self.assertEqual(c.request("/echo", [1, {"a": "é ü"}, None, 2.5]),
                             [1, {"a": "é ü"}, None, 2.5])
            big = "x" * (3 << 20)  # written and read over many system calls
            self.assertEqual(c.request("/echo", big), big)
            with self.assertRaises(RemoteError) as e:
                c.request("/missing", 1)
            self.assertEqual((e.exception.type, e.exception.message),
                             ("NotFound", "no route /missing"))
            with self.assertRaises(RemoteError) as e:
                c.request("/fail", "on purpose")
            self.assertEqual(str(e.exception), "ExampleError: on purpose")
            future = c.submit("/sleep", 0.05)
            self.assertEqual(future.result(timeout=5), 0.05)
            self.assertTrue(future.done())

    def test_many_threads_share_one_client(self):
        errors, answers = [], {}
        with SocketClient(path=self.path, num_connections=3) as c:
            def work(k):
                try:
                    got = [c.request("/double", k * 1000 + i) for i in range(200)]
                    got.append(c.request("/sleep", 0.3))
                    answers[k] = got
                except Exception as e:  # judged below
                    errors.append(e)
            threads = [threading.Thread(target=work, args=(k,)) for k in range(12)]
            start = time.monotonic()
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            elapsed = time.monotonic() - start
        self.assertEqual(errors, [])
        for k in range(12):
            self.assertEqual(answers[k], [2 * (k * 1000 + i) for i in range(200)] + [0.3])
        # The twelve 0.3 s sleeps ran at once, not one after the other.
        self.assertLess(elapsed, 12 * 0.3)

    def test_enqueue_timeout_when_the_backlog_is_full(self):
        with SocketClient(path=self.path, num_connections=1, backlog=2) as c:
            first, second = c.submit("/sleep", 0.6), c.submit("/sleep", 0.6)
            start = time.monotonic()
            with self.assertRaises(TimeoutError) as e:
                c.request("/double", 1, enqueue_timeout=0.2)
            self.assertGreaterEqual(time.monotonic() - start, 0.19)
            self.assertLess(time.monotonic() - start, 0.5)
            self.assertEqual(str(e.exception), "2 requests in flight; no room within 0.2 s")
            # A request that may wait gets its turn once a sleep is done.
            self.assertEqual(c.request("/double", 2, enqueue_timeout=5), 4)
            self.assertEqual((first.result(5), second.result(5)), (0.6, 0.6))

    def test_response_timeout_raises_and_the_late_reply_is_dropped(self):
        with SocketClient(path=self.path, num_connections=1) as c:
            start = time.monotonic()
            with self.assertRaises(TimeoutError) as e:
                c.request("/sleep", 0.5, response_timeout=0.1)
            self.assertLess(time.monotonic() - start, 0.4)
            self.assertEqual(str(e.exception), "no response within 0.1 seconds")
            self.assertEqual(self.sleeps_in_service(), 1)  # the service works on
            self.assertEqual(c.request("/double", 3), 6)
            time.sleep(0.6)  # the late reply has come: the next answers are their own
            self.assertEqual([c.request("/double", i) for i in range(5)], [0, 2, 4, 6, 8])
            self.assertEqual(list(c.stream("/double", range(5))), [0, 2, 4, 6, 8])

    def test_response_timeout_zero_sends_without_waiting(self):
        with SocketClient(path=self.path, num_connections=2) as c:
            start = time.monotonic()
            self.assertIsNone(c.request("/sleep", 0.5, response_timeout=0))
            self.assertIsNone(c.request("/sleep", 0.5, response_timeout=-1))
            self.assertLess(time.monotonic() - start, 0.2)
            self.wait_until(lambda: self.sleeps_in_service() == 2, 5, "both sleeps run")
            for i in range(50):  # replies nobody waits for do not mix with those awaited
                self.assertIsNone(c.request("/double", -i, response_timeout=0))
                self.assertEqual(c.request("/double", i), 2 * i)
            start = time.monotonic()
        # Closing waited for the sleeps' replies and read them.
        self.assertGreater(time.monotonic() - start, 0.1)
        self.assertEqual(self.sleeps_in_service(), 0)

    def test_stream_yields_in_input_order(self):
        with SocketClient(path=self.path, num_connections=4) as c:
            # Later items finish first; the results still come in input order.
            sleeps = [0.3, 0.2, 0.1, 0.0, 0.05]
            self.assertEqual(list(c.stream("/sleep", sleeps)), sleeps)
            self.assertEqual(list(c.stream("/double", range(5000))),
                             [2 * i for i in range(5000)])
            self.assertEqual(list(c.stream("/double", (i for i in range(3)), return_x=True)),
                             [(0, 0), (1, 2), (2, 4)])
            got = list(c.stream("/double", [1, [1], 3], return_x=True, return_exceptions=True))
            self.assertEqual([got[0], got[2]], [(1, 2), (3, 6)])
            self.assertEqual(got[1][0], [1])
            self.assertIsInstance(got[1][1], RemoteError)
            self.assertEqual(got[1][1].type, "TypeError")
            seen = []
            with self.assertRaises(RemoteError) as e:
                for y in c.stream("/double", [1, 2, [1], 4]):
                    seen.append(y)
            self.assertEqual(seen, [2, 4])  # the results before the error
            self.assertEqual(e.exception.type, "TypeError")
            self.assertEqual(list(c.stream("/double", [])), [])

    def test_stream_item_timeout_counts_from_when_the_item_was_sent(self):
        with SocketClient(path=self.path) as c:
            start = time.monotonic()
            got = list(c.stream("/sleep", [0.6, 0.01, 0.02], response_timeout=0.2,
                                return_exceptions=True))
            self.assertLess(time.monotonic() - start, 0.5)
            self.assertIsInstance(got[0], TimeoutError)
            self.assertEqual(got[1:], [0.01, 0.02])
            with self.assertRaises(TimeoutError):
                list(c.stream("/sleep", [0.6], response_timeout=0.1))
            self.assertEqual(c.request("/double", 4), 8)

    def test_breaking_out_of_a_stream_leaves_the_client_usable(self):
        with SocketClient(path=self.path, num_connections=4, backlog=512) as c:
            for i, y in enumerate(c.stream("/double", range(10 ** 6))):
                self.assertEqual(y, 2 * i)
                if i == 10:
                    break
            for y in c.stream("/sleep", [0.2] * 20):
                break
            self.assertEqual(c.request("/double", 21), 42)
            self.assertEqual(list(c.stream("/double", range(2000))),
                             [2 * i for i in range(2000)])
            start = time.monotonic()
        self.assertLess(time.monotonic() - start, 5)  # closing did not wait its full 60 s

    def test_an_idle_client_runs_no_thread_and_burns_no_cpu(self):
        threads = threading.active_count()
        with SocketClient(path=self.path, num_connections=8) as c:
            self.assertEqual(c.request("/double", 1), 2)
            with self.assertRaises(TimeoutError):
                c.request("/sleep", 0.3, response_timeout=0.01)
            self.assertEqual(threading.active_count(), threads)
            before = cpu_seconds()
            time.sleep(0.5)
            self.assertLess(cpu_seconds() - before, 0.02)
            self.assertEqual(c.request("/double", 2), 4)

    def test_calls_fail_with_client_closed_when_the_service_goes(self):
        with SocketClient(path=self.path, num_connections=2) as c:
            future = c.submit("/sleep", 10)
            self.assertEqual(c.request("/double", 1), 2)
            self.svc.kill()
            start = time.monotonic()
            with self.assertRaises(ClientClosed) as e:
                future.result(timeout=10)
            self.assertLess(time.monotonic() - start, 5)
            self.assertIn("the service closed the connection", str(e.exception))
            with self.assertRaises(ClientClosed):
                c.request("/double", 1)
        with self.assertRaises(ClientClosed) as e:
            c.request("/double", 1)
        self.assertEqual(str(e.exception), "the client is closed")

    def test_connections_the_service_closed_are_opened_again(self):
        self.svc.kill()
        idle_closing = [BINARY, f"--socket-path={self.path}", "--socket-idle-timeout=0.3"]
        svc = Service(idle_closing)
        self.addCleanup(svc.kill)
        with SocketClient(path=self.path, num_connections=2) as c:
            self.assertEqual(c.request("/double", 1), 2)
            time.sleep(0.8)  # the service closes both connections, idle for 0.3 s
            self.assertEqual(c.request("/double", 2), 4)
            time.sleep(0.8)
            self.assertEqual(list(c.stream("/double", range(100))), [2 * i for i in range(100)])
            # A service stopped fails the calls; one started again serves them.
            svc.kill()
            with self.assertRaises(ClientClosed):
                c.request("/double", 3)
            svc = Service(idle_closing)
            self.addCleanup(svc.kill)
            self.assertEqual(c.request("/double", 3), 6)

    def test_a_client_never_opened_says_so(self):
        with self.assertRaises(ClientClosed) as e:
            SocketClient(path=self.path).request("/double", 1)
        self.assertIn("not open", str(e.exception))
        with self.assertRaises(ValueError):
            SocketClient(path=self.path, encoder="xml")


    def test_arguments_that_are_not_numbers_of_their_kind_are_refused(self):
        nan, inf = float("nan"), float("inf")
        for kwargs, message in (
                ({"num_connections": 1.5}, "num_connections is a whole number from 1 to 1024"),
                ({"num_connections": 1025}, "num_connections is a whole number from 1 to 1024"),
                ({"backlog": nan}, "backlog is a whole number of at least 1, got nan"),
                ({"backlog": 0}, "backlog is a whole number of at least 1, got 0"),
                ({"connection_timeout": nan}, "connection_timeout is a number of seconds"),
                ({"connection_timeout": inf}, "connection_timeout is a number of seconds"),
                ({"connection_timeout": -1}, "connection_timeout is a number of seconds")):
            for client in (SocketClient, AsyncSocketClient):
                with self.assertRaises(ValueError, msg=kwargs) as e:
                    client(path=self.path, **kwargs)
                self.assertIn(message, str(e.exception))
        for address in ({"port": 0}, {"port": 65536}, {"port": "80"}, {"path": ""}):
            with self.assertRaises(ValueError, msg=address):
                SocketClient(**address)
        # At the edges: taken.
        SocketClient(path=self.path, num_connections=1024, connection_timeout=604800)
        # Timeouts: NaN would wait for ever or spin, inf overflows select().
        with SocketClient(path=self.path, num_connections=1) as c:
            for bad in (nan, inf, 1e10, "1"):
                for call in (lambda: c.request("/double", 1, response_timeout=bad),
                             lambda: c.request("/double", 1, enqueue_timeout=bad),
                             lambda: c.submit("/double", 1).result(bad),
                             lambda: next(c.stream("/double", [1], response_timeout=bad))):
                    with self.assertRaises(ValueError, msg=bad) as e:
                        call()
                    self.assertIn("is a number of seconds up to 604800 or None", str(e.exception))
            with self.assertRaises(ValueError):
                c.close(timeout=nan)
            self.assertEqual(c.request("/double", 2, response_timeout=604800), 4)


class AsyncClientTest(ServiceTest):
    def run_async(self, coroutine):
        return asyncio.run(asyncio.wait_for(coroutine, 60))

    def test_request_and_concurrent_tasks(self):
        async def main():
            async with AsyncSocketClient(path=self.path, num_connections=2) as c:
                self.assertEqual(await c.request("/double", 21), 42)
                self.assertEqual(await c.request("/double", {"x": 8}), {"x": 8, "y": 16})
                self.assertIsNone(await c.request("/echo"))
                big = "y" * (3 << 20)
                self.assertEqual(await c.request("/echo", big), big)
                with self.assertRaises(RemoteError) as e:
                    await c.request("/missing")
                self.assertEqual(e.exception.type, "NotFound")
                future = await c.submit("/sleep", 0.05)
                self.assertEqual(await future, 0.05)
                start = time.monotonic()
                got = await asyncio.gather(*[c.request("/sleep", 0.3) for _ in range(10)],
                                           *[c.request("/double", i) for i in range(300)])
                self.assertLess(time.monotonic() - start, 10 * 0.3)
                self.assertEqual(got, [0.3] * 10 + [2 * i for i in range(300)])
        self.run_async(main())

    def test_timeouts_and_fire_and_forget(self):
        async def main():
            async with AsyncSocketClient(path=self.path, num_connections=1, backlog=2) as c:
                first = await c.submit("/sleep", 0.6)
                second = await c.submit("/sleep", 0.6)
                with self.assertRaises(TimeoutError) as e:
                    await c.request("/double", 1, enqueue_timeout=0.2)
                self.assertEqual(str(e.exception), "2 requests in flight; no room within 0.2 s")
                self.assertEqual(await c.request("/double", 2, enqueue_timeout=5), 4)
                self.assertEqual((await first, await second), (0.6, 0.6))
            async with AsyncSocketClient(path=self.path, num_connections=1) as c:
                start = time.monotonic()
                with self.assertRaises(TimeoutError) as e:
                    await c.request("/sleep", 0.5, response_timeout=0.1)
                self.assertLess(time.monotonic() - start, 0.4)
                self.assertEqual(str(e.exception), "no response within 0.1 seconds")
                self.assertEqual(await c.request("/double", 3), 6)
                self.assertIsNone(await c.request("/sleep", 0.5, response_timeout=0))
                self.assertEqual(await asyncio.get_running_loop().run_in_executor(
                    None, self.sleeps_in_service), 2)
                for i in range(50):
                    self.assertIsNone(await c.request("/double", -i, response_timeout=0))
                    self.assertEqual(await c.request("/double", i), 2 * i)
                await asyncio.sleep(0.6)
                self.assertEqual([y async for y in c.stream("/double", range(5))],
                                 [0, 2, 4, 6, 8])
        self.run_async(main())

    def test_timeouts_that_are_not_numbers_of_seconds_are_refused(self):
        async def main():
            async with AsyncSocketClient(path=self.path, num_connections=1) as c:
                for bad in (float("nan"), float("inf"), 1e10):
                    with self.assertRaises(ValueError):
                        await c.request("/double", 1, response_timeout=bad)
                    with self.assertRaises(ValueError):
                        await c.submit("/double", 1, enqueue_timeout=bad)
                    with self.assertRaises(ValueError):
                        async for _ in c.stream("/double", [1], enqueue_timeout=bad):
                            pass
                self.assertEqual(await c.request("/double", 3), 6)
        self.run_async(main())

    def test_stream_order_options_and_early_break(self):
        async def numbers():
            for i in range(3):
                await asyncio.sleep(0)
                yield i

        async def main():
            async with AsyncSocketClient(path=self.path, num_connections=4) as c:
                sleeps = [0.3, 0.2, 0.1, 0.0, 0.05]
                self.assertEqual([y async for y in c.stream("/sleep", sleeps)], sleeps)
                self.assertEqual([y async for y in c.stream("/double", range(5000))],
                                 [2 * i for i in range(5000)])
                self.assertEqual([p async for p in c.stream("/double", numbers(), return_x=True)],
                                 [(0, 0), (1, 2), (2, 4)])
                got = [p async for p in c.stream("/double", [1, [1], 3], return_x=True,
                                                 return_exceptions=True)]
                self.assertEqual([got[0], got[2]], [(1, 2), (3, 6)])
                self.assertEqual(got[1][1].type, "TypeError")
                seen = []
                with self.assertRaises(RemoteError):
                    async for y in c.stream("/double", [1, 2, [1], 4]):
                        seen.append(y)
                self.assertEqual(seen, [2, 4])
                got = [y async for y in c.stream("/sleep", [0.6, 0.01], response_timeout=0.2,
                                                 return_exceptions=True)]
                self.assertIsInstance(got[0], TimeoutError)
                self.assertEqual(got[1], 0.01)
                stream = c.stream("/double", range(10 ** 6))
                async for y in stream:
                    if y >= 20:
                        break
                await stream.aclose()
                self.assertEqual(await c.request("/double", 21), 42)
                self.assertEqual([y async for y in c.stream("/double", range(2000))],
                                 [2 * i for i in range(2000)])
                start = time.monotonic()
            self.assertLess(time.monotonic() - start, 5)
        self.run_async(main())

    def test_connections_the_service_closed_are_opened_again(self):
        self.svc.kill()
        svc = Service([BINARY, f"--socket-path={self.path}", "--socket-idle-timeout=0.3"])
        self.addCleanup(svc.kill)

        async def main():
            async with AsyncSocketClient(path=self.path, num_connections=2) as c:
                self.assertEqual(await c.request("/double", 1), 2)
                await asyncio.sleep(0.8)  # the loop sees the service close them
                self.assertEqual(await c.request("/double", 2), 4)
                time.sleep(0.8)  # the loop does not run: the client finds out itself
                self.assertEqual(await c.request("/double", 3), 6)
                time.sleep(0.8)
                self.assertEqual([y async for y in c.stream("/double", range(100))],
                                 [2 * i for i in range(100)])
        self.run_async(main())

    def test_calls_fail_with_client_closed_when_the_service_goes(self):
        async def main():
            async with AsyncSocketClient(path=self.path, num_connections=2) as c:
                future = await c.submit("/sleep", 10)
                self.svc.kill()
                with self.assertRaises(ClientClosed):
                    await asyncio.wait_for(future, 5)
                with self.assertRaises(ClientClosed):
                    await c.request("/double", 1)
        self.run_async(main())


class RawAnswer(bytes):
    """An answer's payload as it is, not pickled."""


class FakePickleServer:
    """A Unix socket server in a thread that answers pickle records the way
    the service does, and one answer no service should send: a pickle that
    calls os.system."""

    def __init__(self, path, canary):
        self.path = path
        self.canary = canary
        self.requests = []  # (header fields, unpickled payload)
        self.listener = socket.socket(socket.AF_UNIX)
        self.listener.bind(path)
        self.listener.listen()
        self.conns = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def answer(self, path, data):
        class Evil:
            def __reduce__(self_):
                return (os.system, (f"touch {self.canary}",))
        if path == "/double":
            return data * 2
        if path == "/missing":
            return KeyError("no route /missing")
        if path == "/busy":
            return RuntimeError("BacklogFull: /busy holds 1 call of 1")
        if path == "/late":
            return TimeoutError("no answer within 0.1 s")
        if path == "/evil":
            return Evil()
        if path == "/exit":
            return SystemExit(3)
        if path == "/stop-iteration":
            return StopIteration("the caller's loop would end here")
        if path == "/huge":  # Python's unpickler raises MemoryError on it
            return RawAnswer(b"\x80\x05\x96" + struct.pack("<Q", 2 ** 62) + b".")
        return ValueError(f"bad path {path}")

    def _serve(self, conn):
        f = conn.makefile("rb")
        try:
            while True:
                header = f.readline()
                if not header:
                    return
                rid, length, encoder = header.decode().split(" ")
                payload = f.read(int(length))
                request = pickle.loads(payload)  # this end trusts the client under test
                self.requests.append(((rid, encoder.strip()), request))
                answer = self.answer(*request[:2])
                body = answer if isinstance(answer, RawAnswer) else pickle.dumps(answer, protocol=4)
                conn.sendall(f"{rid} {len(body)} pickle\n".encode() + body)
        except OSError:
            return

    def close(self):
        self.listener.close()
        for conn in self.conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()


class PickleEncoderTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.canary = os.path.join(self.tmp.name, "pwned")
        self.server = FakePickleServer(os.path.join(self.tmp.name, "fake.sock"), self.canary)
        self.addCleanup(self.server.close)

    def test_requests_are_pickled_and_answers_unpickled_safely(self):
        with SocketClient(path=self.server.path, num_connections=2, encoder="pickle") as c:
            self.assertEqual(c.request("/double", 21), 42)
            self.assertEqual(c.request("/double", (1, b"\x00", {2: {3}})),
                             (1, b"\x00", {2: {3}}, 1, b"\x00", {2: {3}}))
            with self.assertRaises(KeyError) as e:
                c.request("/missing", None)
            self.assertEqual(e.exception.args, ("no route /missing",))
            with self.assertRaises(RuntimeError) as e:
                c.request("/busy", 1)
            self.assertEqual(str(e.exception), "BacklogFull: /busy holds 1 call of 1")
            with self.assertRaises(TimeoutError):
                c.request("/late", 1)
            with self.assertRaises(pickle.UnpicklingError) as e:
                c.request("/evil", 1)
            self.assertIn("posix.system", str(e.exception))
            self.assertFalse(os.path.exists(self.canary))
            with self.assertRaises(pickle.UnpicklingError) as e:  # not SystemExit
                c.request("/exit", 1)
            self.assertIn("builtins.SystemExit", str(e.exception))
            # A StopIteration raised out of a stream would end it silently.
            with self.assertRaises(pickle.UnpicklingError) as e:
                c.request("/stop-iteration", 1)
            self.assertIn("builtins.StopIteration", str(e.exception))
            got = list(c.stream("/stop-iteration", [1, 2], return_exceptions=True))
            self.assertEqual([type(y) for y in got], [pickle.UnpicklingError] * 2)
            # Whatever a malformed answer makes the unpickler raise.
            with self.assertRaises(RemoteError) as e:
                c.request("/huge", 1)
            self.assertEqual(e.exception.type, "BadResponse")
            self.assertIn("MemoryError", str(e.exception))
            got = list(c.stream("/double", [1, "a", 2.5]))
            self.assertEqual(got, [2, "aa", 5.0])
            got = list(c.stream("/evil", [1, 2], return_exceptions=True))
            self.assertTrue(all(isinstance(y, pickle.UnpicklingError) for y in got))
            self.assertEqual(c.request("/double", 4), 8)  # the connection went on
        self.assertFalse(os.path.exists(self.canary))
        (rid, encoder), request = self.server.requests[0]
        self.assertEqual((encoder, request), ("pickle", ("/double", 21)))

    def test_the_async_client_too(self):
        async def main():
            async with AsyncSocketClient(path=self.server.path, encoder="pickle") as c:
                self.assertEqual(await c.request("/double", [1]), [1, 1])
                with self.assertRaises(KeyError):
                    await c.request("/missing")
                with self.assertRaises(pickle.UnpicklingError):
                    await c.request("/evil", 1)
                with self.assertRaises(pickle.UnpicklingError):
                    await c.request("/stop-iteration", 1)
                with self.assertRaises(RemoteError):
                    await c.request("/huge", 1)
                got = [y async for y in c.stream("/double", [3, "b"])]
                self.assertEqual(got, [6, "bb"])
        asyncio.run(asyncio.wait_for(main(), 60))
        self.assertFalse(os.path.exists(self.canary))


class PickleAgainstTheServiceTest(ServiceTest):
    def test_the_service_answers_pickle(self):
        with SocketClient(path=self.path, num_connections=1, encoder="pickle") as c:
            try:
                answer = c.request("/double", 21)
            except RemoteError as e:
                if "unknown encoder 'pickle'" in e.message:
                    self.skipTest("this build of the service does not speak pickle yet")
                raise
            self.assertEqual(answer, 42)
        with SocketClient(path=self.path, num_connections=2, encoder="pickle") as c:
            self.assertEqual(c.request("/double", {"x": 8}), {"x": 8, "y": 16})
            with self.assertRaises(KeyError):
                c.request("/missing", 1)
            self.assertEqual(list(c.stream("/double", range(100))), [2 * i for i in range(100)])


class PipInstallTest(unittest.TestCase):
    def test_pip_installs_the_client_without_network(self):
        tmp = tempfile.mkdtemp(prefix="actorserve-pip-")
        self.addCleanup(shutil.rmtree, tmp, True)
        venv = os.path.join(tmp, "venv")
        made = subprocess.run([sys.executable, "-m", "venv", venv], capture_output=True, text=True)
        python = os.path.join(venv, "bin", "python")
        if made.returncode != 0 or not os.path.exists(os.path.join(venv, "bin", "pip")):
            self.skipTest(f"python3 -m venv cannot make a venv with pip here (needs the venv "
                          f"and ensurepip modules; Debian: apt-get install python3-venv): "
                          f"{made.stderr.strip()[-300:]}")
        source = os.path.abspath(CLIENT_DIR)
        env = dict(os.environ, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
        pip = subprocess.run([python, "-m", "pip", "install", "--no-index", source],
                             capture_output=True, text=True, env=env, timeout=240)
        self.assertEqual(pip.returncode, 0, pip.stdout + pip.stderr)
        check = subprocess.run(
            [python, "-c", "import actorserve_client as m, sys; "
                           "print(m.__file__); print(m.__version__); "
                           "print(m.SocketClient.__name__, m.AsyncSocketClient.__name__)"],
            capture_output=True, text=True, cwd=tmp)  # not the source directory
        self.assertEqual(check.returncode, 0, check.stderr)
        where, version, names = check.stdout.split("\n")[:3]
        self.assertTrue(where.startswith(os.path.join(venv, "lib")), where)
        self.assertEqual(names, "SocketClient AsyncSocketClient")
        show = subprocess.run([python, "-m", "pip", "show", "actorserve-client"],
                              capture_output=True, text=True, env=env)
        self.assertIn(f"Version: {version}", show.stdout)
        # The wheel's RECORD holds each file's true sha256 and size.
        wheels = os.path.join(tmp, "wheels")
        built = subprocess.run([python, "-m", "pip", "wheel", "--no-index", "--no-deps",
                                "-w", wheels, source], capture_output=True, text=True, env=env)
        self.assertEqual(built.returncode, 0, built.stderr)
        [wheel] = glob.glob(os.path.join(wheels, "actorserve_client-*-py3-none-any.whl"))
        with zipfile.ZipFile(wheel) as zf:
            names = set(zf.namelist())
            record = [line.split(",") for line in
                      zf.read(f"actorserve_client-{version}.dist-info/RECORD").decode().split()]
            self.assertEqual({r[0] for r in record}, names)
            for path, digest, size in record:
                if digest:
                    data = zf.read(path)
                    expect = base64.urlsafe_b64encode(hashlib.sha256(data).digest())
                    self.assertEqual(digest, "sha256=" + expect.rstrip(b"=").decode(), path)
                    self.assertEqual(int(size), len(data), path)
        self.assertIn("actorserve_client.py", names)
        self.assertNotIn("actorserve_build.py", names)


if __name__ == "__main__":
    BINARY = sys.argv.pop(1)
    unittest.main(verbosity=2)
