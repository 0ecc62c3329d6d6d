#!/usr/bin/env python3
"""Benchmark: what an idle service and an idle client cost. The example
service runs with all three gateways (HTTP, a Unix socket, a FIFO), once
in-process and once with --workers=2; our Python client holds 32
connections open to its socket gateway, after one call on each. Nothing is
called for SECONDS; the CPU time each process used over that time (from
/proc), its resident memory and its threads are reported, with the
client's CPU from getrusage (it runs in this process, without threads of
its own).

Prints one line:

  BENCH idle inproc_cpu_ms_per_min=... inproc_rss_mib=... inproc_threads=... ... settings: ...

Usage: idle_cost.py BUILD_DIR [SECONDS]"""
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))
from actorserve_client import SocketClient  # noqa: E402

CONNECTIONS = 32
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def status(pid):
    """(resident MiB, threads) of a process."""
    with open(f"/proc/{pid}/status") as f:
        text = f.read()
    rss = int(re.search(r"VmRSS:\s+(\d+) kB", text).group(1)) / 1024
    return rss, int(re.search(r"Threads:\s+(\d+)", text).group(1))


def children(pid):
    out = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            out += [int(p) for p in f.read().split()]
    return out


def own_cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def measure(build, seconds, workers, tmp):
    """{name: figure} for one service and a client idle beside it."""
    example = os.path.join(build, "apps/example/actorserve-example")
    sock, fifo = os.path.join(tmp, f"svc{workers}.sock"), os.path.join(tmp, f"svc{workers}")
    proc = subprocess.Popen([example, "--http-port=0", f"--socket-path={sock}",
                             f"--fifo-path={fifo}", f"--workers={workers}"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        if not proc.stdout.readline().startswith("ready"):
            raise SystemExit("the example service did not start")
        pids = [proc.pid]
        if workers > 1:  # wait for the workers to join
            deadline = time.monotonic() + 30
            while len(children(proc.pid)) < workers and time.monotonic() < deadline:
                time.sleep(0.1)
            pids += children(proc.pid)
        with SocketClient(path=sock, num_connections=CONNECTIONS) as client:
            list(client.stream("/double", range(CONNECTIONS * 4)))  # every connection used
            time.sleep(2)  # settle
            before = {pid: cpu_seconds(pid) for pid in pids}
            client_before = own_cpu()
            time.sleep(seconds)
            client_cpu = own_cpu() - client_before
            used = {pid: cpu_seconds(pid) - before[pid] for pid in pids}
            per_min = 60 / seconds
            name = "inproc" if workers == 1 else "workers"
            rss, threads = status(proc.pid)
            out = {f"{name}_cpu_ms_per_min": used[proc.pid] * 1000 * per_min,
                   f"{name}_rss_mib": rss, f"{name}_threads": threads}
            for i, pid in enumerate(pids[1:]):
                rss, threads = status(pid)
                out.update({f"{name}_worker{i + 1}_cpu_ms_per_min": used[pid] * 1000 * per_min,
                            f"{name}_worker{i + 1}_rss_mib": rss,
                            f"{name}_worker{i + 1}_threads": threads})
            out[f"{name}_client_cpu_ms_per_min"] = client_cpu * 1000 * per_min
            out[f"{name}_client_threads"] = threading.active_count()
            return out
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)


def main():
    build = sys.argv[1]
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 60
    figures = {}
    with tempfile.TemporaryDirectory() as tmp:
        for workers in (1, 2):
            figures.update(measure(build, seconds, workers, tmp))
    print("BENCH idle " + " ".join(
        f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}" for k, v in figures.items())
        + f" settings: seconds={seconds:g} connections={CONNECTIONS} gateways=http,unix,fifo"
          f" client=python_SocketClient cpu_from=/proc/PID/stat clock_ticks={TICKS}")


if __name__ == "__main__":
    main()
