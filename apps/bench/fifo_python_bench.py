#!/usr/bin/env python3
"""Benchmark: FIFO round trips from a Python script, one at a time, as a
user of mpservice.pipe or multiprocessing.connection makes them:
Connection.send(("/double", i)) on PATH.1, Connection.recv() on PATH.2.
Side by side in one run (A B C A B C ...):

- gateway: the example service's FIFO gateway (--fifo-path);
- baseline (optional, --baseline=BINARY): another build of the example, for
  a before/after comparison;
- python_loop: what the Python original serves a pipe with, a Python
  process that receives with Connection.recv and answers with
  Connection.send, doubling the number;
- raw_echo: the floor under any server, a process that writes back each
  read's bytes as they came (os.read, os.write: no framing, no decoding),
  so the client gets its own message back. What is left is the client's
  own work and the pipes' hand-overs, which no server can take away.

Prints one line:

  BENCH fifo_python gateway_round_trips_per_s=... python_loop_round_trips_per_s=...
    raw_echo_round_trips_per_s=... gateway_over_python_loop=... raw_echo_over_python_loop=...
    gateway_over_raw_echo=... settings: ...

Usage: fifo_python_bench.py [--baseline=EXAMPLE] BUILD_DIR [ROUNDS [SECONDS]]"""
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from multiprocessing.connection import Connection

PYTHON_LOOP = r"""
import os, sys
from multiprocessing.connection import Connection
path = sys.argv[1]
print("ready", flush=True)  # opening the read end waits for the client
reader = Connection(os.open(path + ".1", os.O_RDONLY), writable=False)
writer = Connection(os.open(path + ".2", os.O_RDWR), readable=False)
while True:
    try:
        route, x = reader.recv()
    except EOFError:
        break
    writer.send(2 * x if route == "/double" else None)
"""

RAW_ECHO = r"""
import os, sys
path = sys.argv[1]
print("ready", flush=True)
reader = os.open(path + ".1", os.O_RDONLY)
writer = os.open(path + ".2", os.O_RDWR)
while True:
    data = os.read(reader, 65536)
    if not data:
        break
    while data:
        data = data[os.write(writer, data):]
"""


def start(kind, binary, path):
    for end in (".1", ".2"):
        if not os.path.exists(path + end):
            os.mkfifo(path + end, 0o600)
    if kind == "python_loop":
        argv = [sys.executable, "-c", PYTHON_LOOP, path]
    elif kind == "raw_echo":
        argv = [sys.executable, "-c", RAW_ECHO, path]
    else:
        argv = [binary, f"--fifo-path={path}"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    if not proc.stdout.readline().startswith("ready"):
        raise SystemExit(f"{kind} did not start")
    return proc


def round_trips(path, seconds, echo=False):
    """Round trips per second over `seconds`, one at a time; with `echo`,
    each answer is the message itself."""
    writer = Connection(os.open(path + ".1", os.O_WRONLY), readable=False)
    reader = Connection(os.open(path + ".2", os.O_RDONLY), writable=False)
    for i in range(200):  # warm up
        writer.send(("/double", i))
        assert reader.recv() == (("/double", i) if echo else 2 * i)
    n, start = 0, time.perf_counter()
    until = start + seconds
    while time.perf_counter() < until:
        for i in range(100):
            writer.send(("/double", i))
            assert reader.recv() == (("/double", i) if echo else 2 * i)
        n += 100
    rate = n / (time.perf_counter() - start)
    writer.close()
    reader.close()
    return rate


def server_cpu(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    args = sys.argv[1:]
    baseline = None
    if args and args[0].startswith("--baseline="):
        baseline = args.pop(0).split("=", 1)[1]
    build = args[0]
    rounds = int(args[1]) if len(args) > 1 else 3
    seconds = float(args[2]) if len(args) > 2 else 3
    example = os.path.join(build, "apps/example/actorserve-example")
    kinds = [("gateway", example)] + ([("baseline", baseline)] if baseline else []) \
        + [("python_loop", None), ("raw_echo", None)]
    rates = {k: [] for k, _ in kinds}
    cpu = {k: [] for k, _ in kinds}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(rounds):
            for kind, binary in kinds:
                path = os.path.join(tmp, f"{kind}{r}")
                proc = start(kind, binary, path)
                try:
                    before = server_cpu(proc.pid)
                    rate = round_trips(path, seconds, echo=kind == "raw_echo")
                    used = server_cpu(proc.pid) - before
                    rates[kind].append(rate)
                    cpu[kind].append(used / (rate * seconds) * 1e6)
                finally:
                    proc.send_signal(signal.SIGTERM)
                    proc.wait(30)
    figures = []
    for kind, _ in kinds:
        figures.append(f"{kind}_round_trips_per_s={statistics.median(rates[kind]):.0f}")
        figures.append(f"{kind}_server_cpu_us_per_trip={statistics.median(cpu[kind]):.1f}")
    median = {k: statistics.median(v) for k, v in rates.items()}
    print("BENCH fifo_python " + " ".join(figures)
          + f" gateway_over_python_loop={median['gateway'] / median['python_loop']:.2f}"
          + f" raw_echo_over_python_loop={median['raw_echo'] / median['python_loop']:.2f}"
          + f" gateway_over_raw_echo={median['gateway'] / median['raw_echo']:.2f}"
          + f" settings: rounds={rounds}"
            f" seconds={seconds:g} one_in_flight client=multiprocessing.connection encoding=pickle"
            f" route=/double order={'/'.join(k for k, _ in kinds)} medians_of_rounds")


if __name__ == "__main__":
    main()
