"""What the wrk benchmarks share: starting a service that prints its ready
line, and one wrk run's requests per second and latencies."""
import json
import os
import re
import select
import signal
import subprocess
import time
import urllib.request

READY_WITHIN_S = 60


def start(argv):
    """Starts `argv`; returns (process, its HTTP endpoint from the ready line,
    which must come within READY_WITHIN_S)."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    ready, _, _ = select.select([proc.stdout], [], [], READY_WITHIN_S)
    line = proc.stdout.readline() if ready else ""
    found = re.search(r"http=(\S+)", line)
    if found is None:
        proc.kill()
        proc.wait()
        raise SystemExit(f"{argv[0]} did not start within {READY_WITHIN_S} s: {line!r}")
    return proc, found.group(1)


def post_script(folder, name, body):
    """A wrk script in `folder` that POSTs `body` as JSON; returns its path.
    The body goes into a Lua string as it is: one with a quote, a backslash
    or a line break is refused (ValueError)."""
    if any(c in body for c in "'\\\r\n"):
        raise ValueError(f"a wrk POST body holds no quote, backslash or line break: {body!r}")
    path = os.path.join(folder, name + ".lua")
    with open(path, "w") as f:
        f.write(f'wrk.method = "POST"\nwrk.body = \'{body}\'\n'
                'wrk.headers["Content-Type"] = "application/json"\n')
    return path


def still_ours(pid, program):
    """Whether `pid` still runs `program` (not a number reused since)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return os.path.basename(program).encode() in f.read()
    except OSError:
        return False


def stop(proc, workers=()):
    """Stops a service started by start(): SIGTERM, then SIGKILL after 30 s;
    then any of its worker processes (`workers`, their ids) still running,
    as a supervisor killed outright leaves them behind."""
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    program = proc.args[0]
    for sig, grace in ((signal.SIGTERM, 5), (signal.SIGKILL, 0)):
        left = [pid for pid in workers if still_ours(pid, program)]
        for pid in left:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + grace
        while left and time.monotonic() < deadline:
            time.sleep(0.1)
            left = [pid for pid in left if still_ours(pid, program)]


def worker_pids(endpoint):
    """The process ids of a service's workers, from its /healthz."""
    with urllib.request.urlopen(f"http://{endpoint}/healthz", timeout=5) as r:
        return [w["pid"] for w in json.load(r).get("workers", [])]


def to_us(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 1, "ms": 1000, "s": 1e6}[unit]


def wrk(endpoint, path, script, seconds, threads=2, connections=64):
    """(requests/s, p50 us, p99 us) of one run; exits on error responses."""
    run = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
                          "-s", script, f"http://{endpoint}{path}"],
                         capture_output=True, text=True)
    out = run.stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if run.returncode != 0 or rate is None:
        raise SystemExit(f"wrk {path} failed ({run.returncode}): {(run.stderr or out)[:300]}")
    rps = float(rate.group(1))
    p50 = to_us(re.search(r"\s50%\s+(\S+)", out).group(1))
    p99 = to_us(re.search(r"\s99%\s+(\S+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{path}: {errors.group(1)} error responses")
    return rps, p50, p99


def cpu_seconds(pid):
    """User and system CPU a process has used, from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def thread_costs(pid):
    """{thread id: (CPU clock ticks, voluntary switches, involuntary switches)}
    of a process's threads, from /proc. CPU is user and system time, in
    clock ticks (os.sysconf("SC_CLK_TCK") a second). A voluntary switch is
    the thread going to sleep (for want of work, or waiting on a lock or a
    full socket; another thread or the network woke it again); an
    involuntary one is the kernel preempting it (other threads or
    processes wanted the core)."""
    out = {}
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except (FileNotFoundError, ProcessLookupError):
        return out  # the process ended
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            voluntary = involuntary = 0
            with open(f"/proc/{pid}/task/{task}/status") as f:
                for line in f:
                    if line.startswith("voluntary_ctxt_switches:"):
                        voluntary = int(line.split()[1])
                    elif line.startswith("nonvoluntary_ctxt_switches:"):
                        involuntary = int(line.split()[1])
            out[int(task)] = (int(fields[11]) + int(fields[12]), voluntary, involuntary)
        except (FileNotFoundError, ProcessLookupError):
            pass  # the thread ended meanwhile
    return out


def switches_between(before, after):
    """(voluntary, involuntary) switches between two thread_costs() of the
    same process, thread by thread (a thread that ended meanwhile is left
    out; one that started counts whole)."""
    voluntary = involuntary = 0
    for tid, (_, v, i) in after.items():
        _, v0, i0 = before.get(tid, (0, 0, 0))
        voluntary += v - v0
        involuntary += i - i0
    return voluntary, involuntary


def wrk_with_cpu(endpoint, path, script, seconds, pid):
    """(requests/s, p50 us, p99 us, the server's CPU us per request) of one
    run; `pid` is the server's process."""
    before = cpu_seconds(pid)
    rps, p50, p99 = wrk(endpoint, path, script, seconds)
    return rps, p50, p99, (cpu_seconds(pid) - before) * 1e6 / (rps * seconds)
