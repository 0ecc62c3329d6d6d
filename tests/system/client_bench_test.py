"""System tests of `actorserve-client bench` against the real
actorserve-example, over its socket gateway (Unix and TCP) and over HTTP.
Usage: client_bench_test.py EXAMPLE_BINARY CLIENT_BINARY"""
import http.server
import json
import os
import pty
import socket
import subprocess
import sys
import tempfile
import threading
import unittest

from service import Service

EXAMPLE = CLIENT = None


def free_port():
    """A loopback port nothing listens on (it was free a moment ago)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_line_fields(line):
    """The key=value figures and settings of a `BENCH client-bench` line."""
    figures, _, settings = line.partition(" settings: ")
    fields = dict(f.split("=", 1) for f in figures.split()[2:])
    fields.update(dict(f.split("=", 1) for f in settings.split()))
    return fields


class ClientBenchTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.path = os.path.join(cls.tmp.name, "svc.sock")
        cls.svc = Service([EXAMPLE, f"--socket-path={cls.path}", "--socket-port=0",
                           "--http-port=0"])
        cls.port = cls.svc.endpoint("socket-tcp").rsplit(":", 1)[1]
        cls.url = "http://" + cls.svc.endpoint("http")

    @classmethod
    def tearDownClass(cls):
        cls.svc.kill()
        cls.tmp.cleanup()

    def cli(self, *args, where=None):
        where = ["--unix", self.path] if where is None else where
        p = subprocess.run([CLIENT, *where, *args], capture_output=True, text=True, timeout=60)
        return p.returncode, p.stdout, p.stderr

    def bench_json(self, route, data, where=None, concurrency=4, duration=1):
        code, out, err = self.cli("bench", route, "--data", data, "--concurrency",
                                  str(concurrency), "--duration", str(duration), "--json",
                                  where=where)
        self.assertEqual(code, 0, err)
        # Not a terminal: no progress line, nothing at all on stderr.
        self.assertEqual(err, "")
        lines = out.splitlines()
        self.assertEqual(len(lines), 1, out)
        return json.loads(lines[0])

    def check_clean_run(self, summary, gateway):
        self.assertEqual(summary["path"], "/double")
        self.assertEqual(summary["gateway"], gateway)
        self.assertEqual(summary["concurrency"], 4)
        self.assertEqual(summary["stopped"], "duration")
        self.assertGreater(summary["calls"], 0)
        self.assertEqual(summary["errors"], {})
        self.assertEqual(summary["ok"], summary["calls"])
        self.assertGreaterEqual(summary["elapsed_s"], 1.0)
        self.assertGreater(summary["rps"], 0)
        self.assertLessEqual(summary["p50_us"], summary["p90_us"])
        self.assertLessEqual(summary["p90_us"], summary["p99_us"])
        self.assertLessEqual(summary["p99_us"], summary["max_us"])
        self.assertGreater(summary["p50_us"], 0)

    def test_double_over_a_unix_socket(self):
        self.check_clean_run(self.bench_json("/double", "21"), "socket")

    def test_double_over_http(self):
        self.check_clean_run(self.bench_json("/double", "21", where=["--http", self.url]),
                             "http")

    def test_a_failing_route_counts_its_error_type(self):
        for where in (None, ["--http", self.url]):
            summary = self.bench_json("/fail", '"on purpose"', where=where, duration=0.5)
            calls = summary["calls"]
            self.assertGreater(calls, 0)
            self.assertEqual(summary["errors"], {"ExampleError": calls})
            self.assertEqual(summary["error_count"], calls)
            self.assertEqual(summary["ok"], 0)
            self.assertIsNone(summary["p50_us"])

    def test_an_http_error_counts_by_the_type_in_its_body(self):
        # A route that does not exist is answered 404 {"error": {"type": "NotFound"}}.
        summary = self.bench_json("/nowhere", "1", where=["--http", self.url], duration=0.3)
        self.assertEqual(summary["errors"], {"NotFound": summary["calls"]})

    def test_an_http_error_without_a_type_counts_by_its_status(self):
        class Teapot(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self.send_response(418)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"no")

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Teapot)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            url = f"http://127.0.0.1:{server.server_address[1]}"
            summary = self.bench_json("/x", "1", where=["--http", url], concurrency=2,
                                      duration=0.3)
        finally:
            server.shutdown()
            server.server_close()
            thread.join(10)
        self.assertGreater(summary["calls"], 0)
        self.assertEqual(summary["errors"], {"HTTP 418": summary["calls"]})

    def test_the_human_summary_ends_with_a_bench_line(self):
        code, out, err = self.cli("bench", "/double", "--data", "3", "--concurrency", "2",
                                  "--duration", "0.5", where=["--port", self.port])
        self.assertEqual(code, 0, err)
        self.assertIn("latency  p50 ", out)
        self.assertIn("errors   none", out)
        last = out.splitlines()[-1]
        self.assertTrue(last.startswith("BENCH client-bench calls="), out)
        fields = bench_line_fields(last)
        self.assertEqual(set(fields), {"calls", "rps", "p50_us", "p90_us", "p99_us", "errors",
                                       "path", "concurrency", "duration", "gateway"})
        self.assertGreater(int(fields["calls"]), 0)
        self.assertEqual(fields["errors"], "0")
        self.assertLessEqual(float(fields["p50_us"]), float(fields["p99_us"]))
        self.assertEqual((fields["path"], fields["concurrency"], fields["duration"],
                          fields["gateway"]), ("/double", "2", "0.5", "socket"))

    def test_a_progress_line_goes_to_a_terminal(self):
        controller, terminal = pty.openpty()
        shown = []

        def read_terminal():
            while True:
                try:
                    chunk = os.read(controller, 4096)
                except OSError:  # EIO: the terminal's last writer is gone
                    return
                if not chunk:
                    return
                shown.append(chunk)

        reader = threading.Thread(target=read_terminal, daemon=True)
        reader.start()
        try:
            p = subprocess.run([CLIENT, "--unix", self.path, "bench", "/double", "--data", "1",
                                "--duration", "1.5", "--json"],
                               stdout=subprocess.PIPE, stderr=terminal, timeout=60)
        finally:
            os.close(terminal)
            reader.join(10)
            os.close(controller)
        self.assertEqual(p.returncode, 0)
        shown = b"".join(shown)
        self.assertRegex(shown, rb"\r\d+ s of 1.5: \d+ calls, \d+/s, 0 errors")
        self.assertGreater(json.loads(p.stdout)["calls"], 0)

    def test_nothing_to_connect_to_exits_3(self):
        missing = os.path.join(self.tmp.name, "none.sock")
        code, out, err = self.cli("--connect-timeout", "0.2", "bench", "/double",
                                  where=["--unix", missing])
        self.assertEqual((code, out), (3, ""))
        self.assertIn(f"cannot connect to {missing} within 200 ms", err)
        url = f"http://127.0.0.1:{free_port()}"
        code, out, err = self.cli("--connect-timeout", "0.2", "bench", "/double",
                                  where=["--http", url])
        self.assertEqual((code, out), (3, ""))
        self.assertIn("cannot connect to 127.0.0.1:", err)

    def test_bad_options_exit_2_naming_the_value(self):
        cases = [
            (["--concurrency", "0"], "--concurrency takes 1 to 10000 calls in flight, got '0'"),
            (["--concurrency", "10001"], "got '10001'"),
            (["--concurrency", "many"], "got 'many'"),
            (["--duration", "0"], "--duration takes more than 0 and at most 86400 seconds"),
            (["--duration", "86401"], "got '86401'"),
            (["--data", "{oops"], "--data takes JSON"),
        ]
        for args, message in cases:
            code, out, err = self.cli("bench", "/double", *args)
            self.assertEqual((code, out), (2, ""), args)
            self.assertIn(message, err, args)
        code, _, err = self.cli("request", "/double", "--concurrency", "2")
        self.assertEqual(code, 2)
        self.assertIn("--concurrency is an option of bench", err)
        code, _, err = self.cli("bench", "/double", where=["--http", "https://127.0.0.1:1"])
        self.assertEqual(code, 2)
        self.assertIn("https is not supported", err)
        code, _, err = self.cli("request", "/double", where=["--http", self.url])
        self.assertEqual(code, 2)
        self.assertIn("--http is for bench", err)


if __name__ == "__main__":
    CLIENT = sys.argv.pop(2)
    EXAMPLE = sys.argv.pop(1)
    unittest.main(verbosity=2)
