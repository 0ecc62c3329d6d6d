"""The stand-in for the Python original's HTTP serving that http_bench.py
runs beside ours (apps/bench/python_http_server.py: uvicorn and Starlette
from Debian's packages) does the same work as the example service's
POST /double: the same answer, byte for byte, to the same requests, so
the benchmark compares like with like. Skips where Debian's Python lacks
uvicorn or Starlette (deploy/install-deps.sh installs them).
Usage: python_original_test.py EXAMPLE_BINARY"""
import http.client
import os
import subprocess
import sys
import unittest

from service import Service

EXAMPLE = None
PYTHON = "/usr/bin/python3"
SERVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "apps", "bench",
                      "python_http_server.py")


def post(endpoint, path, body):
    host, port = endpoint.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request("POST", path, body, {"Content-Type": "application/json"})
        r = conn.getresponse()
        return r.status, r.getheader("Content-Type"), r.read()
    finally:
        conn.close()


class PythonOriginalTest(unittest.TestCase):
    def setUp(self):
        if not os.path.exists(PYTHON) or subprocess.run(
                [PYTHON, "-c", "import uvicorn, starlette"], capture_output=True).returncode:
            self.skipTest(f"{PYTHON} has no uvicorn or Starlette: run deploy/install-deps.sh")

    def test_it_answers_double_as_the_example_does(self):
        with Service([PYTHON, SERVER]) as original, \
                Service([EXAMPLE, "--http-port=0", "--no-remote-stop"]) as ours:
            for x in (21, 0, -7, 123456789):
                body = f'{{"x":{x}}}'
                theirs = post(original.endpoint("http"), "/double", body)
                mine = post(ours.endpoint("http"), "/double", body)
                self.assertEqual(theirs[0], 200)
                self.assertEqual(theirs[2], f'{{"x":{x},"y":{2 * x}}}'.encode())
                self.assertEqual(mine[2], theirs[2])
                self.assertEqual(mine[1], theirs[1])

    def test_it_describes_what_it_serves_with(self):
        out = subprocess.run([PYTHON, SERVER, "--describe"], capture_output=True, text=True,
                             timeout=30, check=True).stdout
        self.assertRegex(out, r"^uvicorn-[\d.]+,starlette-[\d.]+,loop=\w+,parser=\w+$")


if __name__ == "__main__":
    EXAMPLE = sys.argv.pop(1)
    unittest.main(verbosity=2)
