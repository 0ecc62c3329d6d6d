#!/usr/bin/env python3
"""Benchmark: two builds of the HTTP gateway side by side in one run, for a
change's before and after. Starts the example service (routes in-process)
and the plain handler of each build, then runs wrk -t2 -c64 against them
in turn, A B B A A B ... (the order alternates each round):

- POST /double {"x":21} against each build's example service;
- POST /echo {"x":1,"name":"abc"} against each build's example service
  and each build's plain handler (the plain handler answers /double only
  in builds that have it, so /echo is what both builds' plain handlers
  share).

Prints one line, each figure the median of the rounds, with the server's
CPU per request (user and system time from /proc/PID/stat over the run,
divided by wrk's requests per second times the run's seconds):

  BENCH http_builds double_before_rps=... double_before_cpu_us_per_req=... double_after_rps=... ... settings: ...

--http-threads=N gives each example service N HTTP I/O threads (1 by
default; the plain handlers keep one): with 2, both threads call the same
routes at once.

Usage: http_builds_bench.py [--http-threads=N] BEFORE_BUILD_DIR AFTER_BUILD_DIR [ROUNDS [SECONDS]]"""
import argparse
import os
import signal
import statistics
import sys
import tempfile

from wrk_runner import post_script, start, wrk_with_cpu

parser = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("before", metavar="BEFORE_BUILD_DIR")
parser.add_argument("after", metavar="AFTER_BUILD_DIR")
parser.add_argument("rounds", metavar="ROUNDS", type=int, nargs="?", default=3)
parser.add_argument("seconds", metavar="SECONDS", type=int, nargs="?", default=5)
parser.add_argument("--http-threads", type=int, default=1,
                    help="HTTP I/O threads of each example service (default 1)")
args = parser.parse_intermixed_args()
if args.http_threads < 1 or args.rounds < 1 or args.seconds < 1:
    parser.error("--http-threads, ROUNDS and SECONDS are 1 or more")
before, after, rounds, seconds = args.before, args.after, args.rounds, args.seconds
http_threads = args.http_threads

with tempfile.TemporaryDirectory() as tmp:
    scripts = {name: post_script(tmp, name, body)
               for name, body in (("double", '{"x":21}'), ("echo", '{"x":1,"name":"abc"}'))}
    servers = {}
    try:
        for build, which in ((before, "before"), (after, "after")):
            servers[("actor", which)] = start(
                [os.path.join(build, "apps/example/actorserve-example"), "--http-port=0",
                 f"--http-threads={http_threads}"])
            servers[("plain", which)] = start(
                [os.path.join(build, "apps/bench/actorserve-bench-plain-http")])
        cases = [("double", "actor"), ("echo", "actor"), ("echo", "plain")]
        results = {}
        for round_number in range(rounds):
            order = ("before", "after") if round_number % 2 == 0 else ("after", "before")
            for name, kind in cases:
                for which in order:
                    proc, ep = servers[(kind, which)]
                    results.setdefault((name, kind, which), []).append(
                        wrk_with_cpu(ep, "/" + name, scripts[name], seconds, proc.pid))
    finally:
        for proc, _ in servers.values():
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)
    line = "BENCH http_builds"
    for name, kind in cases:
        label = name if kind == "actor" else f"{name}_plain"
        for which in ("before", "after"):
            runs = results[(name, kind, which)]
            rps = statistics.median(r[0] for r in runs)
            cpu = statistics.median(r[3] for r in runs)
            line += f" {label}_{which}_rps={rps:.0f} {label}_{which}_cpu_us_per_req={cpu:.1f}"
    line += (f" settings: wrk -t2 -c64 -d{seconds}s http_threads={http_threads} rounds={rounds} order=ABBA"
             f" before={before} after={after} medians_of_rounds")
    print(line)
