"""System tests of named pipes: Python's multiprocessing.connection on the
same FIFO files (opened the way mpservice.pipe opens them: write end O_RDWR,
read end O_RDONLY) against the C++ pipe API and the FIFO gateway.
Usage: fifo_test.py EXAMPLE_BINARY PIPE_PEER_BINARY"""
import datetime
import json
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from multiprocessing.connection import Connection

from service import Service
from wire import python_end

EXAMPLE = PIPE_PEER = None
BIG = bytes(i % 251 for i in range(251)) * (100 * 1024 * 1024 // 251) \
    + bytes(i % 251 for i in range(100 * 1024 * 1024 % 251))


class PipeInteropTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.path = os.path.join(self.tmp.name, "p")

    def test_python_client_and_cpp_server(self):
        peer = subprocess.Popen([PIPE_PEER, "echo-server", self.path, "4"],
                                stdout=subprocess.PIPE, text=True)
        self.addCleanup(lambda: peer.poll() is None and peer.kill())
        self.assertEqual(peer.stdout.readline().strip(), "ready")
        reader, writer = python_end(self.path, "client")
        writer.send_bytes(b"")
        writer.send_bytes(b"hello")
        writer.send_bytes(json.dumps({"k": [1, 2]}).encode())
        sender = threading.Thread(target=writer.send_bytes, args=(BIG,))
        sender.start()
        self.assertEqual(reader.recv_bytes(), b"")
        self.assertEqual(reader.recv_bytes(), b"hello")
        self.assertEqual(json.loads(reader.recv_bytes()), {"k": [1, 2]})
        got = reader.recv_bytes()
        sender.join()
        self.assertEqual(len(got), len(BIG))
        self.assertTrue(got == BIG)
        self.assertEqual(peer.wait(30), 0)

    def test_cpp_client_and_python_server(self):
        # The C++ client comes first: Python's read end opens only once a
        # writer (the client) is there.
        peer = subprocess.Popen([PIPE_PEER, "client", self.path], stdout=subprocess.PIPE,
                                text=True)
        self.addCleanup(lambda: peer.poll() is None and peer.kill())
        reader, writer = python_end(self.path, "server")
        for _ in range(3):
            writer.send_bytes(reader.recv_bytes())  # echo back
        out, _ = peer.communicate(timeout=60)
        self.assertEqual(out.splitlines(), ["empty 0", f"big intact {len(BIG)}",
                                            'json {"from":"c++","n":3}'])


    def test_python_objects_through_send_and_recv(self):
        # Connection.send pickles, as mpservice.pipe's send does.
        peer = subprocess.Popen([PIPE_PEER, "pickle-echo-server", self.path, "6"],
                                stdout=subprocess.PIPE, text=True)
        self.addCleanup(lambda: peer.poll() is None and peer.kill())
        self.assertEqual(peer.stdout.readline().strip(), "ready")
        reader, writer = python_end(self.path, "client")
        for protocol in (2, 5):
            writer.send_bytes(pickle.dumps({"k": (1, b"\x00"), "s": {3}}, protocol=protocol))
            self.assertEqual(reader.recv(), {"k": [1, b"\x00"], "s": [3]})
        writer.send("hello")
        self.assertEqual(reader.recv(), "hello")
        writer.send_bytes(json.dumps({"from": "json"}).encode())  # JSON is read too
        self.assertEqual(reader.recv(), {"from": "json"})
        writer.send(datetime.date(2026, 1, 1))  # an object: refused, never built
        self.assertIn("the opcode STACK_GLOBAL names datetime.date", reader.recv())
        writer.send({"message": "shut up"})
        self.assertEqual(reader.recv(), {"message": "shut up"})
        self.assertEqual(peer.wait(30), 0)


class FifoGatewayTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.path = os.path.join(self.tmp.name, "run", "svc")

    def start(self):
        svc = Service([EXAMPLE, f"--fifo-path={self.path}"])
        self.addCleanup(svc.kill)
        self.assertEqual(svc.endpoint("fifo"), self.path)
        return svc

    def call(self, reader, writer, path, data):
        writer.send_bytes(json.dumps([path, data]).encode())
        return json.loads(reader.recv_bytes())

    def test_routes_errors_and_order(self):
        svc = self.start()
        reader, writer = python_end(self.path, "client")
        self.assertEqual(self.call(reader, writer, "/double", 21), {"ok": 42})
        self.assertEqual(self.call(reader, writer, "/echo", None), {"ok": None})
        self.assertEqual(self.call(reader, writer, "/fail", "why"),
                         {"error": {"type": "ExampleError", "message": "why"}})
        self.assertEqual(self.call(reader, writer, "/missing", 1)["error"]["type"], "NotFound")
        writer.send_bytes(b"{not json")
        self.assertEqual(json.loads(reader.recv_bytes())["error"]["type"], "BadRequest")
        writer.send_bytes(b"")
        self.assertEqual(json.loads(reader.recv_bytes())["error"]["type"], "BadRequest")
        # Replies come in message order, a slow call first.
        for msg in (["/sleep", 0.3], ["/double", 1], ["/echo", "x"]):
            writer.send_bytes(json.dumps(msg).encode())
        self.assertEqual([json.loads(reader.recv_bytes()) for _ in range(3)],
                         [{"ok": 0.3}, {"ok": 2}, {"ok": "x"}])
        big = "y" * (20 * 1024 * 1024)
        self.assertEqual(self.call(reader, writer, "/echo", big), {"ok": big})

    def test_pickled_messages_are_answered_in_pickle(self):
        # What a Python program using mpservice.pipe or
        # multiprocessing.connection sends: Connection.send((path, data)).
        svc = self.start()
        reader, writer = python_end(self.path, "client")
        writer.send(("/double", 21))
        self.assertEqual(reader.recv(), 42)
        writer.send(("/echo", {"b": b"\x01", "t": (1, 2)}))
        self.assertEqual(reader.recv(), {"b": b"\x01", "t": [1, 2]})
        writer.send(("/missing", None))
        error = reader.recv()
        self.assertIsInstance(error, KeyError)
        self.assertEqual(error.args, ("no route /missing",))
        writer.send(("/fail", "why"))
        error = reader.recv()
        self.assertEqual((type(error), str(error)), (RuntimeError, "ExampleError: why"))
        writer.send(("/echo", datetime.date(2026, 1, 1)))
        self.assertIn("BadRequest: pickle: the opcode STACK_GLOBAL names datetime.date",
                      str(reader.recv()))
        writer.send(["/double", 2, {"timeout": 5}])
        self.assertEqual(reader.recv(), 4)
        writer.send("/double")
        self.assertIn("a pickled message is the tuple (path, data)", str(reader.recv()))
        # A few hundred bytes whose references double at each level: refused
        # as it is read, and the next message is served.
        bomb = (b"\x80\x04\x8c\x05/echo" + b"N" + b"q\x000(h\x00h\x00l" * 24
                + b"\x86.")
        writer.send_bytes(bomb)
        self.assertIn("BadRequest: pickle: the value would take more than", str(reader.recv()))
        # JSON and pickle, one after the other, each answered in its own.
        writer.send_bytes(b'["/double",5]')
        writer.send(("/double", 6))
        self.assertEqual(json.loads(reader.recv_bytes()), {"ok": 10})
        self.assertEqual(reader.recv(), 12)
        writer.send(("/shutdown", None))
        self.assertIsNone(reader.recv())
        self.assertEqual(svc.wait(30), 0)

    def test_the_message_limit_at_and_past_the_edge(self):
        svc = Service([EXAMPLE, f"--fifo-path={self.path}", "--fifo-max-message=1000"])
        self.addCleanup(svc.kill)
        reader, writer = python_end(self.path, "client")
        at_limit = json.dumps(["/echo", "x" * (1000 - len('["/echo", ""]'))]).encode()
        self.assertEqual(len(at_limit), 1000)
        writer.send_bytes(at_limit)
        self.assertIn("ok", json.loads(reader.recv_bytes()))
        writer.send_bytes(at_limit + b" ")
        err = json.loads(reader.recv_bytes())["error"]
        self.assertEqual(err["type"], "PayloadTooLarge")
        self.assertIn("1001 bytes, longer than the maxlength of 1000", err["message"])
        self.assertEqual(self.call(reader, writer, "/double", 4), {"ok": 8})  # goes on
        # A pickle too: at the limit it is read; past it, the error is pickled.
        def pickled(n):
            for size in range(n, 0, -1):
                data = pickle.dumps(("/echo", "x" * size), protocol=5)
                if len(data) == n:
                    return data
        at_limit = pickled(1000)
        writer.send_bytes(at_limit)
        self.assertEqual(reader.recv(), pickle.loads(at_limit)[1])
        writer.send_bytes(pickled(1001))
        error = reader.recv()
        self.assertEqual(type(error), RuntimeError)
        self.assertIn("PayloadTooLarge: bad message length: 1001 bytes", str(error))
        writer.send(("/double", 5))
        self.assertEqual(reader.recv(), 10)

    def test_a_peer_that_leaves_and_a_new_one(self):
        svc = self.start()
        reader, writer = python_end(self.path, "client")
        self.assertEqual(self.call(reader, writer, "/double", 1), {"ok": 2})
        writer.send_bytes(json.dumps(["/sleep", 0.3]).encode())  # left unanswered
        reader.close()
        writer.close()
        time.sleep(0.2)
        reader, writer = python_end(self.path, "client")
        self.assertEqual(self.call(reader, writer, "/double", 5), {"ok": 10})
        time.sleep(0.4)  # the old peer's reply would have come by now
        self.assertEqual(self.call(reader, writer, "/double", 6), {"ok": 12})
        self.assertIsNone(svc.proc.poll())

    def test_a_peer_that_leaves_unread_replies_does_not_block_the_next(self):
        svc = self.start()
        reader, writer = python_end(self.path, "client")
        payload = "z" * 1024
        for _ in range(200):  # far more replies than the pipe holds
            writer.send_bytes(json.dumps(["/echo", payload]).encode())
        time.sleep(0.3)
        reader.close()
        writer.close()
        time.sleep(0.3)
        reader, writer = python_end(self.path, "client")
        self.assertEqual(self.call(reader, writer, "/double", 7), {"ok": 14})
        svc.signal(signal.SIGTERM)
        self.assertEqual(svc.wait(10), 0)

    def test_a_peer_that_leaves_in_the_middle_of_a_large_reply(self):
        # The one reply in flight is written at once as far as the pipe
        # takes it; the writer thread waits to write the rest. The peer
        # leaves having read a part: the next peer's stream starts clean.
        svc = self.start()
        reader, writer = python_end(self.path, "client")
        big = "q" * (4 * 1024 * 1024)
        writer.send_bytes(json.dumps(["/echo", big]).encode())
        time.sleep(0.3)
        os.read(reader.fileno(), 1000)  # a part of the reply's first bytes
        reader.close()
        writer.close()
        time.sleep(0.3)
        reader, writer = python_end(self.path, "client")
        self.assertEqual(self.call(reader, writer, "/double", 8), {"ok": 16})
        self.assertEqual(self.call(reader, writer, "/echo", big), {"ok": big})
        self.assertIsNone(svc.proc.poll())

    def test_shutdown_answers_calls_in_flight_first(self):
        svc = self.start()
        reader, writer = python_end(self.path, "client")
        for msg in (["/sleep", 0.4], ["/sleep", 0.2], ["/shutdown", None]):
            writer.send_bytes(json.dumps(msg).encode())
        got = []
        try:
            for _ in range(3):
                got.append(json.loads(reader.recv_bytes()))
        except EOFError:
            self.fail(f"EOF after {got}; service log: {''.join(svc.stderr_lines)}")
        self.assertEqual(got,
                         [{"ok": 0.4}, {"ok": 0.2}, {"ok": None}])
        self.assertEqual(svc.wait(10), 0)
        self.assertFalse(os.path.exists(self.path + ".1"))
        self.assertFalse(os.path.exists(self.path + ".2"))

    def test_sigterm_stops_a_gateway_whose_peer_stalled_mid_message(self):
        svc = Service([EXAMPLE, f"--fifo-path={self.path}", "--drain-timeout=1"])
        self.addCleanup(svc.kill)
        fd = os.open(self.path + ".1", os.O_RDWR)
        self.addCleanup(os.close, fd)
        os.write(fd, b"\x00\x00\x00\x64")  # the header of 100 bytes that never come
        time.sleep(0.3)
        start = time.monotonic()
        svc.signal(signal.SIGTERM)
        self.assertEqual(svc.wait(10), 0, "".join(svc.stderr_lines))
        self.assertLess(time.monotonic() - start, 5)

    def test_sigterm_stops_a_gateway_with_no_peer(self):
        svc = self.start()
        svc.signal(signal.SIGTERM)
        self.assertEqual(svc.wait(10), 0)


if __name__ == "__main__":
    PIPE_PEER = sys.argv.pop(2)
    EXAMPLE = sys.argv.pop(1)
    unittest.main(verbosity=2)
