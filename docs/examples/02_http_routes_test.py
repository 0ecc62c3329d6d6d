"""Runs step 2 of docs/examples/README.md (the example of docs/http.md) and
checks what the page says it does.
Usage: 02_http_routes_test.py BINARY"""
import http.client
import json
import subprocess
import sys

proc = subprocess.Popen([sys.argv[1], "0"], stdout=subprocess.PIPE, text=True)
try:
    line = proc.stdout.readline()
    assert line.startswith("serving on http://"), line
    host, port = line.strip()[len("serving on http://"):].rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=10)

    def call(method, path, body=None):
        conn.request(method, path, body=None if body is None else json.dumps(body))
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read()

    assert call("POST", "/double", 21)[2] == b"42.0"
    assert json.loads(call("GET", "/hello?name=Ada")[2]) == {"hello": "Ada"}
    status, headers, body = call("POST", "/items", {"name": "pen"})
    assert (status, headers["Location"], body) == (201, "/items/1", b"1"), (status, headers, body)
    assert call("POST", "/items", [1])[0] == 400
    assert call("POST", "/quit")[2] == b'"bye"'
    assert proc.wait(10) == 0
    print("02_http_routes: ok")
finally:
    if proc.poll() is None:
        proc.kill()
