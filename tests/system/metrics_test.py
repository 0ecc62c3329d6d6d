"""System tests of GET /metrics: figures that move as calls are made, in one
process and with --workers=2 (each worker's figures labelled by worker), the
exposition checked by promtool, --metrics-port and --no-metrics.
Usage: metrics_test.py EXAMPLE_BINARY"""
import json
import re
import shutil
import subprocess
import sys
import threading
import time
import unittest

from service import Service, every_gateway
from wire import Http, RawConnection, call_record, python_end

EXAMPLE = None
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse(text):
    """{(name, frozenset of label pairs): value} of an exposition."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, f"not a sample line: {line!r}"
        labels = frozenset(LABEL.findall(m.group(3) or ""))
        out[(m.group(1), labels)] = float(m.group(4))
    return out


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())))


def total(samples, name, **labels):
    """The sum of `name`'s samples that have `labels` (and perhaps more:
    a worker's)."""
    want = set(labels.items())
    return sum(v for (n, l), v in samples.items() if n == name and want <= l)


def promtool_check(test, text):
    tool = shutil.which("promtool")
    test.assertIsNotNone(tool, "promtool (Debian package prometheus) is missing: "
                               "run deploy/install-deps.sh")
    r = subprocess.run([tool, "check", "metrics"], input=text.encode(), capture_output=True,
                       timeout=30)
    test.assertEqual(r.returncode, 0, r.stdout.decode() + r.stderr.decode())


class MetricsTest(unittest.TestCase):
    workers = None

    def setUp(self):
        self.svc, self.sock, self.fifo = every_gateway(self, EXAMPLE, self.workers)
        self.http = Http(self.svc.endpoint("http"))
        self.addCleanup(self.http.close)

    def in_flight_becomes(self, route, expected, seconds):
        """Scrapes until the route's calls in flight are `expected`, for at
        most `seconds`: the last figure seen."""
        deadline = time.monotonic() + seconds
        while True:
            seen = value(parse(self.scrape()), "actorserve_calls_in_flight", route=route)
            if seen == expected or time.monotonic() > deadline:
                return seen
            time.sleep(0.01)

    def scrape(self):
        status, headers, raw = self.http.call("GET", "/metrics")
        self.assertEqual(status, 200, raw)
        self.assertTrue(headers["Content-Type"].startswith("text/plain; version=0.0.4"), headers)
        return raw.decode()

    def test_calls_move_the_counts_and_the_exposition_passes_promtool(self):
        before = parse(self.scrape())
        for i in range(3):
            self.assertEqual(self.http.json("POST", "/double", i)[0], 200)
        self.assertEqual(self.http.json("POST", "/fail", "boom")[0], 500)
        text = self.scrape()
        promtool_check(self, text)
        after = parse(text)
        ok = value(after, "actorserve_calls_total", route="/double", outcome="ok")
        self.assertEqual(ok - (value(before, "actorserve_calls_total", route="/double",
                                     outcome="ok") or 0), 3)
        self.assertEqual(value(after, "actorserve_calls_total", route="/fail",
                               outcome="ExampleError"), 1)
        self.assertEqual(value(after, "actorserve_call_duration_seconds_count", route="/double"), 3)
        self.assertEqual(value(after, "actorserve_call_duration_seconds_bucket", route="/double",
                               le="+Inf"), 3)
        self.assertGreaterEqual(value(after, "actorserve_gateway_requests_total", gateway="http"),
                                5)
        self.assertGreater(value(after, "actorserve_route_capacity", route="/double"), 0)
        for name in ("process_resident_memory_bytes", "process_cpu_seconds_total",
                     "process_open_fds", "process_start_time_seconds"):
            self.assertIsNotNone(value(after, name), name)
        self.assertGreater(value(after, "process_start_time_seconds"), time.time() - 600)

    def test_a_slow_call_is_in_flight_until_it_answers(self):
        done = []
        other = Http(self.svc.endpoint("http"))
        self.addCleanup(other.close)
        slow = threading.Thread(target=lambda: done.append(other.json("POST", "/sleep", 1.0)))
        slow.start()
        self.addCleanup(slow.join)
        self.assertEqual(self.in_flight_becomes("/sleep", 1, 5), 1)
        slow.join()
        self.assertEqual(done[0][0], 200)
        # The gate counts the call out just after it hands the answer over,
        # so a scrape at once may still see it.
        self.assertEqual(self.in_flight_becomes("/sleep", 0, 2), 0)

    def test_a_batching_route_counts_its_batch_sizes(self):
        for i in range(2):
            self.assertEqual(self.http.json("POST", "/batched", i)[0], 200)
        after = parse(self.scrape())
        # One call a batch: each waited its batch_wait_time alone.
        # With workers, the batches run in the workers: their figures.
        self.assertEqual(total(after, "actorserve_batch_size_count", route="/batched"), 2)
        self.assertEqual(total(after, "actorserve_batch_size_bucket", route="/batched", le="1"), 2)

    def test_every_gateway_counts_its_requests_and_connections(self):
        conn = RawConnection(self.sock)
        self.addCleanup(conn.close)
        conn.send(call_record("a", "/double", 2) + call_record("b", "/double", 3))
        conn.read_json()
        conn.read_json()
        reader, writer = python_end(self.fifo, "client")
        self.addCleanup(reader.close)
        self.addCleanup(writer.close)
        writer.send_bytes(b'["/double", 5]')
        self.assertEqual(json.loads(reader.recv_bytes()), {"ok": 10})
        after = parse(self.scrape())
        self.assertEqual(value(after, "actorserve_gateway_requests_total", gateway="socket-unix"), 2)
        self.assertEqual(value(after, "actorserve_gateway_connections", gateway="socket-unix"), 1)
        self.assertEqual(value(after, "actorserve_gateway_requests_total", gateway="fifo"), 1)
        self.assertEqual(value(after, "actorserve_gateway_connections", gateway="fifo"), 1)
        self.assertGreaterEqual(value(after, "actorserve_gateway_connections", gateway="http"), 1)
        conn.close()
        deadline = time.time() + 5
        while time.time() < deadline and value(parse(self.scrape()), "actorserve_gateway_connections",
                                               gateway="socket-unix") != 0:
            time.sleep(0.02)
        self.assertEqual(value(parse(self.scrape()), "actorserve_gateway_connections",
                               gateway="socket-unix"), 0)

    def test_metrics_take_only_get(self):
        status, headers, raw = self.http.call("POST", "/metrics")
        self.assertEqual(status, 405, raw)
        self.assertEqual(headers["Allow"], "GET, HEAD")


class WorkersMetricsTest(MetricsTest):
    workers = 2

    def test_every_worker_reports_labelled_by_worker(self):
        for i in range(8):
            self.assertEqual(self.http.json("POST", "/double", i)[0], 200)
        text = self.scrape()
        promtool_check(self, text)
        after = parse(text)
        main = value(after, "actorserve_calls_total", route="/double", outcome="ok")
        per_worker = [value(after, "actorserve_calls_total", route="/double", outcome="ok",
                            worker=w) or 0 for w in ("0", "1")]
        # Each call passes the main gate and one worker's.
        self.assertGreaterEqual(main, 8)
        self.assertEqual(sum(per_worker), main)
        for w in ("0", "1"):
            self.assertEqual(value(after, "actorserve_worker_up", worker=w), 1)
            self.assertEqual(value(after, "actorserve_worker_restarts_total", worker=w), 0)
            self.assertGreater(value(after, "process_resident_memory_bytes", worker=w), 0)
            self.assertGreater(value(after, "process_start_time_seconds", worker=w), 0)


class MetricsPortTest(unittest.TestCase):
    def test_the_metrics_port_serves_metrics_and_no_route(self):
        svc = Service([EXAMPLE, "--socket-port=0", "--metrics-port=0"])
        self.addCleanup(svc.kill)
        http = Http(svc.endpoint("metrics"))
        self.addCleanup(http.close)
        status, _, raw = http.call("GET", "/metrics")
        self.assertEqual(status, 200)
        promtool_check(self, raw.decode())
        self.assertEqual(http.call("POST", "/double", 2)[0], 404)
        self.assertEqual(http.call("POST", "/stop")[0], 404)
        self.assertEqual(http.call("GET", "/healthz")[0], 200)

    def test_no_metrics_turns_them_off(self):
        svc = Service([EXAMPLE, "--http-port=0", "--no-metrics"])
        self.addCleanup(svc.kill)
        http = Http(svc.endpoint("http"))
        self.addCleanup(http.close)
        self.assertEqual(http.call("GET", "/metrics")[0], 404)
        self.assertEqual(http.json("POST", "/double", 2), (200, 4))

    def test_no_metrics_refuses_a_metrics_port(self):
        r = subprocess.run([EXAMPLE, "--no-metrics", "--metrics-port=0"], capture_output=True,
                           timeout=30)
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"--no-metrics", r.stderr)


if __name__ == "__main__":
    EXAMPLE = sys.argv.pop(1)
    unittest.main(verbosity=2)
