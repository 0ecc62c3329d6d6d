"""Runs step 8 of docs/examples/README.md: a service with a worker of its own
and a worker port, a worker that joins it with the shared secret (another
process on loopback plays the other host), one that holds the wrong secret
and is refused, and a stop that takes every worker with it.
Usage: 08_joining_worker_test.py BINARY"""
import http.client
import json
import os
import sys
import tempfile
import time

from example_process import Example, children, fields, gone, kill_if_running

BINARY = sys.argv[1]


def secret_file(directory, name, secret):
    path = os.path.join(directory, name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # private, as it must be
    with os.fdopen(fd, "w") as f:
        f.write(secret + "\n")
    return path


workers = set()
with tempfile.TemporaryDirectory() as tmp:
    secret = secret_file(tmp, "service.secret", os.urandom(32).hex())
    wrong = secret_file(tmp, "wrong.secret", os.urandom(32).hex())
    service = Example([BINARY, "serve", secret, "0", "0"])
    joined = None
    try:
        ready = fields(service.wait_for("ready "))
        host, port = ready["http"].rsplit(":", 1)
        conn = http.client.HTTPConnection(host, int(port), timeout=10)

        def get(path):
            conn.request("GET", path)
            r = conn.getresponse()
            return r.status, json.loads(r.read())

        status, health = get("/healthz")
        assert status == 200, health
        assert [(w["index"], w["state"]) for w in health["workers"]] == [(0, "ready")], health
        workers |= children(service.pid)

        # The worker from "another host": its own process, the secret, the
        # address of the worker port, a context of its own.
        joined = Example([BINARY, "join", ready["node"], secret, '{"gpu": 0}'])
        assert joined.wait_for("joined as worker ") == "joined as worker 1"

        # The supervisor adds the joined worker's routes as soon as it hears
        # it is ready: ask until worker 1 answers, within a bound.
        seen = {}
        deadline = time.monotonic() + 30
        while len(seen) < 2 and time.monotonic() < deadline:
            status, body = get("/whoami")
            assert status == 200, body
            seen[body["worker_index"]] = body
        assert sorted(seen) == [0, 1], seen
        assert seen[0]["worker_context"] == "local", seen
        assert seen[1]["worker_context"] == {"gpu": 0}, seen
        assert seen[1]["pid"] == joined.pid, (seen, joined.pid)
        status, health = get("/healthz")
        assert [(w["index"], w["state"]) for w in health["workers"]] == \
            [(0, "ready"), (1, "ready")], health

        # A worker that holds another secret is refused at once.
        with Example([BINARY, "join", ready["node"], wrong]) as impostor:
            assert impostor.wait() == 1
            assert "different shared secret" in "".join(impostor.stderr), impostor.stderr

        # POST /stop stops the service and every worker, the joined one too.
        conn.request("POST", "/stop")
        assert conn.getresponse().status == 200
        assert service.wait() == 0
        assert service.stdout[-1] == "stopped\n", service.stdout
        assert joined.wait() == 0
        assert joined.stdout == ["joined as worker 1\n", "left\n"], joined.stdout
        for pid in workers:
            assert gone(pid), f"worker {pid} outlived the service"
    finally:
        if service.proc.poll() is None:
            workers |= children(service.pid)
        service.kill()
        if joined:
            joined.kill()
        for pid in workers:
            kill_if_running(pid, BINARY)
print("08_joining_worker: ok")
