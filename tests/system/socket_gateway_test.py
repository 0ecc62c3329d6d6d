"""System tests of the socket gateway: the real actorserve-example, driven
with the Python client and raw bytes, over Unix and TCP sockets.
Usage: socket_gateway_test.py BINARY"""
import json
import os
import select
import signal
import socket
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "apps", "python"))

from actorserve_client import SocketClient, RemoteError, ClientClosed  # noqa: E402
from service import Service, run  # noqa: E402
from wire import RawConnection, call_record, record  # noqa: E402

BINARY = None


class SocketGatewayTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.tmp.name, "run", "svc.sock")

    def tearDown(self):
        self.tmp.cleanup()

    def start(self, *extra):
        svc = Service([BINARY, f"--socket-path={self.path}", "--socket-port=0", *extra])
        self.addCleanup(svc.kill)
        return svc

    def raw(self):
        conn = RawConnection(self.path)
        self.addCleanup(conn.close)
        return conn

    def tcp_address(self, svc):
        host, port = svc.endpoint("socket-tcp").rsplit(":", 1)
        return host, int(port)

    def test_every_route_over_unix_and_tcp(self):
        svc = self.start("--worker-context={\"name\": \"unit\"}")
        self.assertEqual(svc.endpoint("socket-unix"), self.path)
        host, port = self.tcp_address(svc)
        self.assertEqual(host, "127.0.0.1")
        self.assertGreater(port, 0)
        for kwargs in ({"path": self.path}, {"host": host, "port": port}):
            with SocketClient(**kwargs, num_connections=2) as c:
                self.assertEqual(c.request("/double", 23), 46)
                self.assertEqual(c.request("/double", "abc"), "abcabc")
                self.assertEqual(c.request("/double", {"x": 8}), {"x": 8, "y": 16})
                self.assertIsNone(c.request("/echo"))
                self.assertEqual(c.request("/echo", [1, {"a": "é"}]), [1, {"a": "é"}])
                self.assertEqual(c.request("/sleep", 0.05), 0.05)
                self.assertEqual(c.request("/spin", 5), {"pid": svc.proc.pid})
                self.assertEqual(c.request("/info"),
                                 {"pid": svc.proc.pid, "worker_index": 0,
                                  "worker_context": {"name": "unit"}})
                with self.assertRaises(RemoteError) as e:
                    c.request("/fail", "on purpose")
                self.assertEqual((e.exception.type, e.exception.message),
                                 ("ExampleError", "on purpose"))
                with self.assertRaises(RemoteError) as e:
                    c.request("/double", [1])
                self.assertEqual(e.exception.type, "TypeError")
                with self.assertRaises(RemoteError) as e:
                    c.request("/missing", 1)
                self.assertEqual(e.exception.type, "NotFound")
                self.assertEqual(list(c.stream("/double", range(50))),
                                 [2 * i for i in range(50)])
                self.assertEqual(list(c.stream("/double", [1, None, 3], return_x=True,
                                               return_exceptions=True))[1][0], None)

    def test_the_socket_file_is_private_and_removed_on_stop(self):
        svc = self.start()
        self.assertEqual(os.stat(self.path).st_mode & 0o777, 0o600)
        svc.signal(signal.SIGTERM)
        self.assertEqual(svc.wait(10), 0)
        self.assertFalse(os.path.exists(self.path))

    def test_framing_errors_answer_and_close(self):
        svc = self.start("--socket-max-frame=1000")
        cases = [
            (b"1 2\n", "-", "three fields"),
            (b"1 2 json extra\n", "-", "three fields"),
            (b"7 ten json\n", "7", "is not a decimal number"),
            (b"8 1001 json\n", "8", "exceeds the frame limit of 1000 bytes"),
            (b"9 99999999999999999999999 json\n", "9", "exceeds the frame limit"),
            (b"10 2 xml\n", "10", "unknown encoder 'xml'"),
            (b"x" * 70000, "-", "header line is longer than 65536 bytes"),
        ]
        for data, rid, text in cases:
            conn = self.raw()
            conn.send(data)
            got_id, encoder, payload = conn.read_json()
            self.assertEqual((got_id, encoder, payload["type"]), (rid, "error", "BadRequest"), data[:40])
            self.assertIn(text, payload["message"])
            self.assertTrue(conn.is_closed(), f"still open after {data[:40]!r}")
            conn.close()
        # At the limit is fine.
        conn = self.raw()
        conn.send(call_record("at", "/echo", "y" * (1000 - len('["/echo", ""]'))))
        self.assertEqual(conn.read_json()[1], "json")
        conn.close()

    def test_a_framing_error_still_answers_the_calls_before_it(self):
        svc = self.start()
        conn = self.raw()
        conn.send(call_record("before", "/sleep", 0.2) + b"broken header\n")
        answers = {}
        for _ in range(2):
            rid, encoder, payload = conn.read_json()
            answers[rid] = (encoder, payload)
        self.assertEqual(answers["before"], ("json", 0.2))
        self.assertEqual(answers["-"][0], "error")
        self.assertTrue(conn.is_closed())

    def test_a_client_that_stops_sending_gets_its_answers(self):
        svc = self.start()
        tcp = RawConnection(self.tcp_address(svc), socket.AF_INET)
        self.addCleanup(tcp.close)
        for conn in (self.raw(), tcp):
            conn.send(call_record("a", "/sleep", 0.1) + call_record("b", "/double", 1))
            conn.sock.shutdown(socket.SHUT_WR)
            got = sorted(conn.read_json()[0] for _ in range(2))
            self.assertEqual(got, ["a", "b"])
            self.assertTrue(conn.is_closed())

    def test_content_errors_answer_and_keep_the_connection(self):
        svc = self.start()
        conn = self.raw()
        conn.send(record("a", "{not json") + record("b", '{"path": 1}')
                  + call_record("c", "/nowhere", 1) + record("d", "x", "utf8")
                  + call_record("e", "/double", 4))
        answers = {}
        for _ in range(5):
            rid, encoder, payload = conn.read_json()
            answers[rid] = (encoder, payload)
        self.assertEqual(answers["a"][1]["message"], "the payload is not valid JSON")
        self.assertEqual(answers["b"][1]["message"], "a request payload is the JSON array [path, data] or [path, data, options]")
        self.assertEqual(answers["c"][1], {"type": "NotFound", "message": "no route /nowhere"})
        self.assertEqual(answers["d"][1]["type"], "BadRequest")
        self.assertEqual(answers["e"], ("json", 8))
        self.assertFalse(conn.is_closed())
        conn.close()

    def test_four_connections_of_1000_pipelined_requests(self):
        svc = self.start()
        conns = [self.raw() for _ in range(4)]
        for k, conn in enumerate(conns):
            conn.send(b"".join(call_record(f"{k}-{i}", "/double", i) for i in range(1000)))
        for k, conn in enumerate(conns):
            got = {}
            for _ in range(1000):
                rid, encoder, value = conn.read_json()
                got[rid] = value
            self.assertEqual(got, {f"{k}-{i}": 2 * i for i in range(1000)})
            conn.close()

    def test_a_large_reply_to_a_reader_that_waits_arrives_whole_before_later_ones(self):
        # The reply to a call alone in flight leaves from the thread that
        # has it, as far as the socket takes it at once (1 MiB is more than
        # a socket's buffer holds by default); the rest follows from the I/O
        # thread, and the replies that come meanwhile queue behind it.
        svc = self.start()
        unix = self.raw()
        tcp = RawConnection(self.tcp_address(svc), socket.AF_INET)
        self.addCleanup(tcp.close)
        for family, conn in (("unix", unix), ("tcp", tcp)):
            with self.subTest(family=family):
                big = "x" * (1 << 20)
                conn.send(call_record("big", "/echo", big))
                # Its first bytes are out before anything else is asked.
                readable, _, _ = select.select([conn.sock], [], [], 10)
                self.assertTrue(readable, "the large reply did not start within 10 s")
                conn.send(b"".join(call_record(f"small{k}", "/double", k) for k in range(50)))
                self.assertEqual(conn.read_json(), ("big", "json", big))
                got = dict(conn.read_json()[::2] for _ in range(50))
                self.assertEqual(got, {f"small{k}": 2 * k for k in range(50)})

    def test_a_slow_call_does_not_hold_back_a_fast_one(self):
        svc = self.start()
        conn = self.raw()
        start = time.monotonic()
        conn.send(call_record("slow", "/sleep", 1.0) + call_record("fast", "/double", 2))
        rid, _, value = conn.read_json()
        self.assertEqual((rid, value), ("fast", 4))
        self.assertLess(time.monotonic() - start, 0.5)
        self.assertEqual(conn.read_json()[0], "slow")
        conn.close()

    def test_an_id_already_in_flight_is_refused_and_free_again_once_answered(self):
        svc = self.start()
        conn = self.raw()
        conn.send(call_record("7", "/sleep", 0.3) + call_record("7", "/double", 2))
        rid, encoder, payload = conn.read_record()
        self.assertEqual((rid, encoder), ("7", "error"))
        error = json.loads(payload)
        self.assertEqual(error["type"], "BadRequest")
        self.assertIn("already in flight", error["message"])
        self.assertEqual(conn.read_json(), ("7", "json", 0.3))
        conn.send(call_record("7", "/double", 2))  # answered: the id is free
        self.assertEqual(conn.read_json(), ("7", "json", 4))

    def test_an_id_is_free_again_as_soon_as_its_reply_arrives(self):
        # A client that reuses one id for sequential calls is never told it
        # is still in flight: the id is freed before the reply leaves.
        svc = self.start()
        conn = self.raw()
        for i in range(3000):
            conn.send(call_record("same", "/double", i))
            self.assertEqual(conn.read_json(), ("same", "json", 2 * i))
        conn.close()

    def test_an_id_is_free_again_once_answered_while_other_calls_run(self):
        # With another call in flight, replies are written by the I/O
        # thread: there too the id is free before the reply leaves.
        svc = self.start()
        conn = self.raw()
        conn.send(call_record("slow", "/sleep", 1.0))
        for i in range(200):
            conn.send(call_record("same", "/double", i))
            self.assertEqual(conn.read_json(), ("same", "json", 2 * i))
        self.assertEqual(conn.read_json()[0], "slow")
        conn.close()

    def test_backlog_limits_calls_in_flight_per_connection(self):
        svc = self.start("--socket-backlog=2")
        conn = self.raw()
        start = time.monotonic()
        conn.send(b"".join(call_record(str(i), "/sleep", 0.3) for i in range(4)))
        for _ in range(4):
            conn.read_json()
        elapsed = time.monotonic() - start
        # Two at a time: two rounds of 0.3 s, not one.
        self.assertGreaterEqual(elapsed, 0.58)
        self.assertLess(elapsed, 2.0)
        # Another connection has a backlog of its own.
        other = self.raw()
        other.send(call_record("x", "/double", 1))
        self.assertEqual(other.read_json()[2], 2)

    def test_shutdown_answers_calls_in_flight_then_exits(self):
        svc = self.start()
        busy = self.raw()
        busy.send(b"".join(call_record(f"s{i}", "/sleep", 0.5) for i in range(3)))
        time.sleep(0.1)  # the sleeps are admitted
        with SocketClient(path=self.path, num_connections=1) as c:
            self.assertIsNone(c.request("/shutdown"))
        answers = sorted(busy.read_json()[0] for _ in range(3))
        self.assertEqual(answers, ["s0", "s1", "s2"])
        self.assertTrue(busy.is_closed())
        self.assertEqual(svc.wait(10), 0)
        self.assertFalse(os.path.exists(self.path))

    def test_a_client_that_leaves_mid_call_costs_nothing(self):
        svc = self.start()
        for _ in range(20):
            leaver = self.raw()
            leaver.send(call_record("gone", "/sleep", 0.2))
            leaver.close()
        with SocketClient(path=self.path) as c:
            self.assertEqual(c.request("/double", 5), 10)
        time.sleep(0.3)  # the abandoned sleeps answer into closed connections
        with SocketClient(path=self.path) as c:
            self.assertEqual(c.request("/double", 6), 12)
        self.assertIsNone(svc.proc.poll())

    def test_a_stale_socket_file_is_replaced_and_other_files_refused(self):
        os.makedirs(os.path.dirname(self.path))
        stale = socket.socket(socket.AF_UNIX)
        stale.bind(self.path)
        stale.close()  # a socket file nobody listens on
        svc = self.start()
        with SocketClient(path=self.path) as c:
            self.assertEqual(c.request("/double", 1), 2)
        code, _, err = run([BINARY, f"--socket-path={self.path}"])
        self.assertEqual(code, 1)
        self.assertIn("another server is listening there", err)
        svc.signal(signal.SIGTERM)
        svc.wait(10)
        with open(self.path, "w") as f:
            f.write("not a socket")
        code, _, err = run([BINARY, f"--socket-path={self.path}"])
        self.assertEqual(code, 1)
        self.assertIn(f"cannot listen at {self.path}: a file that is not a socket is there", err)

    def test_client_connection_timeout_names_the_address(self):
        missing = os.path.join(self.tmp.name, "nobody.sock")
        start = time.monotonic()
        with self.assertRaises(ConnectionError) as e:
            SocketClient(path=missing, connection_timeout=0.3).open()
        self.assertIn(missing, str(e.exception))
        self.assertLess(time.monotonic() - start, 3)


if __name__ == "__main__":
    BINARY = sys.argv.pop(1)
    unittest.main(verbosity=2)
