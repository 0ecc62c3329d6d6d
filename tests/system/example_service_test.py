"""System test: the example service starts, says it is ready, and stops
cleanly on SIGTERM and SIGINT. Usage: example_service_test.py BINARY"""
import os
import signal
import sys
import time
import unittest

from service import Service, run

BINARY = None


class ExampleServiceTest(unittest.TestCase):
    def test_ready_line_names_the_routes(self):
        with Service([BINARY, "--http-port=0"]) as s:
            self.assertRegex(s.ready_line, r"^ready pid=\d+ ")
            self.assertEqual(int(s.endpoint("pid")), s.proc.pid)
            self.assertEqual(s.endpoint("routes"),
                             "/double,/echo,/sleep,/spin,/info,/fail,/head,/tail,/len,"
                             "/combine,/greet,/hello,/strict,/lenient,/by_type,/twice,/batched")
            s.signal(signal.SIGTERM)
            self.assertEqual(s.wait(10), 0)

    def test_threads_are_named_after_what_they_do(self):
        # Names that `top -H`, `ps -L` and perf show.
        import tempfile
        with tempfile.TemporaryDirectory() as tmp, \
                Service([BINARY, "--http-port=0", "--http-threads=2",
                         f"--socket-path={tmp}/s.sock", f"--fifo-path={tmp}/pipe"]) as s:
            names = []
            task = f"/proc/{s.proc.pid}/task"
            for tid in os.listdir(task):
                try:
                    with open(f"{task}/{tid}/comm") as f:
                        names.append(f.read().strip())
                except FileNotFoundError:
                    pass  # a thread that ended meanwhile
            for name, count in (("as-http-io", 2), ("as-socket-io", 1), ("as-fifo-read", 1),
                                ("as-fifo-write", 1), ("as-signals", 1)):
                self.assertEqual(names.count(name), count, names)

    def test_sigterm_and_sigint_stop_with_exit_code_0(self):
        for signum in (signal.SIGTERM, signal.SIGINT):
            with Service([BINARY, "--http-port=0"]) as s:
                start = time.monotonic()
                s.signal(signum)
                self.assertEqual(s.wait(10), 0, "".join(s.stderr_lines))
                self.assertLess(time.monotonic() - start, 5)
                self.assertIn("shutting down", "".join(s.stderr_lines))

    def test_help_lists_the_options(self):
        code, out, _ = run([BINARY, "--help"])
        self.assertEqual(code, 0)
        for option in ("--drain-timeout SECONDS", "--http-port N", "--socket-path PATH",
                       "--worker-context JSON", "--config FILE", "--print-config"):
            self.assertIn(option, out)
        # grouped by gateway, in this order
        groups = [out.index(g + ":") for g in ("General", "HTTP gateway", "Socket gateway",
                                                "FIFO gateway", "Workers")]
        self.assertEqual(groups, sorted(groups), out)

    def test_a_bad_option_is_named_and_exits_2(self):
        code, _, err = run([BINARY, "--no-such-option"])
        self.assertEqual(code, 2)
        self.assertIn("unknown option --no-such-option", err)
        code, _, err = run([BINARY, "--worker-context={broken"])
        self.assertEqual(code, 2)
        self.assertIn("--worker-context", err)


    def test_a_port_in_use_fails_the_start_with_that_error_alone(self):
        import socket
        taken = socket.socket()
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        try:
            code, out, err = run([BINARY, f"--http-port={port}"], timeout=20)
        finally:
            taken.close()
        self.assertEqual(code, 1, err)
        self.assertIn(f"cannot listen at 127.0.0.1:{port}: Address already in use", err)
        self.assertNotIn("shutting down", err)  # nothing was served, nothing drained
        self.assertNotIn("ready", out)


if __name__ == "__main__":
    BINARY = sys.argv.pop(1)
    unittest.main(verbosity=2)
