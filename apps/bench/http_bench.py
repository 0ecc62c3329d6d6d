#!/usr/bin/env python3
"""Benchmark: wrk against the HTTP gateway (actor routes) and, side by side in
the same run, against a plain handler on the same listener without actors.
Runs A B A B ... for POST /double {"x":21} (the plain handler does the same
JSON work: depth check, parse, {"x":21,"y":42}, dump), POST /echo (a small
JSON body; the plain handler sends it back unparsed) and GET /healthz, and
prints one line:

  BENCH http_wrk double_actor_rps=... double_actor_cpu_us_per_req=... double_plain_rps=...
    double_ratio=... double_python_rps=... double_over_python=... echo_... settings: ...

POST /double also runs, in the same rounds, against a stand-in for the
Python original's HTTP serving (python_http_server.py: uvicorn and
Starlette as the original's start_server runs them, from Debian's packages):
double_over_python is our rate over its rate. Where Debian's Python lacks
them (deploy/install-deps.sh installs them), that column is left out and
the settings say python=absent.

The server's CPU per request is its user and system time over the run
(/proc/PID/stat), divided by the requests wrk counted.

Usage: http_bench.py BUILD_DIR [ROUNDS [SECONDS]]"""
import os
import statistics
import subprocess
import sys
import tempfile

from wrk_runner import start, stop, wrk_with_cpu

PYTHON = "/usr/bin/python3"  # Debian's, with Debian's uvicorn and Starlette

build = sys.argv[1]
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 2
seconds = int(sys.argv[3]) if len(sys.argv) > 3 else 10


with tempfile.TemporaryDirectory() as tmp:
    post = os.path.join(tmp, "post.lua")
    get = os.path.join(tmp, "get.lua")
    double = os.path.join(tmp, "double.lua")
    with open(double, "w") as f:
        f.write('wrk.method = "POST"\nwrk.body = \'{"x":21}\'\n'
                'wrk.headers["Content-Type"] = "application/json"\n')
    with open(post, "w") as f:
        f.write('wrk.method = "POST"\nwrk.body = \'{"x":1,"name":"abc"}\'\n'
                'wrk.headers["Content-Type"] = "application/json"\n')
    with open(get, "w") as f:
        f.write('wrk.method = "GET"\n')
    servers = []  # each is stopped, whatever happens
    python = None
    results = {}
    try:
        actor, actor_ep = start([os.path.join(build, "apps/example/actorserve-example"),
                                 "--http-port=0"])
        servers.append(actor)
        plain, plain_ep = start([os.path.join(build, "apps/bench/actorserve-bench-plain-http")])
        servers.append(plain)
        server = os.path.join(os.path.dirname(os.path.abspath(__file__)), "python_http_server.py")
        describe = subprocess.run([PYTHON, server, "--describe"], capture_output=True, text=True) \
            if os.path.exists(PYTHON) else None
        if describe is not None and describe.returncode == 0:
            python_settings = describe.stdout.strip()
            python, python_ep = start([PYTHON, server])
            servers.append(python)
        else:
            print(f"http_bench: {PYTHON} has no uvicorn or Starlette "
                  "(deploy/install-deps.sh installs them): no Python column", file=sys.stderr)
        for _ in range(rounds):
            for name, path, script in (("double", "/double", double), ("echo", "/echo", post),
                                       ("healthz", "/healthz", get)):
                kinds = [("actor", actor, actor_ep), ("plain", plain, plain_ep)]
                if python is not None and name == "double":
                    kinds.append(("python", python, python_ep))
                for kind, proc, ep in kinds:
                    results.setdefault((name, kind), []).append(
                        wrk_with_cpu(ep, path, script, seconds, proc.pid))
    finally:
        for p in servers:
            stop(p)  # SIGTERM, then SIGKILL after 30 s
    line = "BENCH http_wrk"
    for name in ("double", "echo", "healthz"):
        med = {}
        for kind in ("actor", "plain"):
            runs = results[(name, kind)]
            med[kind] = [statistics.median(r[i] for r in runs) for i in range(4)]
            line += (f" {name}_{kind}_rps={med[kind][0]:.0f} {name}_{kind}_p50_us={med[kind][1]:.0f}"
                     f" {name}_{kind}_p99_us={med[kind][2]:.0f}"
                     f" {name}_{kind}_cpu_us_per_req={med[kind][3]:.1f}")
        line += f" {name}_ratio={med['actor'][0] / med['plain'][0]:.2f}"
        if (name, "python") in results:
            runs = results[(name, "python")]
            py = [statistics.median(r[i] for r in runs) for i in range(4)]
            line += (f" {name}_python_rps={py[0]:.0f} {name}_python_p50_us={py[1]:.0f}"
                     f" {name}_python_p99_us={py[2]:.0f} {name}_python_cpu_us_per_req={py[3]:.1f}"
                     f" {name}_over_python={med['actor'][0] / py[0]:.2f}")
    line += (f" settings: wrk -t2 -c64 -d{seconds}s rounds={rounds} order=actor,plain,python_each_round "
             "double_body={\"x\":21} echo_body={\"x\":1,\"name\":\"abc\"} io_threads=1 "
             f"python={python_settings if python is not None else 'absent'} medians_of_rounds")
    print(line)
