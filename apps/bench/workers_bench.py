#!/usr/bin/env python3
"""Benchmark: routes served in-process against routes served by worker
processes, side by side in one run (A B A B ...), with wrk over HTTP:

- POST /spin (2 ms of CPU per call): in-process (--workers=1; /spin runs on
  as many threads as there are cores) vs 2 worker processes;
- POST /double: in-process vs 2 worker processes, under load (64
  connections) and one call at a time (the cost of the hop to a worker).

For /double under load it also reports where the CPU goes: the service's
CPU per request (user and system time from /proc), in-process against the
supervisor and its workers apart, and the context switches per request of
every thread of those processes (a hand-over between threads that finds
the other asleep is one).

Also reports threads and resident memory of the main process and of each
worker. Prints one line:

  BENCH workers spin_inproc_rps=... spin_workers_rps=... spin_ratio=... ... settings: ...

Usage: workers_bench.py BUILD_DIR [ROUNDS [SECONDS]]"""
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import urllib.request

from wrk_runner import context_switches, cpu_seconds

build = sys.argv[1]
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 2
seconds = int(sys.argv[3]) if len(sys.argv) > 3 else 10
example = os.path.join(build, "apps/example/actorserve-example")


def start(workers):
    proc = subprocess.Popen([example, "--http-port=0", f"--workers={workers}"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    return proc, re.search(r"http=(\S+)", line).group(1)


def to_us(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 1, "ms": 1000, "s": 1e6}[unit]


def wrk(endpoint, path, script, connections):
    threads = min(2, connections)
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
                          "-s", script, f"http://{endpoint}{path}"],
                         capture_output=True, text=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{path}: {errors.group(1)} error responses")
    return (float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            to_us(re.search(r"\s50%\s+(\S+)", out).group(1)),
            to_us(re.search(r"\s99%\s+(\S+)", out).group(1)))


def process_figures(pid):
    """(threads, resident MiB) of a process."""
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return int(fields["Threads"]), int(fields["VmRSS"].split()[0]) / 1024


def worker_pids(endpoint):
    with urllib.request.urlopen(f"http://{endpoint}/healthz", timeout=5) as r:
        return [w["pid"] for w in json.load(r)["workers"]]


def script(folder, name, body):
    path = os.path.join(folder, name + ".lua")
    with open(path, "w") as f:
        f.write(f'wrk.method = "POST"\nwrk.body = \'{body}\'\n'
                'wrk.headers["Content-Type"] = "application/json"\n')
    return path


def cost_of(pids):
    """(CPU seconds, context switches) of these processes so far."""
    return (sum(cpu_seconds(pid) for pid in pids), sum(context_switches(pid) for pid in pids))


with tempfile.TemporaryDirectory() as tmp:
    spin = script(tmp, "spin", "2")
    double = script(tmp, "double", "21")
    services = {"inproc": start(1), "workers": start(2)}
    results = {}
    # Per request under load (/double, 64 connections): CPU µs and context
    # switches of the in-process service, the supervisor, its workers.
    costs = {}
    groups = {"inproc": [services["inproc"][0].pid], "supervisor": [services["workers"][0].pid],
              "workers": worker_pids(services["workers"][1])}
    try:
        for _ in range(rounds):
            for name, path, body, connections in (("spin", "/spin", spin, 8),
                                                  ("double", "/double", double, 64),
                                                  ("double1", "/double", double, 1)):
                for kind in ("inproc", "workers"):
                    ep = services[kind][1]
                    watched = (["inproc"] if kind == "inproc" else ["supervisor", "workers"]) \
                        if name == "double" else []
                    before = {g: cost_of(groups[g]) for g in watched}
                    run = wrk(ep, path, body, connections)
                    results.setdefault((name, kind), []).append(run)
                    for g in watched:
                        cpu, switches = cost_of(groups[g])
                        calls = run[0] * seconds
                        costs.setdefault(g, []).append(((cpu - before[g][0]) * 1e6 / calls,
                                                        (switches - before[g][1]) / calls))
        main_threads, main_mib = process_figures(services["workers"][0].pid)
        per_worker = [process_figures(pid) for pid in worker_pids(services["workers"][1])]
        inproc_threads, inproc_mib = process_figures(services["inproc"][0].pid)
    finally:
        for proc, _ in services.values():
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)
    line = "BENCH workers"
    med = {}
    for name in ("spin", "double", "double1"):
        for kind in ("inproc", "workers"):
            runs = results[(name, kind)]
            med[(name, kind)] = [statistics.median(r[i] for r in runs) for i in range(3)]
            rps, p50, p99 = med[(name, kind)]
            line += f" {name}_{kind}_rps={rps:.0f} {name}_{kind}_p50_us={p50:.0f} {name}_{kind}_p99_us={p99:.0f}"
        line += f" {name}_ratio={med[(name, 'workers')][0] / med[(name, 'inproc')][0]:.2f}"
    hop = med[("double1", "workers")][1] - med[("double1", "inproc")][1]
    line += f" hop_p50_us={hop:.0f}"
    for g in ("inproc", "supervisor", "workers"):
        line += (f" double_{g}_cpu_us_per_req={statistics.median(c[0] for c in costs[g]):.1f}"
                 f" double_{g}_switches_per_req={statistics.median(c[1] for c in costs[g]):.2f}")
    line += (f" inproc_threads={inproc_threads} inproc_rss_mib={inproc_mib:.1f}"
             f" main_threads={main_threads} main_rss_mib={main_mib:.1f}")
    for i, (threads, mib) in enumerate(per_worker):
        line += f" worker{i}_threads={threads} worker{i}_rss_mib={mib:.1f}"
    line += (f" settings: spin=2ms wrk -c8 (spin) -c64 and -c1 (double) -d{seconds}s"
             f" rounds={rounds} order=ABAB workers=2 cores={os.cpu_count()} medians_of_rounds")
    print(line)
