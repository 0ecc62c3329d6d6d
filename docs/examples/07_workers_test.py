"""Runs step 7 of docs/examples/README.md (the example of docs/workers.md)
and checks what the page says it does: two worker processes, each with its
own index and context, and a stop that leaves no worker behind.
Usage: 07_workers_test.py BINARY"""
import http.client
import json
import queue
import subprocess
import sys
import threading

from example_process import children, gone, kill_if_running

BINARY = sys.argv[1]


# The workers share the main process's stdout: only the main prints there.
proc = subprocess.Popen([BINARY, "0"], stdout=subprocess.PIPE, text=True)
lines = queue.Queue()


def read_stdout():
    for line in proc.stdout:
        lines.put(line)
    lines.put(None)  # every holder of the pipe, workers included, has closed it


threading.Thread(target=read_stdout, daemon=True).start()
workers = set()
try:
    line = lines.get(timeout=30)
    assert line is not None and line.startswith("ready http="), line
    host, port = line.strip()[len("ready http="):].rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=10)

    def call(method, path, body=None):
        conn.request(method, path, body=None if body is None else json.dumps(body))
        r = conn.getresponse()
        return r.status, json.loads(r.read())

    # Both workers are ready once the ready line is out.
    status, health = call("GET", "/healthz")
    assert status == 200 and health["status"] == "serving", health
    assert [(w["index"], w["state"]) for w in health["workers"]] == [(0, "ready"), (1, "ready")], health
    workers = {w["pid"] for w in health["workers"]}
    assert len(workers) == 2 and proc.pid not in workers, health
    assert workers <= children(proc.pid), (workers, children(proc.pid))

    # Calls spread over the workers; each answers with its own context.
    seen = {}
    for _ in range(20):
        status, body = call("GET", "/whoami")
        assert status == 200, body
        seen[body["worker_index"]] = body
        if len(seen) == 2:
            break
    assert sorted(seen) == [0, 1], seen
    assert seen[0]["worker_context"] == {"shard": "a-m"}, seen
    assert seen[1]["worker_context"] == {"shard": "n-z"}, seen
    assert {seen[0]["pid"], seen[1]["pid"]} == workers, (seen, workers)
    assert call("POST", "/double", 21) == (200, 42.0)

    # The stop answers, the main exits 0, and no worker outlives it.
    assert call("POST", "/stop") == (200, {"status": "stopping"})
    assert proc.wait(30) == 0
    for pid in workers:
        assert gone(pid), f"worker {pid} outlived the main process"
    rest = []
    while (line := lines.get(timeout=10)) is not None:
        rest.append(line)
    assert rest == [], f"more on stdout than the ready line: {rest}"
    print("07_workers: ok")
finally:
    if proc.poll() is None:
        workers |= children(proc.pid)
        proc.kill()
        proc.wait()
    for pid in workers:
        kill_if_running(pid, BINARY)
