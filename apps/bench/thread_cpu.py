#!/usr/bin/env python3
"""Benchmark: where the example service's CPU goes, thread by thread, under
wrk (-t2 -c64) on POST /double: each thread's CPU (user and system time
from /proc/PID/task/TID/stat) and context switches per request, in the
service and, with WORKERS above 1, in each worker process. Prints a line
per thread that did work, then one summary line:

  BENCH thread_cpu rps=... main_cpu_us_per_req=... workers_cpu_us_per_req=... settings: ...

CAF's threads carry the name of the thread that started them, so a thread
is named by its process and its id, in the order they started: in each
process CAF's scheduler threads (one per core), then its multiplexer (the
thread that reads and writes the link between processes); the HTTP I/O
thread is the main process's last.

Usage: thread_cpu.py BUILD_DIR [WORKERS [SECONDS]]"""
import os
import signal
import sys
import tempfile

from wrk_runner import start, thread_costs, wrk

build = sys.argv[1]
workers = int(sys.argv[2]) if len(sys.argv) > 2 else 2
seconds = int(sys.argv[3]) if len(sys.argv) > 3 else 8
tick_us = 1e6 / os.sysconf("SC_CLK_TCK")


def children(pid):
    out = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                out += [int(p) for p in f.read().split()]
        except FileNotFoundError:
            pass
    return out


with tempfile.TemporaryDirectory() as tmp:
    script = os.path.join(tmp, "double.lua")
    with open(script, "w") as f:
        f.write('wrk.method = "POST"\nwrk.body = \'{"x":21}\'\n'
                'wrk.headers["Content-Type"] = "application/json"\n')
    proc, endpoint = start([os.path.join(build, "apps/example/actorserve-example"),
                            "--http-port=0", f"--workers={workers}"])
    try:
        wrk(endpoint, "/double", script, 2)  # warm-up; the workers have joined
        processes = [("main", proc.pid)] + [(f"worker{i}", pid)
                                             for i, pid in enumerate(children(proc.pid))]
        before = {pid: thread_costs(pid) for _, pid in processes}
        rps = wrk(endpoint, "/double", script, seconds)[0]
        after = {pid: thread_costs(pid) for _, pid in processes}
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    requests = rps * seconds
    totals = {}
    for name, pid in processes:
        for tid, (ticks, switches) in sorted(after[pid].items()):
            was = before[pid].get(tid, (0, 0))
            cpu = (ticks - was[0]) * tick_us / requests
            if cpu == 0:
                continue
            totals[name] = totals.get(name, 0) + cpu
            print(f"{name} thread {tid}: {cpu:.2f} us CPU per request,"
                  f" {(switches - was[1]) / requests:.3f} context switches per request")
    line = f"BENCH thread_cpu rps={rps:.0f} main_cpu_us_per_req={totals.get('main', 0):.1f}"
    line += f" workers_cpu_us_per_req={sum(v for k, v in totals.items() if k != 'main'):.1f}"
    line += f" settings: wrk -t2 -c64 -d{seconds}s POST /double workers={workers} cpu_from=/proc/PID/task/TID/stat"
    print(line)
