"""System tests of GET /debug/calls: a slow call shows with its age, request
id and where it runs, in one process and with --workers=2 (the worker tree
with pids, and each worker's own routes); it is gone once answered.
Usage: debug_calls_test.py EXAMPLE_BINARY"""
import json
import os
import sys
import tempfile
import threading
import time
import unittest

from service import Service
from wire import Http, RawConnection, call_record

EXAMPLE = None


def find_calls(routes, path):
    for r in routes:
        if r["route"] == path:
            return r
    raise AssertionError(f"no route {path} in {routes}")


class DebugCallsTest(unittest.TestCase):
    workers = None

    def setUp(self):
        args = [EXAMPLE, "--http-port=0"]
        if self.workers:
            args.append(f"--workers={self.workers}")
        self.svc = Service(args)
        self.addCleanup(self.svc.kill)
        self.endpoint = self.svc.endpoint("http")

    def debug(self):
        c = Http(self.endpoint)
        try:
            status, _, body = c.call("GET", "/debug/calls")
        finally:
            c.close()
        self.assertEqual(status, 200, body)
        return json.loads(body)

    def slow_call(self, seconds, request_id):
        """Starts POST /sleep on its own connection; returns its thread."""
        def run():
            c = Http(self.endpoint, timeout=30)
            try:
                c.call("POST", "/sleep", seconds, {"X-Request-Id": request_id})
            finally:
                c.close()
        t = threading.Thread(target=run)
        t.start()
        self.addCleanup(t.join)
        return t

    def wait_for_call(self, request_id, where):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            seen = self.debug()
            sleep = find_calls(where(seen), "/sleep")
            calls = [c for c in sleep["calls"] if c["request_id"] == request_id]
            if calls:
                return seen, sleep, calls[0]
            time.sleep(0.05)
        self.fail(f"call {request_id} never showed in /debug/calls")

    def test_a_slow_call_shows_with_its_age_and_goes_once_answered(self):
        t = self.slow_call(1.5, "slow-1")
        seen, sleep, call = self.wait_for_call("slow-1", lambda d: d["routes"])
        time.sleep(0.3)
        seen, sleep, call = self.wait_for_call("slow-1", lambda d: d["routes"])
        self.assertEqual(seen["pid"], self.svc.proc.pid)
        self.assertEqual(sleep["in_flight"], 1)
        self.assertGreaterEqual(sleep["oldest_age_seconds"], 0.3)
        self.assertGreaterEqual(call["age_seconds"], 0.3)
        self.assertLess(call["deadline_in_seconds"], 60)
        self.assertGreater(call["deadline_in_seconds"], 55)
        self.assertEqual((call["state"], call["parent"], call["depth"]), ("running", 0, 0))
        if self.workers:
            self.assertIn(call["worker"], (0, 1))
            tree = {w["index"]: w for w in seen["workers"]}
            self.assertEqual(set(tree), {0, 1})
            self.assertEqual(call["pid"], tree[call["worker"]]["pid"])
            self.assertTrue(all(w["state"] == "ready" for w in tree.values()), tree)
            # The worker that runs it lists it among its own routes too.
            inner = find_calls(tree[call["worker"]]["routes"], "/sleep")
            self.assertEqual([c["request_id"] for c in inner["calls"]], ["slow-1"])
            self.assertEqual(inner["calls"][0]["pid"], call["pid"])
            # What the supervisor takes of a worker's answer keeps every
            # field a gate writes.
            self.assertEqual(set(inner), set(sleep))
            self.assertEqual(set(inner["calls"][0]), set(call))
            self.assertEqual(inner["calls"][0]["state"], "running")
        else:
            self.assertNotIn("workers", seen)
            self.assertEqual(call["pid"], self.svc.proc.pid)
        t.join(10)
        sleep = find_calls(self.debug()["routes"], "/sleep")
        self.assertEqual((sleep["in_flight"], sleep["calls"]), (0, []))

    def test_only_get_is_allowed(self):
        c = Http(self.endpoint)
        self.addCleanup(c.close)
        status, headers, _ = c.call("POST", "/debug/calls")
        self.assertEqual(status, 405)
        self.assertEqual(headers["Allow"], "GET, HEAD")


class DebugCallsOptionsTest(unittest.TestCase):
    def test_off_with_no_debug_calls_and_on_the_metrics_port(self):
        svc = Service([EXAMPLE, "--http-port=0", "--no-debug-calls"])
        self.addCleanup(svc.kill)
        c = Http(svc.endpoint("http"))
        self.addCleanup(c.close)
        self.assertEqual(c.call("GET", "/debug/calls")[0], 404)
        svc2 = Service([EXAMPLE, "--http-port=0", "--metrics-port=0"])
        self.addCleanup(svc2.kill)
        m = Http(svc2.endpoint("metrics"))
        self.addCleanup(m.close)
        status, _, body = m.call("GET", "/debug/calls")
        self.assertEqual(status, 200)
        self.assertIn("/double", [r["route"] for r in json.loads(body)["routes"]])


class DebugCallsWithWorkersTest(DebugCallsTest):
    workers = 2


class DebugCallsOverTheSocketTest(unittest.TestCase):
    def test_a_socket_call_in_a_worker_shows_its_request_id_in_both_places(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        path = os.path.join(tmp.name, "svc.sock")
        svc = Service([EXAMPLE, "--http-port=0", "--workers=2", f"--socket-path={path}"])
        self.addCleanup(svc.kill)
        conn = RawConnection(path)
        self.addCleanup(conn.sock.close)
        conn.send(call_record("r1", "/sleep", 3))
        http = Http(svc.endpoint("http"))
        self.addCleanup(http.close)
        deadline = time.monotonic() + 10
        while True:
            seen = json.loads(http.call("GET", "/debug/calls")[2])
            calls = find_calls(seen["routes"], "/sleep")["calls"]
            if calls or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.assertEqual(len(calls), 1, seen)
        self.assertRegex(calls[0]["request_id"], r"^unix#\d+:r1$")
        worker = {w["index"]: w for w in seen["workers"]}[calls[0]["worker"]]
        inner = find_calls(worker["routes"], "/sleep")["calls"]
        self.assertEqual([c["request_id"] for c in inner], [calls[0]["request_id"]])
        self.assertEqual(conn.read_json(), ("r1", "json", 3))


if __name__ == "__main__":
    EXAMPLE = sys.argv.pop(1)
    unittest.main(verbosity=2)
