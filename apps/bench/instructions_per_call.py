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
- call_api: node.call("/double", 21) in one process, blocking, no gateway;
- http_object, http_plain: POST /double {"x":21} (answered {"x":21,"y":42})
  through the route in-process, and through a plain handler on the same
  HTTP listener doing the same JSON work without actors
  (actorserve-bench-plain-http): their difference is what routing a
  request through an actor costs in user space, a proxy for the HTTP
  aim (0.9 of the plain handler's rate) that the machine's load does not
  move (the kernel's part, the same for both, is not counted).

The service runs with --gateway-run-limit at 10 s: under valgrind every
run takes tens of times longer than without, and at the default 200 us
the gateway would hand its calls to the scheduler threads, which is not
the path counted outside valgrind. A build from before that option (its
--help does not list it) runs without it: it has no such path.

Prints one line:

  BENCH instructions_per_call http=... http_workers=... socket=... fifo=... call_api=... http_object=... http_plain=... settings: ...

With --keep=DIR, callgrind's files of each case stay in DIR/CASE (deleted
and made anew first), one per process, named by its role (service,
supervisor, worker0, worker1, call_loop), for
`callgrind_annotate --inclusive=yes FILE` to show where the instructions
go; divide its figures by CALLS
(docs/performance.md, "Where a call through a worker spends its time").

Usage: instructions_per_call.py [--keep=DIR] BUILD_DIR [CALLS [CASE...]]"""
import argparse
import functools
import glob
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from multiprocessing.connection import Connection

WARMUP = 200
GATEWAY_RUN_LIMIT_US = 10_000_000  # see the docstring
CASES = ("http", "http_workers", "socket", "fifo", "call_api", "http_object", "http_plain")


class Counted:
    """A process run under callgrind with counting off until count() asks."""

    def __init__(self, argv, out_dir, role, stdin=None, ready=True):
        self.out_dir = out_dir
        self.role = role
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

    def count(self, work, *others, keep=None):
        """Instructions this process, those below it and `others` ran
        during work(); their files are copied to `keep`, if given."""
        roles = {pid: o.role for o in (self, *others) for pid in o.pids()}
        pids = list(roles)
        before = set(glob.glob(f"{self.out_dir}/cg.*"))
        self.control("--zero", pids)
        self.control("--instr=on", pids)
        work()
        self.control("--instr=off", pids)
        self.control("--dump", pids)
        total = 0
        for path in set(glob.glob(f"{self.out_dir}/cg.*")) - before:
            if keep:
                pid = int(re.match(r"cg\.(\d+)", os.path.basename(path)).group(1))
                shutil.copy(path, os.path.join(
                    keep, f"{roles.get(pid, 'other')}.{os.path.basename(path)}"))
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


@functools.lru_cache(maxsize=None)
def has_gateway_run_limit(example):
    """Whether this build of the example takes --gateway-run-limit: builds
    from before gateways' threads ran routes do not."""
    listed = subprocess.run([example, "--help"], capture_output=True, text=True, timeout=60)
    return "--gateway-run-limit" in listed.stdout + listed.stderr


def example_case(build, calls, tmp, args, connect, keep, workers=0, program=None):
    """Starts the example service (or `program`) with args (and `workers`
    that join it), connects, and counts calls."""
    example = os.path.join(build, "apps/example/actorserve-example")
    joined = []
    if workers:
        secret = os.path.join(tmp, "secret")
        with open(os.open(secret, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write("instructions-per-call-secret\n")
        args = [*args, "--workers=0", "--node-port=0", f"--secret-file={secret}"]
    if not program and has_gateway_run_limit(example):
        args = [*args, f"--gateway-run-limit={GATEWAY_RUN_LIMIT_US}"]
    argv = [program] if program else [example, *args]
    svc = Counted(argv, tmp, "supervisor" if workers else "service")
    try:
        if workers:
            node = re.search(r"node=(\S+)", svc.ready).group(1)
            for i in range(workers):  # each kept as it starts, so that each is stopped
                joined.append(Counted([example, f"--join={node}", f"--secret-file={secret}"],
                                      tmp, f"worker{i}", ready=False))
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
        return svc.count(lambda: [call() for _ in range(calls)], *joined, keep=keep) / calls
    finally:
        for p in [svc, *joined]:
            p.stop()


def http_call(ready, send=b"21", expect=b"42"):
    host, port = re.search(r"http=(\S+)", ready).group(1).rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=60)

    def call():
        conn.request("POST", "/double", body=send)
        r = conn.getresponse()
        body = r.read()
        assert body == expect, f"POST /double {send!r}: {r.status} {body[:200]!r}"
    return call


def http_object_call(ready):
    return http_call(ready, b'{"x":21}', b'{"x":21,"y":42}')


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


def call_api_case(build, calls, tmp, keep):
    loop = Counted([os.path.join(build, "apps/bench/actorserve-bench-call-loop")], tmp,
                   "call_loop", stdin=subprocess.PIPE)
    try:
        def run(n):
            loop.proc.stdin.write(f"{n}\n")
            loop.proc.stdin.flush()
            assert loop.proc.stdout.readline() == f"done {n}\n"
        run(WARMUP)
        return loop.count(lambda: run(calls), keep=keep) / calls
    finally:
        try:
            loop.proc.stdin.close()
        except OSError:
            pass  # it ended already: stop() reaps it
        loop.stop()


def measure(case, build, calls, keep):
    with tempfile.TemporaryDirectory() as tmp:
        if case == "http":
            return example_case(build, calls, tmp, ["--http-port=0"], http_call, keep)
        if case == "http_workers":
            return example_case(build, calls, tmp, ["--http-port=0"], http_call, keep, workers=2)
        if case == "socket":
            path = os.path.join(tmp, "svc.sock")
            return example_case(build, calls, tmp, [f"--socket-path={path}"], socket_call(path),
                                keep)
        if case == "fifo":
            path = os.path.join(tmp, "svc")
            for end in (".1", ".2"):
                os.mkfifo(path + end, 0o600)
            return example_case(build, calls, tmp, [f"--fifo-path={path}"], fifo_call(path), keep)
        if case == "http_object":
            return example_case(build, calls, tmp, ["--http-port=0"], http_object_call, keep)
        if case == "http_plain":
            return example_case(build, calls, tmp, [], http_object_call, keep,
                                program=os.path.join(build, "apps/bench/actorserve-bench-plain-http"))
        return call_api_case(build, calls, tmp, keep)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", metavar="DIR",
                        help="keep callgrind's files of each case in DIR/CASE (DIR/CASE is"
                             " deleted first)")
    parser.add_argument("build", metavar="BUILD_DIR")
    parser.add_argument("calls", metavar="CALLS", type=int, nargs="?", default=2000)
    parser.add_argument("cases", metavar="CASE", nargs="*",
                        help=f"default: all of {', '.join(CASES)}")
    args = parser.parse_intermixed_args()
    if args.calls < 1:
        parser.error("CALLS is 1 or more")
    if args.keep == "":
        parser.error("--keep needs a folder")
    for c in args.cases:
        if c not in CASES:
            parser.error(f"unknown case {c}: the cases are {', '.join(CASES)}")
    build, calls, cases = args.build, args.calls, args.cases or CASES
    example = os.path.join(build, "apps/example/actorserve-example")
    if not os.access(example, os.X_OK):
        parser.error(f"{example} is not an executable: build it first")
    limit = GATEWAY_RUN_LIMIT_US if has_gateway_run_limit(example) else "not_in_build"
    started = time.monotonic()
    figures = {}
    for c in cases:
        keep = os.path.join(args.keep, c) if args.keep else None
        if keep:
            shutil.rmtree(keep, ignore_errors=True)
            os.makedirs(keep)
        figures[c] = measure(c, build, calls, keep)
    version = subprocess.run(["valgrind", "--version"], capture_output=True,
                             text=True).stdout.strip()
    print("BENCH instructions_per_call "
          + " ".join(f"{c}={round(v)}" for c, v in figures.items())
          + f" settings: gateway_run_limit_us={limit} calls={calls} warmup={WARMUP} counted=every_process_of_the_service"
            " bodies=21,http_object_and_http_plain:{\"x\":21} plain=actorserve-bench-plain-http"
            f" client=outside_valgrind one_in_flight tool={version}_callgrind"
            f" seconds={time.monotonic() - started:.0f}")


if __name__ == "__main__":
    main()
