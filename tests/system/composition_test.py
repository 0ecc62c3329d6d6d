"""System tests of composition: the example service's routes made of routes
(/hello, /strict, /lenient, /by_type, /twice) over HTTP, the socket gateway
and the FIFO gateway, in one process and with --workers=2.
Usage: composition_test.py EXAMPLE_BINARY"""
import json
import os
import re
import sys
import unittest
from multiprocessing.connection import Connection

from service import Service, every_gateway
from wire import Http, RawConnection, call_record

EXAMPLE = None

ENSEMBLE_ERROR = re.compile(
    r"^[12]/2 ensemble members finished, with 1 error; first error: ExampleError: 3$")

# (route, input, what every gateway must answer: ("ok", value) or ("error", type))
CASES = [
    ("/hello", "world", ("ok", "Hello, wdwdwdwdwd!")),
    ("/hello", [1, 2, 3, 4], ("ok", "Hello, 20!")),
    ("/hello", 5, ("error", "EnsembleError")),  # /head, /tail, /len take no number
    ("/strict", 3, ("error", "EnsembleError")),
    ("/lenient", 3, ("ok", [6, {"error": {"type": "ExampleError", "message": "3"}}])),
    ("/lenient", "ab", ("ok", ["abab", {"error": {"type": "ExampleError", "message": "ab"}}])),
    ("/by_type", 21, ("ok", 42)),
    ("/by_type", "text", ("ok", "text")),
    ("/by_type", [1], ("error", "TypeError")),
    ("/by_type", None, ("error", "TypeError")),
    ("/twice", 5, ("ok", 20)),
    ("/twice", "ab", ("ok", "abababab")),
    ("/twice", None, ("error", "TypeError")),
    ("/head", "xyz", ("ok", "x")),
    ("/tail", [1, 2, 3], ("ok", 3)),
    ("/len", {"a": 1}, ("ok", 1)),
    ("/combine", ["a", "b", 3], ("ok", "ababab")),
    ("/combine", [1.5, 2, 2], ("ok", 7.0)),
    ("/greet", 20, ("ok", "Hello, 20!")),
    ("/greet", {"a": [1]}, ("ok", 'Hello, {"a":[1]}!')),
]


class CompositionTest(unittest.TestCase):
    workers = None

    def setUp(self):
        self.svc, self.sock, self.fifo = every_gateway(self, EXAMPLE, self.workers)

    def check(self, gateway, route, data, expected, got_kind, got):
        kind, want = expected
        where = f"{gateway} {route} {json.dumps(data)}"
        self.assertEqual(got_kind, kind, f"{where}: {got}")
        if kind == "ok":
            self.assertEqual(got, want, where)
            return
        self.assertEqual(got["type"], want, f"{where}: {got}")
        self.assertTrue(got["message"], where)
        if route == "/strict":
            self.assertRegex(got["message"], ENSEMBLE_ERROR, where)

    def test_over_http(self):
        http = Http(self.svc.endpoint("http"))
        self.addCleanup(http.close)
        for route, data, expected in CASES:
            status, body = http.json("POST", route, data)
            if status == 200:
                self.check("http", route, data, expected, "ok", body)
            else:
                self.assertEqual(status, 500, f"{route} {data}: {body}")
                self.check("http", route, data, expected, "error", body["error"])

    def test_over_the_socket_gateway(self):
        conn = RawConnection(self.sock)
        self.addCleanup(conn.close)
        # Pipelined, all at once: the answers may come in any order.
        conn.send(b"".join(call_record(str(i), route, data)
                           for i, (route, data, _) in enumerate(CASES)))
        answers = {}
        for _ in CASES:
            rid, encoder, payload = conn.read_json()
            answers[int(rid)] = (encoder, payload)
        for i, (route, data, expected) in enumerate(CASES):
            encoder, payload = answers[i]
            self.check("socket", route, data, expected,
                       "error" if encoder == "error" else "ok", payload)

    def test_over_the_fifo_gateway(self):
        writer = Connection(os.open(self.fifo + ".1", os.O_RDWR), readable=False)
        reader = Connection(os.open(self.fifo + ".2", os.O_RDONLY), writable=False)
        self.addCleanup(writer.close)
        self.addCleanup(reader.close)
        for route, data, expected in CASES:
            writer.send_bytes(json.dumps([route, data]).encode())
            answer = json.loads(reader.recv_bytes())
            kind = "ok" if "ok" in answer else "error"
            self.check("fifo", route, data, expected, kind, answer[kind])


class DepthLimitTest(unittest.TestCase):
    def test_a_call_past_the_depth_limit_is_refused_with_508(self):
        svc = Service([EXAMPLE, "--http-port=0", "--max-call-depth=0"])
        self.addCleanup(svc.kill)
        http = Http(svc.endpoint("http"))
        self.addCleanup(http.close)
        status, body = http.json("POST", "/twice", 5)  # /twice calls /double: depth 1
        self.assertEqual(status, 508, body)
        self.assertEqual(body["error"]["type"], "CallDepthExceeded")
        self.assertIn("past the limit of 0", body["error"]["message"])
        self.assertEqual(http.json("POST", "/double", 5), (200, 10))


class CompositionWithWorkersTest(CompositionTest):
    workers = 2


if __name__ == "__main__":
    EXAMPLE = sys.argv.pop(1)
    unittest.main()
