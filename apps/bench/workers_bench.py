#!/usr/bin/env python3
"""Benchmark: routes served in-process against routes served by worker
processes, side by side in one run (A B A B ...), with wrk over HTTP:

- POST /spin 2 (2 ms of CPU time per call, 8 connections): in-process
  (--workers=1; /spin runs on as many threads as there are cores) vs 2
  worker processes (twice as many spinning threads on the same cores);
- POST /spin with less work (--work-ms, 0.1 ms of CPU time by default,
  64 connections): where the hop to a worker starts to cost, next to
  work a route does;
- POST /double: in-process vs 2 worker processes, under load (64
  connections) and one call at a time (the cost of the hop to a worker).

For /double under load it also reports where the CPU goes, per request:
the in-process service's CPU (user and system time from /proc), against
the supervisor's and its worker processes' (summed) apart and together;
and how often their threads went to sleep (voluntary context switches:
for want of work, or waiting on a lock or a socket; another thread or the
network woke them) or were preempted (involuntary ones: more threads
wanted to run than there were cores).

Also reports threads and resident memory of the main process and of each
worker. Prints one line:

  BENCH workers spin_inproc_rps=... spin_workers_rps=... spin_ratio=... ... settings: ...

A case's figures are named after it: spin, work<N>us (one per --work-ms
value, N its microseconds), double, double1.

Usage: workers_bench.py [--work-ms=LIST] BUILD_DIR [ROUNDS [SECONDS]]"""
import argparse
import os
import statistics
import sys
import tempfile

from wrk_runner import (cpu_seconds, post_script, start, stop, switches_between, thread_costs,
                        worker_pids, wrk)

parser = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("build", metavar="BUILD_DIR")
parser.add_argument("rounds", metavar="ROUNDS", type=int, nargs="?", default=2)
parser.add_argument("seconds", metavar="SECONDS", type=int, nargs="?", default=10)
parser.add_argument("--work-ms", default="0.1",
                    help="comma-separated CPU milliseconds per call of the work cases (default 0.1)")
args = parser.parse_intermixed_args()
build, rounds, seconds = args.build, args.rounds, args.seconds
try:
    work_ms = [float(ms) for ms in args.work_ms.split(",")]
except ValueError:
    parser.error("--work-ms takes numbers separated by commas")
if rounds < 1 or seconds < 1 or not all(0 < ms <= 60_000 for ms in work_ms):
    parser.error("ROUNDS and SECONDS are 1 or more, --work-ms values above 0 and at most 60000")
# A case is named after its whole microseconds: values name one case each.
work_us = [round(ms * 1000) for ms in work_ms]
if any(us < 1 or abs(us - ms * 1000) > 1e-6 for us, ms in zip(work_us, work_ms)):
    parser.error("--work-ms values are whole microseconds (0.001 ms steps)")
if len(set(work_us)) != len(work_us):
    parser.error("--work-ms names a value twice")
example = os.path.join(build, "apps/example/actorserve-example")


def process_figures(pid):
    """(threads, resident MiB) of a process."""
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return int(fields["Threads"]), int(fields["VmRSS"].split()[0]) / 1024


def cost_of(pids):
    """(CPU seconds, {pid: thread_costs}) of these processes so far."""
    return sum(cpu_seconds(pid) for pid in pids), {pid: thread_costs(pid) for pid in pids}


def run_wrk(endpoint, path, script, connections):
    return wrk(endpoint, path, script, seconds, threads=min(2, connections),
               connections=connections)


with tempfile.TemporaryDirectory() as tmp:
    spin = post_script(tmp, "spin", "2")
    double = post_script(tmp, "double", "21")
    # (name, path, wrk script, connections), in the order they run.
    cases = [("spin", "/spin", spin, 8)]
    for us in work_us:
        name = f"work{us}us"
        cases.append((name, "/spin", post_script(tmp, name, repr(us / 1000)), 64))
    cases += [("double", "/double", double, 64), ("double1", "/double", double, 1)]
    services = {}
    results = {}
    # Per request under load (/double, 64 connections): CPU µs, sleeps and
    # preemptions of the in-process service, of the supervisor, and of its
    # worker processes summed.
    costs = {}
    groups = {}
    try:
        services["inproc"] = start([example, "--http-port=0", "--workers=1"])
        services["workers"] = start([example, "--http-port=0", "--workers=2"])
        groups["worker_procs"] = worker_pids(services["workers"][1])
        groups["inproc"] = [services["inproc"][0].pid]
        groups["supervisor"] = [services["workers"][0].pid]
        watched = {"inproc": ["inproc"], "workers": ["supervisor", "worker_procs"]}
        for _ in range(rounds):
            for name, path, body, connections in cases:
                for kind in ("inproc", "workers"):
                    ep = services[kind][1]
                    measured = watched[kind] if name == "double" else []
                    before = {g: cost_of(groups[g]) for g in measured}
                    run = run_wrk(ep, path, body, connections)
                    results.setdefault((name, kind), []).append(run)
                    calls = run[0] * seconds
                    for g in measured:
                        cpu, threads = cost_of(groups[g])
                        sleeps = preemptions = 0
                        for pid, after in threads.items():
                            v, i = switches_between(before[g][1][pid], after)
                            sleeps += v
                            preemptions += i
                        costs.setdefault(g, []).append(((cpu - before[g][0]) * 1e6 / calls,
                                                        sleeps / calls, preemptions / calls))
        main_threads, main_mib = process_figures(services["workers"][0].pid)
        per_worker = [process_figures(pid) for pid in groups["worker_procs"]]
        inproc_threads, inproc_mib = process_figures(services["inproc"][0].pid)
    finally:
        for kind, (proc, _) in services.items():
            stop(proc, groups.get("worker_procs", []) if kind == "workers" else [])
    line = "BENCH workers"
    med = {}
    for name, _, _, _ in cases:
        for kind in ("inproc", "workers"):
            runs = results[(name, kind)]
            med[(name, kind)] = [statistics.median(r[i] for r in runs) for i in range(3)]
            rps, p50, p99 = med[(name, kind)]
            line += f" {name}_{kind}_rps={rps:.0f} {name}_{kind}_p50_us={p50:.0f} {name}_{kind}_p99_us={p99:.0f}"
        line += f" {name}_ratio={med[(name, 'workers')][0] / med[(name, 'inproc')][0]:.2f}"
    hop = med[("double1", "workers")][1] - med[("double1", "inproc")][1]
    line += f" hop_p50_us={hop:.0f}"
    med_cost = {g: [statistics.median(c[i] for c in runs) for i in range(3)]
                for g, runs in costs.items()}
    for g in ("inproc", "supervisor", "worker_procs"):
        cpu, sleeps, preemptions = med_cost[g]
        line += (f" double_{g}_cpu_us_per_req={cpu:.1f} double_{g}_sleeps_per_req={sleeps:.2f}"
                 f" double_{g}_preemptions_per_req={preemptions:.2f}")
    # The median of each round's total (not the sum of the medians).
    total = statistics.median(s[0] + w[0] for s, w in zip(costs["supervisor"], costs["worker_procs"]))
    line += f" double_workers_total_cpu_us_per_req={total:.1f}"
    line += (f" inproc_threads={inproc_threads} inproc_rss_mib={inproc_mib:.1f}"
             f" main_threads={main_threads} main_rss_mib={main_mib:.1f}")
    for i, (threads, mib) in enumerate(per_worker):
        line += f" worker{i}_threads={threads} worker{i}_rss_mib={mib:.1f}"
    line += (f" settings: spin=2ms_cpu work_ms={','.join(f'{ms:g}' for ms in work_ms)}_cpu double_body=21"
             f" wrk -t2 (-t1 with -c1) -c8 (spin) -c64 (work, double) -c1 (double1) -d{seconds}s"
             f" rounds={rounds} order=ABAB workers=2 cores={os.cpu_count()} medians_of_rounds")
    print(line)
