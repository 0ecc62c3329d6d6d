#!/usr/bin/env python3
"""Benchmark: instructions per call, counted by valgrind's callgrind, so that
a change's cost can be seen in one run on a noisy machine (instructions do
not depend on what else the machine is doing).

Each case starts the service under callgrind with counting off, warms it
up, then counts exactly CALLS calls, one at a time from a client outside
valgrind, in every process of the service (the supervisor and its
workers), and divides:

- http: POST /double 21 over one keep-alive connection, routes in-process;
- http_workers: the same, the routes in 2 worker processes (the supervisor
  and both workers count). The workers join over the worker port
  (--workers=0 --node-port, and --join): the supervisor's own workers are
  started from /proc/self/exe, which valgrind cannot follow. The link is
  TCP on loopback rather than a socket pair; the kernel's part of either is
  not counted, and what runs in user space is the same;
- socket: a `request` of /double over a Unix socket, one connection;
- fifo: a round trip of ["/double", 21] through the FIFO gateway
  (multiprocessing.connection framing, as a Python script sends it);
- call_api: node.call("/double", 21) in one process, blocking, no gateway.

The service runs with --gateway-run-limit at 10 s: under valgrind every
run takes tens of times longer than without, and at the default 200 us
the gateway would hand its calls to the scheduler threads, which is not
the path counted outside valgrind.

Prints one line:

  BENCH instructions_per_call http=... http_workers=... socket=... fifo=... call_api=... settings: ...

With --keep=DIR, callgrind's files of each case stay in DIR/CASE, one per
process, for `callgrind_annotate --inclusive=yes FILE` to show where the
instructions go (docs/performance.md, "Where a call through a worker
spends its time").

Usage: instructions_per_call.py [--keep=DIR] BUILD_DIR [CALLS [CASE...]]"""
import glob
import http.client
import shutil
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from multiprocessing.connection import Connection

WARMUP = 200
KEEP = {"dir": None}  # where callgrind's files of the case being measured go (--keep)
GATEWAY_RUN_LIMIT_US = 10_000_000  # see the docstring
CASES = ("http", "http_workers", "socket", "fifo", "call_api")


class Counted:
    """A process run under callgrind with counting off until count() asks."""

    def __init__(self, argv, out_dir, stdin=None, ready=True):
        self.out_dir = out_dir
        self.proc = subprocess.Popen(
            ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--trace-children=yes",
             f"--callgrind-out-file={out_dir}/cg.%p", *argv],
            stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.ready = self.proc.stdout.readline() if ready else "ready"
        if not self.ready.startswith("ready"):
            self.stop()
            raise SystemExit(f"{argv[0]} did not start under valgrind: {self.ready!r}")

    def pids(self):
        """The process and every process below it."""
        out, todo = [], [self.proc.pid]
        while todo:
            pid = todo.pop()
            out.append(pid)
            for task in glob.glob(f"/proc/{pid}/task/*/children"):
                with open(task) as f:
                    todo += [int(p) for p in f.read().split()]
        return out

    def control(self, flag, pids):
        subprocess.run(["callgrind_control", flag, *map(str, pids)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def count(self, work, *others):
        """Instructions this process, those below it and `others` ran
        during work()."""
        pids = self.pids() + [pid for o in others for pid in o.pids()]
        before = set(glob.glob(f"{self.out_dir}/cg.*"))
        self.control("--zero", pids)
        self.control("--instr=on", pids)
        work()
        self.control("--instr=off", pids)
        self.control("--dump", pids)
        total = 0
        for path in set(glob.glob(f"{self.out_dir}/cg.*")) - before:
            if KEEP["dir"]:
                os.makedirs(KEEP["dir"], exist_ok=True)
                shutil.copy(path, KEEP["dir"])
            with open(path) as f:
                for line in f:
                    m = re.match(r"totals: (\d+)", line)  # summary: is 0 after --zero
                    if m:
                        total += int(m.group(1))
                        break
        return total

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(120)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def example_case(build, calls, tmp, args, connect, workers=0):
    """Starts the example service with args (and `workers` that join it),
    connects, and counts calls."""
    example = os.path.join(build, "apps/example/actorserve-example")
    joined = []
    if workers:
        secret = os.path.join(tmp, "secret")
        with open(os.open(secret, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write("instructions-per-call-secret\n")
        args = [*args, "--workers=0", "--node-port=0", f"--secret-file={secret}"]
    svc = Counted([example, *args, f"--gateway-run-limit={GATEWAY_RUN_LIMIT_US}"], tmp)
    try:
        if workers:
            node = re.search(r"node=(\S+)", svc.ready).group(1)
            joined = [Counted([example, f"--join={node}", f"--secret-file={secret}"], tmp,
                              ready=False) for _ in range(workers)]
        call = connect(svc.ready)
        deadline = time.monotonic() + 120
        while True:  # until the workers joined and answer
            try:
                call()
                break
            except (AssertionError, OSError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        for _ in range(WARMUP):
            call()
        return svc.count(lambda: [call() for _ in range(calls)], *joined) / calls
    finally:
        for p in [svc, *joined]:
            p.stop()


def http_call(ready):
    host, port = re.search(r"http=(\S+)", ready).group(1).rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=60)

    def call():
        conn.request("POST", "/double", body=b"21")
        r = conn.getresponse()
        body = r.read()
        assert body == b"42", f"POST /double 21: {r.status} {body[:200]!r}"
    return call


def socket_call(path):
    def connect(_ready):
        s = socket.socket(socket.AF_UNIX)
        s.connect(path)
        f = s.makefile("rb")
        payload = b'["/double",21]'
        record = b"1 %d json\n" % len(payload) + payload

        def call():
            s.sendall(record)
            _rid, n, _enc = f.readline().split()
            assert f.read(int(n)) == b"42", "request /double 21"
        return call
    return connect


def fifo_call(path):
    def connect(_ready):
        writer = Connection(os.open(path + ".1", os.O_WRONLY), readable=False)
        reader = Connection(os.open(path + ".2", os.O_RDONLY), writable=False)

        def call():
            writer.send_bytes(b'["/double",21]')
            assert reader.recv_bytes() == b'{"ok":42}', "FIFO /double 21"
        return call
    return connect


def call_api_case(build, calls, tmp):
    loop = Counted([os.path.join(build, "apps/bench/actorserve-bench-call-loop")], tmp,
                   stdin=subprocess.PIPE)
    try:
        def run(n):
            loop.proc.stdin.write(f"{n}\n")
            loop.proc.stdin.flush()
            assert loop.proc.stdout.readline() == f"done {n}\n"
        run(WARMUP)
        return loop.count(lambda: run(calls)) / calls
    finally:
        loop.proc.stdin.close()
        loop.stop()


def measure(case, build, calls):
    with tempfile.TemporaryDirectory() as tmp:
        if case == "http":
            return example_case(build, calls, tmp, ["--http-port=0"], http_call)
        if case == "http_workers":
            return example_case(build, calls, tmp, ["--http-port=0"], http_call, workers=2)
        if case == "socket":
            path = os.path.join(tmp, "svc.sock")
            return example_case(build, calls, tmp, [f"--socket-path={path}"], socket_call(path))
        if case == "fifo":
            path = os.path.join(tmp, "svc")
            for end in (".1", ".2"):
                os.mkfifo(path + end, 0o600)
            return example_case(build, calls, tmp, [f"--fifo-path={path}"], fifo_call(path))
        return call_api_case(build, calls, tmp)


def main():
    args = sys.argv[1:]
    keep = [a for a in args if a.startswith("--keep=")]
    args = [a for a in args if not a.startswith("--keep=")]
    if not args:
        raise SystemExit(__doc__)
    build = args[0]
    calls = int(args[1]) if len(args) > 1 else 2000
    cases = args[2:] or CASES
    for c in cases:
        if c not in CASES:
            raise SystemExit(f"unknown case {c}: the cases are {', '.join(CASES)}")
    started = time.monotonic()
    figures = {}
    for c in cases:
        KEEP["dir"] = os.path.join(keep[-1][len("--keep="):], c) if keep else None
        figures[c] = measure(c, build, calls)
    version = subprocess.run(["valgrind", "--version"], capture_output=True,
                             text=True).stdout.strip()
    print("BENCH instructions_per_call "
          + " ".join(f"{c}={round(v)}" for c, v in figures.items())
          + f" settings: gateway_run_limit_us={GATEWAY_RUN_LIMIT_US} calls={calls} warmup={WARMUP} counted=every_process_of_the_service"
            f" client=outside_valgrind one_in_flight tool={version}_callgrind"
            f" seconds={time.monotonic() - started:.0f}")


if __name__ == "__main__":
    main()
