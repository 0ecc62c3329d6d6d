#!/usr/bin/env python3
"""Benchmark: where the example service's CPU goes, thread by thread, under
wrk (-t2 -c64) on POST /double with the body 21 (as workers_bench.py), or
on another route and body (--path, --body; `--path=/spin --body=0` shows
what a blocking route's call costs):
each thread's CPU (user and system time from /proc/PID/task/TID/stat) per
request, and how often per request it went to sleep (voluntary context
switches: for want of work, or waiting on a lock or a socket; another
thread or the network woke it) or was preempted (involuntary ones).
WORKERS=1 serves the routes in-process.

Each thread is shown with its name and with where it waits once the load
has stopped (/proc/PID/task/TID/wchan): CAF names its scheduler threads
and its multiplexer alike (`caf.multiplexer`); its scheduler threads wait
on a futex, the multiplexer (which reads and writes the links between
processes) in epoll_wait. Our own threads carry names of their own
(as-http-io for an HTTP I/O thread; docs/operations.md lists them).

Prints a line per thread to stderr, the medians of the rounds, then one
summary line:

  BENCH thread_cpu rps=... main_process_cpu_us_per_req=... worker_processes_cpu_us_per_req=... settings: ...

Usage: thread_cpu.py [--rounds=N] [--seconds=S] [--path=P] [--body=JSON] BUILD_DIR [WORKERS]"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import time

from wrk_runner import post_script, start, stop, thread_costs, worker_pids, wrk

parser = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("build", metavar="BUILD_DIR")
parser.add_argument("workers", metavar="WORKERS", type=int, nargs="?", default=2)
parser.add_argument("--rounds", type=int, default=3)
parser.add_argument("--seconds", type=int, default=5)
parser.add_argument("--path", default="/double", help="the route POSTed to (default /double)")
parser.add_argument("--body", default="21", help="the JSON body POSTed (default 21)")
args = parser.parse_intermixed_args()
if args.workers < 1 or args.rounds < 1 or args.seconds < 1:
    parser.error("WORKERS, --rounds and --seconds are 1 or more")
def not_json(name):
    raise ValueError(f"{name} is not JSON")


def finite(text):
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"{text} is out of range")
    return value


def finite_int(text):
    finite(text)  # the service reads a number too large for a double as an error
    return int(text)


try:
    json.loads(args.body, parse_constant=not_json, parse_float=finite, parse_int=finite_int)
except ValueError:
    parser.error("--body is one JSON value")
if any(c in args.body for c in "'\\ \t\r\n"):  # post_script and the BENCH line
    parser.error("--body goes into a wrk script and the BENCH line as it is:"
                 " no quote, backslash or whitespace")
if not args.path.startswith("/"):
    parser.error("--path starts with /")
build, workers, rounds, seconds = args.build, args.workers, args.rounds, args.seconds
tick_us = 1e6 / os.sysconf("SC_CLK_TCK")


def read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return "?"


with tempfile.TemporaryDirectory() as tmp:
    script = post_script(tmp, "load", args.body)
    proc = None
    pids = []
    try:
        proc, endpoint = start([os.path.join(build, "apps/example/actorserve-example"),
                                "--http-port=0", f"--workers={workers}"])
        processes = [("main", proc.pid)]
        if workers > 1:
            pids = worker_pids(endpoint)
            if len(pids) != workers:
                raise SystemExit(f"{len(pids)} worker processes answer, not {workers}")
            processes += [(f"worker{i}", pid) for i, pid in enumerate(pids)]  # as workers_bench.py
        wrk(endpoint, args.path, script, 2)  # warm-up
        figures = {}  # (process, tid) -> [(cpu, voluntary, involuntary) per request, a round each]
        rates = []
        round_totals = []  # (main process, worker processes) CPU per request, a round each
        for _ in range(rounds):
            before = {pid: thread_costs(pid) for _, pid in processes}
            rps = wrk(endpoint, args.path, script, seconds)[0]
            after = {pid: thread_costs(pid) for _, pid in processes}
            rates.append(rps)
            requests = rps * seconds
            main_cpu = workers_cpu = 0.0
            for name, pid in processes:
                for tid, (ticks, voluntary, involuntary) in after[pid].items():
                    was = before[pid].get(tid, (0, 0, 0))  # a thread that started counts whole
                    cpu = (ticks - was[0]) * tick_us / requests
                    figures.setdefault((name, pid, tid), []).append(
                        (cpu, (voluntary - was[1]) / requests, (involuntary - was[2]) / requests))
                    if name == "main":
                        main_cpu += cpu
                    else:
                        workers_cpu += cpu
            round_totals.append((main_cpu, workers_cpu))
        time.sleep(0.5)  # idle: each thread waits where it waits for work
        waits = {(pid, tid): (read(f"/proc/{pid}/task/{tid}/comm"),
                              read(f"/proc/{pid}/task/{tid}/wchan"))
                 for _, pid, tid in figures}
    finally:
        if proc is not None:
            stop(proc, pids)
    for (name, pid, tid), runs in sorted(figures.items(), key=lambda x: (x[0][0], x[0][2])):
        cpu, voluntary, involuntary = (statistics.median(r[i] for r in runs) for i in range(3))
        comm, wchan = waits[(pid, tid)]
        print(f"{name} thread {tid} ({comm}, waits in {wchan}): {cpu:.2f} us CPU,"
              f" {voluntary:.3f} sleeps, {involuntary:.3f} preemptions per request",
              file=sys.stderr)
    line = (f"BENCH thread_cpu rps={statistics.median(rates):.0f}"
            f" main_process_cpu_us_per_req={statistics.median(t[0] for t in round_totals):.1f}"
            f" worker_processes_cpu_us_per_req={statistics.median(t[1] for t in round_totals):.1f}"
            f" settings: wrk -t2 -c64 -d{seconds}s POST {args.path} body={args.body} workers={workers} rounds={rounds}"
            f" cores={os.cpu_count()} cpu_from=/proc/PID/task/TID/stat medians_of_rounds")
    print(line)
