"""System tests of calls that end when their caller gives up: a client's own
deadline (HTTP X-Request-Timeout, the socket and FIFO request options), and
calls dropped before they run when their client leaves, in one process and
with --workers=2.
Usage: cancellation_test.py EXAMPLE_BINARY"""
import json
import os
import socket
import struct
import sys
import threading
import time
import unittest
from multiprocessing.connection import Connection

from service import Service, every_gateway
from wire import Http, RawConnection, call_record

EXAMPLE = None
CORES = os.cpu_count() or 1  # /spin runs one call per core, per process


class ClientDeadlineTest(unittest.TestCase):
    def setUp(self):
        self.svc, self.sock, self.fifo = every_gateway(self, EXAMPLE)
        self.http = Http(self.svc.endpoint("http"))
        self.addCleanup(self.http.close)

    def test_http_x_request_timeout(self):
        start = time.monotonic()
        status, _, raw = self.http.call("POST", "/sleep", 5, {"X-Request-Timeout": "0.3"})
        self.assertEqual(status, 504, raw)
        # The budget counts from when the gate admitted the call, a moment
        # after the gateway read it (more than half a millisecond on a busy
        # machine under the sanitizers).
        self.assertRegex(json.loads(raw)["error"]["message"],
                         r"^route /sleep did not answer within (29\d|300) ms$")
        self.assertLess(time.monotonic() - start, 4)
        # A value that is not a positive decimal number is refused.
        for bad in ["-1", "0", "1e3", "soon", ""]:
            status, _, raw = self.http.call("POST", "/double", 2, {"X-Request-Timeout": bad})
            self.assertEqual(status, 400, bad)
            self.assertIn("X-Request-Timeout", json.loads(raw)["error"]["message"])
        status, _, raw = self.http.call("POST", "/double", 2, {"X-Request-Timeout": "2.5"})
        self.assertEqual((status, json.loads(raw)), (200, 4))

    def test_the_gateway_timeout_stays_the_upper_bound(self):
        short = Service([EXAMPLE, "--http-port=0", "--http-call-timeout=0.3"])
        self.addCleanup(short.kill)
        http = Http(short.endpoint("http"))
        self.addCleanup(http.close)
        status, _, raw = http.call("POST", "/sleep", 5, {"X-Request-Timeout": "30"})
        self.assertEqual(status, 504)
        # The budget counts from when the gate admitted the call, a moment
        # after the gateway read it (more than half a millisecond on a busy
        # machine under the sanitizers).
        self.assertRegex(json.loads(raw)["error"]["message"],
                         r"^route /sleep did not answer within (29\d|300) ms$")

    def test_socket_request_options(self):
        conn = RawConnection(self.sock)
        self.addCleanup(conn.close)
        conn.send(b"".join([
                      self.record("a", ["/sleep", 5, {"timeout": 0.3}]),
                      self.record("b", ["/double", 2, {}]),
                      self.record("c", ["/double", 2, {"timeout": -1}]),
                      self.record("d", ["/double", 2, 7]),
                      self.record("e", ["/double", 2, {"other": 1}]),
                  ]))
        answers = {}
        for _ in range(5):
            rid, encoder, payload = conn.read_json()
            answers[rid] = (encoder, payload)
        self.assertEqual(answers["a"][0], "error")
        self.assertEqual(answers["a"][1]["type"], "Timeout")
        self.assertEqual(answers["b"], ("json", 4))
        self.assertEqual(answers["c"][1], {"type": "BadRequest", "message":
                                           "\"timeout\" is a number of seconds above 0; got -1"})
        self.assertEqual(answers["d"][1]["type"], "BadRequest")
        self.assertEqual(answers["e"], ("json", 4))  # unknown options are ignored

    def test_fifo_request_options(self):
        writer = Connection(os.open(self.fifo + ".1", os.O_RDWR), readable=False)
        reader = Connection(os.open(self.fifo + ".2", os.O_RDONLY), writable=False)
        self.addCleanup(writer.close)
        self.addCleanup(reader.close)
        writer.send_bytes(json.dumps(["/sleep", 5, {"timeout": 0.3}]).encode())
        self.assertEqual(json.loads(reader.recv_bytes())["error"]["type"], "Timeout")
        writer.send_bytes(json.dumps(["/double", 2, {"timeout": "x"}]).encode())
        self.assertEqual(json.loads(reader.recv_bytes())["error"]["type"], "BadRequest")
        writer.send_bytes(json.dumps(["/double", 2, {"timeout": 5}]).encode())
        self.assertEqual(json.loads(reader.recv_bytes()), {"ok": 4})

    @staticmethod
    def record(rid, request):
        payload = json.dumps(request).encode()
        return f"{rid} {len(payload)} json\n".encode() + payload


class DepartedClientTest(unittest.TestCase):
    """/spin is blocking: one call per core runs, the rest wait for a thread.
    Calls that wait when their client leaves must not run: the next client
    is then served as soon as the running calls end, not after them."""
    workers = None

    def setUp(self):
        self.svc, self.sock, self.fifo = every_gateway(self, EXAMPLE, self.workers,
                                                       socket_tcp=True)
        self.slots = CORES * (self.workers or 1)

    def spin_in_threads(self, n, millis):
        """n threads, each POSTing /spin `millis` on its own connection;
        returns (threads, statuses, the monotonic time each call ended)."""
        http_endpoint = self.svc.endpoint("http")
        results = []
        ended = []

        def one():
            http = Http(http_endpoint, timeout=60)
            try:
                results.append(http.json("POST", "/spin", millis)[0])
                ended.append(time.monotonic())
            finally:
                http.close()

        threads = [threading.Thread(target=one) for _ in range(n)]
        for t in threads:
            t.start()
        return threads, results, ended

    def test_calls_of_a_client_that_left_do_not_run(self):
        # Every thread busy with 1.5 s of CPU work.
        busy, busy_results, busy_ended = self.spin_in_threads(self.slots, 1500)
        time.sleep(0.3)
        # A socket client queues 3 rounds of the same behind them, and
        # closes its connection. Another does the same, but first shuts
        # down its sending side, as a client does that still wants answers,
        # then closes altogether. A third does that over TCP, and resets
        # the connection as it closes (a TCP close alone looks like a
        # half-close: docs/protocol.md).
        records = b"".join(call_record(str(i), "/spin", 1500) for i in range(3 * self.slots))
        conn = RawConnection(self.sock)
        self.addCleanup(conn.close)
        conn.send(records)
        half = RawConnection(self.sock)
        self.addCleanup(half.close)
        half.send(records)
        half.sock.shutdown(socket.SHUT_WR)
        host, port = self.svc.endpoint("socket-tcp").rsplit(":", 1)
        reset = RawConnection((host, int(port)), socket.AF_INET)
        self.addCleanup(reset.close)
        reset.send(records)
        reset.sock.shutdown(socket.SHUT_WR)
        reset.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        # An HTTP client does the same on raw connections.
        raws = []
        host, port = self.svc.endpoint("http").rsplit(":", 1)
        body = b"1500"
        for _ in range(self.slots):
            s = socket.create_connection((host, int(port)))
            self.addCleanup(s.close)
            s.sendall(b"POST /spin HTTP/1.1\r\nHost: localhost\r\nContent-Length: "
                      + str(len(body)).encode() + b"\r\n\r\n" + body)
            raws.append(s)
        time.sleep(0.3)
        conn.close()
        half.close()
        reset.close()
        for s in raws:
            s.close()
        time.sleep(0.2)
        # The next calls run as soon as the busy ones end. Running any call
        # the leavers left would first take another 1.5 s of CPU on a thread.
        waiting, waiting_results, waiting_ended = self.spin_in_threads(self.slots, 1)
        for t in waiting + busy:
            t.join(60)
        self.assertEqual(busy_results, [200] * self.slots)
        self.assertEqual(waiting_results, [200] * self.slots)
        after_busy = max(waiting_ended) - max(busy_ended)
        self.assertLess(after_busy, 1.0, "calls of departed clients ran")


class DepartedClientWithWorkersTest(DepartedClientTest):
    workers = 2


if __name__ == "__main__":
    EXAMPLE = sys.argv.pop(1)
    unittest.main()
