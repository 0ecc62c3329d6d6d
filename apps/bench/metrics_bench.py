#!/usr/bin/env python3
"""Benchmark: what counting costs. wrk POSTs /double to two example services
side by side in the same run, one with metrics (the default) and one with
--no-metrics, in the order A B B A A B ... after a warm-up, and prints one line:

  BENCH metrics_cost on_rps=... off_rps=... ratio=... ... settings: ...

Usage: metrics_bench.py BUILD_DIR [ROUNDS [SECONDS]]"""
import os
import signal
import statistics
import sys
import tempfile

from wrk_runner import start, wrk

build = sys.argv[1]
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
seconds = int(sys.argv[3]) if len(sys.argv) > 3 else 10
example = os.path.join(build, "apps/example/actorserve-example")

with tempfile.TemporaryDirectory() as tmp:
    post = os.path.join(tmp, "post.lua")
    with open(post, "w") as f:
        f.write('wrk.method = "POST"\nwrk.body = "21"\n'
                'wrk.headers["Content-Type"] = "application/json"\n')
    services = {"on": start([example, "--http-port=0"]),
                "off": start([example, "--http-port=0", "--no-metrics"])}
    results = {"on": [], "off": []}
    try:
        for kind in ("on", "off"):  # warm-up, not counted
            wrk(services[kind][1], "/double", post, 2)
        # A B, then B A: whichever runs first in a round runs slower here, so
        # each goes first equally often.
        for r in range(rounds):
            for kind in (("on", "off") if r % 2 == 0 else ("off", "on")):
                results[kind].append(wrk(services[kind][1], "/double", post, seconds))
    finally:
        for proc, _ in services.values():
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)
    med = {k: [statistics.median(r[i] for r in runs) for i in range(3)]
           for k, runs in results.items()}
    line = "BENCH metrics_cost"
    for kind in ("on", "off"):
        line += (f" {kind}_rps={med[kind][0]:.0f} {kind}_p50_us={med[kind][1]:.0f}"
                 f" {kind}_p99_us={med[kind][2]:.0f}")
    line += f" ratio={med['on'][0] / med['off'][0]:.3f}"
    line += (f" settings: POST /double body=21 wrk -t2 -c64 -d{seconds}s rounds={rounds}"
             " order=ABBA io_threads=1 medians_of_rounds")
    print(line)
