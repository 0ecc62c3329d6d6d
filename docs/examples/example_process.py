"""Runs a docs example as its tests do, standard library only: start the
program with its output on pipes, wait (with a bound, never a fixed sleep)
for the line it prints when it serves, and stop it by its process id
whatever happens."""
import os
import queue
import signal
import subprocess
import threading


class Example:
    """One running example program. Use it in a `with` block: leaving the
    block kills the process (by pid) if it still runs."""

    def __init__(self, argv, env=None):
        self.argv = [str(a) for a in argv]
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=env)
        self.pid = self.proc.pid
        self.stdout = []  # every line so far, kept for the checks
        self.stderr = []
        self._lines = queue.Queue()
        self._readers = [threading.Thread(target=self._read, args=(self.proc.stdout, True),
                                          daemon=True),
                         threading.Thread(target=self._read, args=(self.proc.stderr, False),
                                          daemon=True)]
        for reader in self._readers:
            reader.start()

    def _read(self, stream, is_stdout):
        for line in stream:
            if is_stdout:
                self.stdout.append(line)
                self._lines.put(line)
            else:
                self.stderr.append(line)
        if is_stdout:
            self._lines.put(None)  # every holder of the pipe has closed it

    def wait_for(self, prefix, timeout=30):
        """The next stdout line that begins with `prefix`, without its line
        end; AssertionError if the output ends or `timeout` seconds pass
        first."""
        try:
            while True:
                line = self._lines.get(timeout=timeout)
                if line is None:
                    break
                if line.startswith(prefix):
                    return line.rstrip("\n")
        except queue.Empty:
            pass
        raise AssertionError(
            f"{self.argv}: no line beginning with {prefix!r} within {timeout} s; "
            f"exit code {self.proc.poll()}; stdout: {''.join(self.stdout)!r}; "
            f"stderr: {''.join(self.stderr)!r}")

    def wait(self, timeout=30):
        """The exit code; AssertionError if it still runs after `timeout` s.
        Also waits for the output to be read to its end."""
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{self.argv} still runs after {timeout} s")
        for reader in self._readers:
            reader.join(timeout)
        return code

    def kill(self):
        if self.proc.poll() is None:
            os.kill(self.pid, signal.SIGKILL)
            self.proc.wait()
        for reader in self._readers:
            reader.join(5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()
        return False


def fields(line):
    """The key=value fields of a ready line, as a dict."""
    return dict(f.partition("=")[::2] for f in line.split()[1:] if "=" in f)


def gone(pid):
    """True once the process is no more (a zombie not ours to reap counts)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


def children(pid):
    """The process ids whose parent is pid."""
    found = set()
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open(f"/proc/{p}/stat") as f:
                if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                    found.add(int(p))
        except (OSError, ValueError, IndexError):
            pass
    return found


def kill_if_running(pid, binary):
    """SIGKILL pid if it still runs `binary` (not a reused process id)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            ours = f.read().split(b"\0")[0] == os.fsencode(binary)
        if ours and not gone(pid):
            os.kill(pid, signal.SIGKILL)
    except (OSError, ProcessLookupError):
        pass
