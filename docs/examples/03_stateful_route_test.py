"""Runs step 3 of docs/examples/README.md and checks what a user sees: the
set-up before the service is ready, the calls, the tear-down at the stop,
and a set-up that fails the start.
Usage: 03_stateful_route_test.py BINARY"""
import http.client
import json
import os
import sys
import tempfile

from example_process import Example

BINARY = sys.argv[1]

with tempfile.TemporaryDirectory() as tmp:
    journal = os.path.join(tmp, "journal.txt")
    with Example([BINARY, journal, "0"]) as service:
        ready = service.wait_for("ready http=")
        # The set-up ran before the service took its first call.
        assert service.stdout[:2] == [f"set-up: opened {journal}\n", ready + "\n"], service.stdout
        host, port = ready[len("ready http="):].rsplit(":", 1)
        conn = http.client.HTTPConnection(host, int(port), timeout=10)

        def post(path, body=None):
            conn.request("POST", path, body=None if body is None else json.dumps(body))
            r = conn.getresponse()
            return r.status, json.loads(r.read())

        assert post("/note", "first") == (200, {"notes": 1})
        assert post("/note", {"second": 2}) == (200, {"notes": 2})
        assert post("/stop") == (200, {"status": "stopping"})
        assert service.wait() == 0
        # The tear-down ran during the shutdown, before start_server returned.
        assert service.stdout[2:] == [f"tear-down: closed {journal} after 2 notes\n",
                                      "stopped\n"], service.stdout
    with open(journal) as f:
        assert f.read() == '"first"\n{"second":2}\n'

    # A set-up that throws fails the start: exit 1, the reason on stderr.
    missing = os.path.join(tmp, "no-such-dir", "journal.txt")
    with Example([BINARY, missing, "0"]) as service:
        assert service.wait() == 1
        assert not any(line.startswith("ready") for line in service.stdout), service.stdout
        assert "route /note failed to start" in "".join(service.stderr), service.stderr
        assert f"cannot open the journal {missing}" in "".join(service.stderr), service.stderr
print("03_stateful_route: ok")
