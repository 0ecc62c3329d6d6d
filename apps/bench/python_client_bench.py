#!/usr/bin/env python3
"""Benchmark: the Python client (apps/python/actorserve_client.py) beside
the C++ command-line client, streaming ITEMS calls to /double over a Unix
socket with 8 connections to ONE example service, side by side in one run:

  A  SocketClient(encoder="json").stream("/double", range(ITEMS))
  B  the same with encoder="pickle" (skipped, and said so, when the service
     does not speak pickle)
  C  actorserve-client --unix P --connections 8 stream /double, fed ITEMS
     JSON lines on stdin from a file, its output to a file
  D  with --previous=DIR only: A with the actorserve_client.py in DIR (an
     earlier version, to compare with; figures named previous_*)

in the order A B C (D) A B C (D) ... for ROUNDS rounds, each in a subprocess
of its own. Every run's results are checked. Figures, medians of the rounds:

- <x>_items_per_s: ITEMS over the wall time of the whole subprocess (start,
  connect, stream, exit), comparable between all three;
- <x>_cpu_us_per_item: the subprocess's user+system CPU time (os.wait4)
  over ITEMS, start-up included;
- for A and B also stream_items_per_s and stream_cpu_us_per_item: the
  stream call alone, timed and measured with resource.getrusage inside the
  subprocess (after a warm-up stream of 1,000 items), and
  outside_stream_cpu_ms: the rest of the subprocess's CPU time (the
  interpreter's start-up, imports, connecting, the warm-up, the check);
- <x>_server_cpu_us_per_item: the service's CPU time meanwhile (from
  /proc/PID/task/*/schedstat), over ITEMS.

Prints one line:

  BENCH python_client json_items_per_s=... ... settings: items=... connections=... rounds=...

Usage: python_client_bench.py [--previous=DIR] BUILD_DIR [ROUNDS [ITEMS]]
For example, the client before the rewrite of issue 14:
  mkdir /tmp/prev && git show f79555e~1:apps/python/actorserve_client.py > /tmp/prev/actorserve_client.py
  python3 apps/bench/python_client_bench.py --previous=/tmp/prev build"""
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT_DIR = os.path.join(HERE, "..", "python")
CONNECTIONS = 8
WARM_UP = 1000


def child(encoder, path, items, client_dir):
    """In the subprocess: stream, check, print the in-stream figures."""
    sys.path.insert(0, client_dir)
    from actorserve_client import SocketClient
    options = {} if encoder == "json" else {"encoder": encoder}  # as an earlier client takes
    with SocketClient(path=path, num_connections=CONNECTIONS, **options) as c:
        assert list(c.stream("/double", range(WARM_UP))) == [2 * i for i in range(WARM_UP)]
        r0 = resource.getrusage(resource.RUSAGE_SELF)
        t0 = time.perf_counter()
        got = list(c.stream("/double", range(items)))
        seconds = time.perf_counter() - t0
        r1 = resource.getrusage(resource.RUSAGE_SELF)
    if got != [2 * i for i in range(items)]:
        raise SystemExit(f"{encoder}: wrong results")
    cpu = r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime
    print(json.dumps({"seconds": seconds, "cpu": cpu}))


def service_cpu(pid):
    """The service's CPU seconds so far: the sum over its threads of
    /proc/PID/task/TID/schedstat (nanoseconds; /proc/PID/stat counts in
    10 ms ticks, too coarse for a run of a fraction of a second)."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except FileNotFoundError:
            pass  # a thread that just ended
    return total / 1e9


def run(argv, service_pid, stdin=None, stdout=subprocess.PIPE):
    """Runs argv to its end: (wall seconds, its CPU seconds from os.wait4,
    the service's CPU seconds meanwhile, its stdout)."""
    s0 = service_cpu(service_pid)
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE)
    # Not communicate(): it would reap the child, and its rusage with it.
    # Both outputs are small (one line, or errors): read one, then the other.
    out = proc.stdout.read() if proc.stdout else b""
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    for pipe in (proc.stdout, proc.stderr):
        if pipe:
            pipe.close()
    if proc.returncode != 0:
        raise SystemExit(f"{argv} exited {proc.returncode}: {err.decode(errors='replace')}")
    return wall, usage.ru_utime + usage.ru_stime, service_cpu(service_pid) - s0, out


def main():
    args = sys.argv[1:]
    previous = None
    if args and args[0].startswith("--previous="):
        previous = os.path.abspath(args.pop(0).split("=", 1)[1])
    build = args[0]
    rounds = int(args[1]) if len(args) > 1 else 5
    items = int(args[2]) if len(args) > 2 else 20000
    example = os.path.join(build, "apps/example/actorserve-example")
    cli = os.path.join(build, "apps/client/actorserve-client")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "svc.sock")
        service = subprocess.Popen([example, f"--socket-path={path}"], stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL, text=True)
        try:
            if not service.stdout.readline().startswith("ready"):
                raise SystemExit("the service did not start")
            lines = os.path.join(tmp, "in.jsonl")
            with open(lines, "w") as f:
                f.write("".join(f"{i}\n" for i in range(items)))
            expected = "".join(f"{2 * i}\n" for i in range(items))
            output = os.path.join(tmp, "out.jsonl")

            sys.path.insert(0, CLIENT_DIR)
            from actorserve_client import RemoteError, SocketClient
            kinds = ["json", "pickle", "cpp"]
            with SocketClient(path=path, num_connections=1, encoder="pickle") as c:
                try:
                    c.request("/double", 21)
                except RemoteError as e:
                    print(f"pickle skipped: the service answers {e}", file=sys.stderr)
                    kinds.remove("pickle")
            if previous:
                kinds.append("previous")

            def one(kind):
                if kind == "cpp":
                    with open(lines, "rb") as stdin, open(output, "wb") as stdout:
                        wall, cpu, server, _ = run(
                            [cli, "--unix", path, "--connections", str(CONNECTIONS),
                             "stream", "/double"], service.pid, stdin=stdin, stdout=stdout)
                    with open(output) as f:
                        if f.read() != expected:
                            raise SystemExit("actorserve-client: wrong results")
                    return {"wall": wall, "cpu": cpu, "server": server}
                encoder, client_dir = ("json", previous) if kind == "previous" else (kind, CLIENT_DIR)
                wall, cpu, server, out = run(
                    [sys.executable, os.path.abspath(__file__), "--child", encoder, path,
                     str(items), client_dir], service.pid)
                inside = json.loads(out)
                return {"wall": wall, "cpu": cpu, "server": server,
                        "stream_wall": inside["seconds"], "stream_cpu": inside["cpu"]}

            for kind in kinds:  # warm-up, not counted
                one(kind)
            results = {kind: [] for kind in kinds}
            for _ in range(rounds):
                for kind in kinds:
                    results[kind].append(one(kind))
        finally:
            service.send_signal(signal.SIGTERM)
            service.wait(30)

    def median(kind, key):
        return statistics.median(r[key] for r in results[kind])

    line = "BENCH python_client"
    for kind in kinds:
        line += (f" {kind}_items_per_s={items / median(kind, 'wall'):.0f}"
                 f" {kind}_cpu_us_per_item={median(kind, 'cpu') / items * 1e6:.2f}")
        if kind != "cpp":
            line += (f" {kind}_stream_items_per_s={items / median(kind, 'stream_wall'):.0f}"
                     f" {kind}_stream_cpu_us_per_item="
                     f"{median(kind, 'stream_cpu') / items * 1e6:.2f}"
                     f" {kind}_outside_stream_cpu_ms="
                     f"{statistics.median(r['cpu'] - r['stream_cpu'] for r in results[kind]) * 1e3:.0f}")
        line += f" {kind}_server_cpu_us_per_item={median(kind, 'server') / items * 1e6:.2f}"
    if "pickle" not in kinds:
        line += " pickle=skipped_service_does_not_speak_pickle"
    line += (f" json_over_cpp_items_per_s={median('cpp', 'wall') / median('json', 'wall'):.2f}"
             f" settings: items={items} connections={CONNECTIONS} rounds={rounds}"
             f" route=/double transport=unix order={'/'.join(kinds)}"
             f" python={sys.version.split()[0]} cores={os.cpu_count()} medians_of_rounds")
    print(line)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
    else:
        main()
