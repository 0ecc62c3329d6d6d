"""System tests of actorserve-client, the command line client of the socket
gateway, against the real actorserve-example.
Usage: socket_cli_test.py EXAMPLE_BINARY CLIENT_BINARY"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

from service import Service

EXAMPLE = CLIENT = None


class SocketCliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.path = os.path.join(cls.tmp.name, "svc.sock")
        cls.svc = Service([EXAMPLE, f"--socket-path={cls.path}", "--socket-port=0"])
        cls.port = cls.svc.endpoint("socket-tcp").rsplit(":", 1)[1]

    @classmethod
    def tearDownClass(cls):
        cls.svc.kill()
        cls.tmp.cleanup()

    def cli(self, *args, stdin=None, where=None):
        where = ["--unix", self.path] if where is None else where
        p = subprocess.run([CLIENT, *where, *args], input=stdin, capture_output=True,
                           text=True, timeout=60)
        return p.returncode, p.stdout, p.stderr

    def test_request_prints_the_result_as_json(self):
        self.assertEqual(self.cli("request", "/double", "21"), (0, "42\n", ""))
        self.assertEqual(self.cli("request", "/double", '{"x": 8}')[1], '{"x":8,"y":16}\n')
        self.assertEqual(self.cli("request", "/echo")[1], "null\n")
        code, out, _ = self.cli("request", "/double", "21", where=["--port", self.port])
        self.assertEqual((code, out), (0, "42\n"))

    def test_request_errors_go_to_stderr_with_exit_1(self):
        self.assertEqual(self.cli("request", "/fail", '"on purpose"'),
                         (1, "", "ExampleError: on purpose\n"))
        self.assertEqual(self.cli("request", "/missing"), (1, "", "NotFound: no route /missing\n"))
        code, _, err = self.cli("--timeout", "0.1", "request", "/sleep", "2")
        self.assertEqual(code, 1)
        self.assertTrue(err.startswith("Timeout: no response from /sleep within 100 ms"), err)

    def test_stream_answers_in_input_order(self):
        inputs = "".join(f"{i}\n" for i in range(1000))
        code, out, err = self.cli("stream", "/double", stdin=inputs)
        self.assertEqual(code, 0, err)
        self.assertEqual([json.loads(line) for line in out.splitlines()],
                         [2 * i for i in range(1000)])

    def test_stream_with_return_x_and_return_exceptions(self):
        code, out, _ = self.cli("stream", "/double", "--return-x", "--return-exceptions",
                                stdin='1\n"ab"\n\nnull\n3\n')
        self.assertEqual(code, 0)
        lines = [json.loads(line) for line in out.splitlines()]
        self.assertEqual(lines[0], [1, 2])
        self.assertEqual(lines[1], ["ab", "abab"])
        self.assertEqual(lines[2][0], None)
        self.assertEqual(lines[2][1]["error"]["type"], "TypeError")
        self.assertEqual(lines[3], [3, 6])

    def test_stream_stops_at_the_first_error_without_return_exceptions(self):
        code, out, err = self.cli("stream", "/double", stdin="1\n2\nnull\n3\n")
        self.assertEqual(code, 1)
        self.assertEqual(out, "2\n4\n")
        self.assertTrue(err.startswith("TypeError: "), err)

    def test_a_line_that_is_not_json_is_named(self):
        code, out, err = self.cli("stream", "/double", stdin="1\n{oops\n3\n")
        self.assertEqual(code, 2)
        self.assertEqual(out, "2\n")
        self.assertIn("line 2 of the input is not JSON: {oops", err)

    def test_usage_and_connection_errors(self):
        code, _, err = self.cli("request", where=[])
        self.assertEqual(code, 2)
        self.assertIn("say where the service is", err)
        code, _, err = self.cli("frobnicate")
        self.assertEqual(code, 2)
        missing = os.path.join(self.tmp.name, "none.sock")
        code, _, err = self.cli("--connect-timeout", "0.2", "request", "/double", "1",
                                where=["--unix", missing])
        self.assertEqual(code, 3)
        self.assertIn(f"cannot connect to {missing} within 200 ms", err)
        # Where the service is: one place, a port that is one.
        for where, message in ((["--unix", self.path, "--port", self.port],
                                "say one place for the service, not more"),
                               (["--host", "127.0.0.1"], "--host needs --port PORT"),
                               (["--port", "http"], "--port takes 1 to 65535, got 'http'"),
                               (["--port", "65536"], "--port takes 1 to 65535, got '65536'")):
            code, _, err = self.cli("request", "/double", "1", where=where)
            self.assertEqual(code, 2, where)
            self.assertIn(message, err)
        # Connections: 1 to 1024; "-1" is not the largest number.
        for n in ("-1", "0", "1025", "many"):
            code, _, err = self.cli("--connections", n, "request", "/double", "1")
            self.assertEqual(code, 2, n)
            self.assertIn(f"--connections takes 1 to 1024, got '{n}'", err)
        self.assertEqual(self.cli("--connections", "1024", "request", "/double", "1")[:2],
                         (0, "2\n"))
        # Seconds: 0 to a week, to the millisecond above.
        for option in ("--timeout", "--connect-timeout"):
            for bad in ("9.3e9", "1e300", "inf", "nan", "-1", "soon"):
                code, _, err = self.cli(option, bad, "request", "/double", "1")
                self.assertEqual(code, 2, (option, bad))
                self.assertIn(f"{option} takes 0 to 604800 seconds, got '{bad}'", err)
        self.assertEqual(self.cli("--timeout", "604800", "request", "/double", "1")[:2],
                         (0, "2\n"))
        code, _, err = self.cli("--timeout", "0.0001", "request", "/double", "1")
        self.assertNotEqual(code, 2, err)  # 1 ms, not 0
        # An option of another command is refused, not ignored.
        for option, message in ((["--return-x"], "--return-x is an option of stream"),
                                (["--return-exceptions"],
                                 "--return-exceptions is an option of stream"),
                                (["--shutdown-path", "/x"],
                                 "--shutdown-path is an option of shutdown")):
            code, _, err = self.cli(*option, "request", "/double", "1")
            self.assertEqual(code, 2, option)
            self.assertIn(message, err)
        # An input that cannot be read is not an empty one.
        folder = os.open(self.tmp.name, os.O_RDONLY)  # a folder as stdin
        try:
            p = subprocess.run([CLIENT, "--unix", self.path, "stream", "/double"], stdin=folder,
                               capture_output=True, text=True, timeout=30)
        finally:
            os.close(folder)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("cannot read the input: Is a directory", p.stderr)
        help_text = subprocess.run([CLIENT, "--help"], capture_output=True, text=True)
        self.assertEqual(help_text.returncode, 0)
        self.assertIn("request ROUTE [JSON]", help_text.stdout)


class SocketCliShutdownTest(unittest.TestCase):
    def test_a_lost_connection_fails_the_call_at_once(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "svc.sock")
            with Service([EXAMPLE, f"--socket-path={path}"]) as svc:
                client = subprocess.Popen([CLIENT, "--unix", path, "request", "/sleep", "30"],
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                          text=True)
                time.sleep(0.3)  # the call is in flight
                svc.kill()
                start = time.monotonic()
                out, err = client.communicate(timeout=10)
                self.assertLess(time.monotonic() - start, 2)
                self.assertEqual(client.returncode, 1)
                self.assertTrue(err.startswith("ConnectionLost: "), err)

    def test_a_connection_the_service_closes_says_why(self):
        # A service that reads the request, says why it will not serve it
        # (an error record about no call, id "-") and closes, as one past
        # its connection limit does.
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "svc.sock")
            with socket.socket(socket.AF_UNIX) as listener:
                listener.bind(path)
                listener.listen(1)

                def serve():
                    conn, _ = listener.accept()
                    with conn:
                        conn.recv(1000)
                        body = b'{"message":"the server has 1 connections open","type":"BacklogFull"}'
                        conn.sendall(b"- %d error\n" % len(body) + body)
                threading.Thread(target=serve, daemon=True).start()
                p = subprocess.run([CLIENT, "--unix", path, "request", "/double", "1"],
                                   capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertEqual(p.stderr, "ConnectionLost: the service closed the connection: "
                                   "BacklogFull: the server has 1 connections open\n")

    def test_shutdown_stops_the_service(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "svc.sock")
            with Service([EXAMPLE, f"--socket-path={path}"]) as svc:
                p = subprocess.run([CLIENT, "--unix", path, "shutdown"], capture_output=True,
                                   text=True, timeout=30)
                self.assertEqual((p.returncode, p.stdout), (0, ""))
                self.assertEqual(svc.wait(10), 0)
                self.assertFalse(os.path.exists(path))


if __name__ == "__main__":
    CLIENT = sys.argv.pop(2)
    EXAMPLE = sys.argv.pop(1)
    unittest.main(verbosity=2)
