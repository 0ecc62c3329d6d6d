"""What the wrk benchmarks share: starting a service that prints its ready
line, and one wrk run's requests per second and latencies."""
import os
import re
import subprocess


def start(argv):
    """Starts `argv`; returns (process, its HTTP endpoint from the ready line)."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    endpoint = re.search(r"http=(\S+)", line).group(1)
    return proc, endpoint


def to_us(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 1, "ms": 1000, "s": 1e6}[unit]


def wrk(endpoint, path, script, seconds, threads=2, connections=64):
    """(requests/s, p50 us, p99 us) of one run; exits on error responses."""
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
                          "-s", script, f"http://{endpoint}{path}"],
                         capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
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
    """{thread id: (CPU clock ticks, context switches)} of a process's
    threads, from /proc (user and system time; voluntary and not)."""
    out = {}
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            switches = 0
            with open(f"/proc/{pid}/task/{task}/status") as f:
                for line in f:
                    if "ctxt_switches" in line:
                        switches += int(line.split()[1])
            out[int(task)] = (int(fields[11]) + int(fields[12]), switches)
        except FileNotFoundError:
            pass  # the thread ended meanwhile
    return out


def context_switches(pid):
    """Context switches of every thread of a process."""
    return sum(switches for _, switches in thread_costs(pid).values())


def wrk_with_cpu(endpoint, path, script, seconds, pid):
    """(requests/s, p50 us, p99 us, the server's CPU us per request) of one
    run; `pid` is the server's process."""
    before = cpu_seconds(pid)
    rps, p50, p99 = wrk(endpoint, path, script, seconds)
    return rps, p50, p99, (cpu_seconds(pid) - before) * 1e6 / (rps * seconds)
