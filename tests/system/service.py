"""Starting and stopping a real actorserve service in a system test.

Standard library only. A service is started with its stdout on a pipe; the
test waits for the line beginning with 'ready' (never for a fixed time), and
the service is stopped by its process id whatever happens.
"""
import os
import signal
import subprocess
import threading
import time


class Service:
    def __init__(self, argv, ready_timeout=30.0, env=None):
        self.argv = list(argv)
        self.proc = subprocess.Popen(
            self.argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        self.stdout_lines = []
        self.stderr_lines = []
        self.ready_line = None
        self._ready = threading.Event()
        self._readers = [threading.Thread(target=self._read_stdout, daemon=True),
                         threading.Thread(target=self._read_stderr, daemon=True)]
        for reader in self._readers:
            reader.start()
        if not self._ready.wait(ready_timeout) or self.ready_line is None:
            self.kill()
            raise AssertionError(
                f"{self.argv} printed no 'ready' line within {ready_timeout} s; "
                f"exit code {self.proc.poll()}; stderr: {''.join(self.stderr_lines)}")

    def _read_stdout(self):
        for line in self.proc.stdout:
            self.stdout_lines.append(line)
            if line.startswith("ready") and self.ready_line is None:
                self.ready_line = line.strip()
                self._ready.set()
        self._ready.set()

    def _read_stderr(self):
        for line in self.proc.stderr:
            self.stderr_lines.append(line)

    def endpoint(self, key):
        """The value of key=value in the ready line."""
        for field in self.ready_line.split()[1:]:
            k, _, v = field.partition("=")
            if k == key:
                return v
        raise KeyError(f"{key} not in ready line: {self.ready_line}")

    def signal(self, signum):
        self.proc.send_signal(signum)

    def wait(self, timeout):
        """The exit code, or an AssertionError if it is still running. Once
        it has exited, stdout_lines and stderr_lines hold all it wrote."""
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{self.argv} still running after {timeout} s")
        if not self._read_to_the_end():  # a process it started holds its output
            raise AssertionError(f"{self.argv} exited with {code}, but its output is still"
                                 f" open; stderr so far: {''.join(self.stderr_lines)}")
        return code

    def _read_to_the_end(self):
        """Waits (5 s at most for each) for the readers to take the last
        lines in the pipes: whether they all did."""
        for reader in self._readers:
            reader.join(5)
        return not any(reader.is_alive() for reader in self._readers)

    def kill(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self._read_to_the_end()
        self.proc.stdout.close()
        self.proc.stderr.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()
        return False


def run(argv, timeout=30.0):
    """Runs a command to its end: (exit code, stdout, stderr)."""
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def gone(pid):
    """True once the process is no more (a zombie not ours to reap counts)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


def rss_mib(pid):
    """The resident memory of process `pid`, in MiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def every_gateway(test, binary, workers=None, socket_tcp=False):
    """Starts `binary` serving HTTP on a free port, the socket gateway and the
    FIFO gateway under a temporary directory, with `workers` workers when
    given, and the socket gateway on a free loopback TCP port too when
    `socket_tcp`; the test stops it and removes the directory. Returns
    (service, socket path, FIFO path)."""
    import tempfile
    tmp = tempfile.TemporaryDirectory()
    test.addCleanup(tmp.cleanup)
    sock = os.path.join(tmp.name, "s.sock")
    fifo = os.path.join(tmp.name, "pipe")
    argv = [binary, "--http-port=0", f"--socket-path={sock}", f"--fifo-path={fifo}"]
    if workers:
        argv.append(f"--workers={workers}")
    if socket_tcp:
        argv.append("--socket-port=0")
    svc = Service(argv)
    test.addCleanup(svc.kill)
    return svc, sock, fifo
