"""Runs step 1 of docs/examples/README.md and checks what a user sees.
Usage: 01_function_route_test.py BINARY"""
import http.client
import json
import sys

from example_process import Example

with Example([sys.argv[1], "0"]) as service:
    host, port = service.wait_for("ready http=")[len("ready http="):].rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=10)

    def post(path, body=None):
        conn.request("POST", path, body=None if body is None else json.dumps(body))
        r = conn.getresponse()
        return r.status, json.loads(r.read())

    assert post("/double", 21) == (200, 42.0)
    assert post("/double", 0.25) == (200, 0.5)
    # The function threw: 500, and the error's type and message.
    status, body = post("/double", "abc")
    assert status == 500 and body["error"]["type"] == "type_error", (status, body)
    status, body = post("/triple", 1)
    assert status == 404 and body["error"]["type"] == "NotFound", (status, body)
    assert post("/stop") == (200, {"status": "stopping"})
    assert service.wait() == 0
    assert service.stdout[-1] == "stopped\n", service.stdout
# A port that is not one: a clear message, exit 1, nothing served.
for bad in ("abc", "65536"):
    with Example([sys.argv[1], bad]) as service:
        assert service.wait() == 1
        assert service.stderr == ["01_function_route: the port must be a number from 0 to 65535; "
                                  f"got '{bad}'\n"], service.stderr
print("01_function_route: ok")
