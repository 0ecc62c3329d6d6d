#!/bin/bash
# Every benchmark in apps/bench/, two builds side by side: each one's
# BENCH lines, the builds in turn (B A, or B A A B where each build runs
# twice), or in one run where the benchmark takes both builds. The scripts
# (this tree's) and the socket and pipe clients (AFTER's) are the same for
# both builds; the in-process benchmarks and the command-line client are
# each build's own. actorserve-bench-round-trip is not run on its own: the
# socket benchmark measures the same floor in each of its runs. BEFORE may
# be a build of an older tree (a second working tree: git worktree add
# /tmp/old COMMIT). A benchmark
# that a build cannot run (an option or a request it does not know yet)
# prints FAILED with the end of its output, and the others go on: measure
# that build with its own tree's script.
#
# Usage: apps/bench/compare_builds.sh BEFORE_BUILD_DIR AFTER_BUILD_DIR
# About 30 minutes on 2 cores; a run that takes over 20 minutes is stopped
# and counted failed. Exits 1 if any run failed. Run it on an otherwise
# idle machine: nothing else should build or benchmark meanwhile.
set -u
if [ $# -ne 2 ] || [ ! -d "$1" ] || [ ! -d "$2" ]; then
  echo "usage: $0 BEFORE_BUILD_DIR AFTER_BUILD_DIR" >&2
  exit 2
fi
B=$(CDPATH='' cd -- "$1" && pwd -P)
A=$(CDPATH='' cd -- "$2" && pwd -P)
if [ "$B" = "$A" ]; then
  echo "BEFORE and AFTER are the same build: $B" >&2
  exit 2
fi
cd "$(dirname "$0")/../.." || exit 2
for build in "$B" "$A"; do
  [ -x "$build/apps/example/actorserve-example" ] || {
    echo "$build has no apps/example/actorserve-example: build it first" >&2
    exit 2
  }
done

failures=0
running=""
output=$(mktemp)
# Ctrl-C or a TERM stops the run under way (timeout passes the signal on to
# its whole process group: the benchmark and the services it started).
trap 'if [ -n "$running" ]; then kill -TERM "$running" 2>/dev/null; wait "$running"; fi; rm -f "$output"; exit 130' INT TERM
trap 'rm -f "$output"' EXIT
# One benchmark run: its BENCH lines, or what failed. In the background,
# so that this script takes signals while it runs.
run() {
  timeout --kill-after=30 1200 "$@" </dev/null >"$output" 2>&1 &
  running=$!
  wait "$running"
  local status=$?
  running=""
  local out
  out=$(cat "$output")
  if [ $status -eq 0 ] && grep -q '^BENCH' <<<"$out"; then
    grep '^BENCH' <<<"$out"
  else
    failures=$((failures + 1))
    echo "FAILED ($status): $*"
    tail -3 <<<"$out" | sed 's/^/  /'
  fi
}
section() { echo "== $1 ($(date -u +%H:%M:%S))"; }

echo "before=$B after=$A"
section "instructions per call (callgrind)"
for build in "$B" "$A" "$A" "$B"; do
  run python3 apps/bench/instructions_per_call.py "$build" 2000 http socket fifo call_api http_workers
done
section "HTTP, one and two I/O threads"
run python3 apps/bench/http_builds_bench.py "$B" "$A" 5 5
run python3 apps/bench/http_builds_bench.py --http-threads=2 "$B" "$A" 3 5
section "HTTP, route against the plain handler"
for build in "$B" "$A"; do run python3 apps/bench/http_bench.py "$build" 3 5; done
section "socket (the floor measured in each run)"
for build in "$B" "$A" "$A" "$B"; do
  run "$A/apps/bench/actorserve-bench-socket" "$build/apps/example/actorserve-example" 3
done
section "named pipes, C++ client"
for build in "$B" "$A" "$A" "$B"; do
  run "$A/apps/bench/actorserve-bench-pipe" "$build/apps/example/actorserve-example" 2
done
section "named pipes, Python script (baseline = before)"
run python3 apps/bench/fifo_python_bench.py --baseline="$B/apps/example/actorserve-example" "$A" 3 3
section "in-process calls"
for build in "$B" "$A" "$A" "$B"; do run "$build/apps/bench/actorserve-bench-calls" 3 1; done
section "composition"
for build in "$B" "$A" "$A" "$B"; do run "$build/apps/bench/actorserve-bench-composition" 3 1; done
section "batching"
for build in "$B" "$A" "$A" "$B"; do run "$build/apps/bench/actorserve-bench-batching" 3 2; done
section "Python client and command-line client"
for build in "$B" "$A" "$A" "$B"; do run python3 apps/bench/python_client_bench.py "$build" 3; done
section "metrics on and off"
for build in "$B" "$A"; do run python3 apps/bench/metrics_bench.py "$build" 3 5; done
section "workers against in-process"
for build in "$B" "$A" "$A" "$B"; do run python3 apps/bench/workers_bench.py "$build" 2 5; done
section "CPU per thread, in-process and through 2 workers"
for build in "$B" "$A"; do
  for workers in 1 2; do run python3 apps/bench/thread_cpu.py "$build" $workers --rounds=3 --seconds=5; done
done
section "idle cost"
for build in "$B" "$A"; do run python3 apps/bench/idle_cost.py "$build" 60; done
section "done"
if [ $failures -gt 0 ]; then
  echo "$failures run(s) failed"
  exit 1
fi
