#!/usr/bin/env python3
"""Benchmark: where the example service's CPU goes, thread by thread, under
wrk (-t2 -c64) on POST /double with the body 21 (as workers_bench.py):
each thread's CPU (user and system time from /proc/PID/task/TID/stat) per
request, and how often per request it
went to sleep for want of work (voluntary context switches: each time,
something had to wake it) or was preempted (involuntary ones).

Each thread is shown with its name and with where it waits once the load
has stopped (/proc/PID/task/TID/wchan): CAF names its scheduler threads
and its multiplexer alike (`caf.multiplexer`); its scheduler threads wait
on a futex, the multiplexer (which reads and writes the links between
processes) and the HTTP I/O threads in epoll_wait. The HTTP I/O thread is
the one named after the program that waits in epoll.

Prints a line per thread to stderr, the medians of the rounds, then one
summary line:

  BENCH thread_cpu rps=... main_process_cpu_us_per_req=... worker_processes_cpu_us_per_req=... settings: ...

Usage: thread_cpu.py BUILD_DIR [WORKERS [ROUNDS [SECONDS]]]"""
import os
import statistics
import sys
import tempfile
import time

from wrk_runner import start, stop, switches_between, thread_costs, worker_pids, wrk

build = sys.argv[1]
workers = int(sys.argv[2]) if len(sys.argv) > 2 else 2
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
seconds = int(sys.argv[4]) if len(sys.argv) > 4 else 5
tick_us = 1e6 / os.sysconf("SC_CLK_TCK")


def read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return "?"


with tempfile.TemporaryDirectory() as tmp:
    script = os.path.join(tmp, "double.lua")
    with open(script, "w") as f:
        f.write('wrk.method = "POST"\nwrk.body = \'21\'\n'
                'wrk.headers["Content-Type"] = "application/json"\n')
    proc = None
    try:
        proc, endpoint = start([os.path.join(build, "apps/example/actorserve-example"),
                                "--http-port=0", f"--workers={workers}"])
        processes = [("main", proc.pid)]
        if workers > 1:
            pids = worker_pids(endpoint)
            if len(pids) != workers:
                raise SystemExit(f"{len(pids)} worker processes answer, not {workers}")
            processes += [(f"worker{i}", pid) for i, pid in enumerate(pids)]
        wrk(endpoint, "/double", script, 2)  # warm-up
        figures = {}  # (process, tid) -> [(cpu, voluntary, involuntary) per request, a round each]
        rates = []
        for _ in range(rounds):
            before = {pid: thread_costs(pid) for _, pid in processes}
            rps = wrk(endpoint, "/double", script, seconds)[0]
            after = {pid: thread_costs(pid) for _, pid in processes}
            rates.append(rps)
            requests = rps * seconds
            for name, pid in processes:
                for tid, (ticks, _, _) in after[pid].items():
                    was = before[pid].get(tid, (0, 0, 0))
                    voluntary, involuntary = switches_between({tid: was}, {tid: after[pid][tid]})
                    figures.setdefault((name, pid, tid), []).append(
                        ((ticks - was[0]) * tick_us / requests, voluntary / requests,
                         involuntary / requests))
        time.sleep(0.5)  # idle: each thread waits where it waits for work
        waits = {(pid, tid): (read(f"/proc/{pid}/task/{tid}/comm"),
                              read(f"/proc/{pid}/task/{tid}/wchan"))
                 for _, pid, tid in figures}
    finally:
        if proc is not None:
            stop(proc)
    totals = {}
    for (name, pid, tid), runs in sorted(figures.items(), key=lambda x: (x[0][0], x[0][2])):
        cpu, voluntary, involuntary = (statistics.median(r[i] for r in runs) for i in range(3))
        totals[name] = totals.get(name, 0) + cpu
        comm, wchan = waits[(pid, tid)]
        print(f"{name} thread {tid} ({comm}, waits in {wchan}): {cpu:.2f} us CPU,"
              f" {voluntary:.3f} sleeps, {involuntary:.3f} preemptions per request",
              file=sys.stderr)
    line = (f"BENCH thread_cpu rps={statistics.median(rates):.0f}"
            f" main_process_cpu_us_per_req={totals.get('main', 0):.1f}"
            f" worker_processes_cpu_us_per_req={sum(v for k, v in totals.items() if k != 'main'):.1f}"
            f" settings: wrk -t2 -c64 -d{seconds}s POST /double body=21 workers={workers} rounds={rounds}"
            f" cores={os.cpu_count()} cpu_from=/proc/PID/task/TID/stat medians_of_rounds")
    print(line)
