"""System tests of the service's logs: --log-level, --log-format=json, and
request ids that follow a call through compositions, workers and every
gateway. Usage: logging_test.py EXAMPLE_BINARY"""
import json
import os
import signal
import sys
import tempfile
import time
import unittest

from service import Service, run
from wire import Http, RawConnection, call_record

EXAMPLE = None


class LoggingTest(unittest.TestCase):
    def start(self, *extra):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)
        self.sock = os.path.join(self.dir.name, "s.sock")
        svc = Service([EXAMPLE, "--http-port=0", "--socket-path", self.sock, *extra])
        self.addCleanup(svc.kill)
        http = Http(svc.endpoint("http"))
        self.addCleanup(http.close)
        return svc, http

    def lines_until(self, svc, predicate, timeout=10):
        """The service's stderr lines once one of them fits `predicate`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            lines = list(svc.stderr_lines)
            if any(predicate(l) for l in lines):
                return lines
            time.sleep(0.02)
        self.fail(f"no such log line within {timeout} s: {''.join(svc.stderr_lines)}")

    def json_lines(self, svc, predicate, timeout=10):
        found = self.lines_until(
            svc, lambda l: l.startswith("{") and predicate(json.loads(l)), timeout)
        return [json.loads(l) for l in found]

    def test_a_failed_call_is_logged_with_its_request_id_by_the_worker_that_ran_it(self):
        svc, http = self.start("--workers=2", "--log-format=json")
        status, headers, _ = http.call("POST", "/fail", 5, {"X-Request-Id": "trace-1"})
        self.assertEqual((status, headers["X-Request-Id"]), (500, "trace-1"))
        entries = self.json_lines(svc, lambda e: e.get("request_id") == "trace-1")
        mine = [e for e in entries if e.get("request_id") == "trace-1"]
        self.assertEqual(len(mine), 1, mine)  # once: the worker, not also its supervisor
        self.assertEqual(mine[0]["level"], "info")
        self.assertRegex(mine[0]["process"], r"^worker \d$")
        self.assertIn("route /fail", mine[0]["message"])
        self.assertIn("ExampleError", mine[0]["message"])
        for e in entries:  # every line of the service is JSON
            self.assertEqual(set(e) - {"process", "request_id"}, {"time", "level", "pid", "message"})

    def test_child_calls_carry_their_parents_request_id(self):
        svc, http = self.start("--log-level=debug")
        status, _, _ = http.call("POST", "/strict", 3, {"X-Request-Id": "tree-7"})
        self.assertEqual(status, 500)  # /strict = ensemble(/double, /fail), fail-fast
        def routes(lines):
            return {l.split("request tree-7: route ", 1)[1].split()[0]
                    for l in lines if "request tree-7: route " in l}
        deadline = time.monotonic() + 10
        while routes(svc.stderr_lines) != {"/strict", "/double", "/fail"}:
            self.assertLess(time.monotonic(), deadline, "".join(svc.stderr_lines))
            time.sleep(0.02)

    def test_socket_calls_are_named_by_connection_and_record(self):
        svc, _ = self.start()
        c = RawConnection(self.sock)
        self.addCleanup(c.close)
        c.send(call_record("r-41", "/fail", 1))
        self.assertEqual(c.read_record()[1], "error")
        self.lines_until(svc, lambda l: "request unix#1:r-41: route /fail" in l)

    def test_the_level_hides_what_is_below_it(self):
        svc, http = self.start("--log-level=warning")
        http.call("POST", "/fail", 1, {"X-Request-Id": "quiet-1"})
        http.call("POST", "/stop")
        self.assertEqual(svc.wait(20), 0)
        self.assertNotIn("quiet-1", "".join(svc.stderr_lines))
        self.assertNotIn(" info: ", "".join(svc.stderr_lines))

    def test_a_forged_line_in_a_message_stays_on_its_line(self):
        svc, http = self.start()
        # /fail's error message carries its input
        http.call("POST", "/fail", "x\n2026-01-01T00:00:00.000Z actorserve[1] error: forged",
                  {"X-Request-Id": "forge-1"})
        lines = self.lines_until(svc, lambda l: "forge-1" in l)
        self.assertFalse(any(l.startswith("2026-01-01") for l in lines), lines)
        self.assertTrue(any("\\x0A2026-01-01" in l for l in lines), lines)

    def test_bad_log_options_are_usage_errors(self):
        code, _, err = run([EXAMPLE, "--log-level=loud"])
        self.assertEqual(code, 2)
        self.assertIn("debug, info, warning, error; got 'loud'", err)
        code, _, err = run([EXAMPLE, "--log-format=xml"])
        self.assertEqual(code, 2)
        self.assertIn("text or json; got 'xml'", err)


if __name__ == "__main__":
    EXAMPLE = sys.argv.pop(1)
    unittest.main(verbosity=2)
