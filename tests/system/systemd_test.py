"""System tests of running under systemd: the notify protocol (Type=notify)
against a datagram socket the test makes in systemd's place, which asks the
kernel for each sender's pid (SO_PASSCRED); and the units in deploy/systemd/,
checked by systemd-analyze verify and security (Debian package systemd;
skipped, saying so, when it is missing).
Usage: systemd_test.py EXAMPLE_BINARY"""
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import unittest

from service import Service, gone
from wire import Http

EXAMPLE = None
UNITS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "deploy", "systemd")
INSTALLED = "/usr/bin/actorserve-example"
# systemd-analyze security's exposure, 0 (best) to 10: the units score 1.2
# with systemd 252; a change that weakens them fails here.
MAX_EXPOSURE = "1.5"


class ManagerSocket:
    """The service manager's end: a datagram socket on a path in a temporary
    directory, collecting (time, text, sender pid) for each datagram."""

    def __init__(self, test):
        tmp = tempfile.TemporaryDirectory()
        test.addCleanup(tmp.cleanup)
        self.path = os.path.join(tmp.name, "notify")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        test.addCleanup(self.sock.close)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.sock.bind(self.path)
        self.messages = []

    def receive(self, timeout):
        """The next datagram as (text, sender pid), or None after `timeout`."""
        self.sock.settimeout(timeout)
        try:
            data, ancillary, _, _ = self.sock.recvmsg(
                4096, socket.CMSG_SPACE(struct.calcsize("3i")))
        except socket.timeout:
            return None
        pid = None
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                pid, _uid, _gid = struct.unpack("3i", payload[:struct.calcsize("3i")])
        message = (data.decode(), pid)
        self.messages.append(message)
        return message

    def drain(self, quiet_for=1.0):
        """The datagrams that come until none came for `quiet_for` seconds."""
        start = len(self.messages)
        while self.receive(quiet_for) is not None:
            pass
        return self.messages[start:]


def fields(text):
    """{KEY: value} of a notify message's lines."""
    return dict(line.split("=", 1) for line in text.split("\n") if line)


def children(pid):
    """The processes `pid` started, from whichever of its threads."""
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            found += [int(p) for p in f.read().split()]
    return sorted(found)


class NotifyTest(unittest.TestCase):
    def start(self, *options):
        manager = ManagerSocket(self)
        env = dict(os.environ, NOTIFY_SOCKET=manager.path)
        svc = Service([EXAMPLE, "--http-port=0", *options], env=env)
        self.addCleanup(svc.kill)
        return manager, svc

    def stop(self, svc):
        http = Http(svc.endpoint("http"))
        self.addCleanup(http.close)
        status, _, body = http.call("POST", "/stop")
        self.assertEqual(status, 200, body)
        self.assertEqual(svc.wait(60), 0, "".join(svc.stderr_lines))

    def check_ready(self, message, svc):
        self.assertIsNotNone(message, "no READY=1 within 10 s of the ready line")
        text, sender = message
        f = fields(text)
        self.assertEqual(f.get("READY"), "1", text)
        self.assertEqual(f.get("MAINPID"), str(svc.proc.pid), text)
        self.assertEqual(sender, svc.proc.pid, "READY=1 must come from the main process")
        # Its status is the ready line's news, sent once the line was out.
        self.assertTrue(svc.ready_line.startswith(f["STATUS"] + " routes="),
                        (f["STATUS"], svc.ready_line))

    def test_ready_after_the_ready_line_and_stopping_when_the_shutdown_begins(self):
        manager, svc = self.start()
        self.check_ready(manager.receive(10), svc)
        self.assertIsNone(manager.receive(0.5), "only READY=1 while it serves")
        self.stop(svc)
        messages = manager.drain()
        self.assertEqual(len(messages), 1, messages)
        text, sender = messages[0]
        self.assertEqual(fields(text).get("STOPPING"), "1", text)
        self.assertEqual(sender, svc.proc.pid)
        # Sent as the broadcast began, next to its log line.
        self.assertTrue(any("shutting down: draining calls in flight" in line
                            for line in svc.stderr_lines), svc.stderr_lines)

    def test_with_workers_only_the_main_process_notifies(self):
        manager, svc = self.start("--workers=2")
        self.check_ready(manager.receive(30), svc)
        workers = children(svc.proc.pid)
        self.assertEqual(len(workers), 2, workers)
        for pid in workers:
            with open(f"/proc/{pid}/environ", "rb") as f:
                env = f.read().split(b"\0")
            self.assertFalse(any(e.startswith(b"NOTIFY_SOCKET=") for e in env),
                             f"worker {pid} inherited NOTIFY_SOCKET")
        self.stop(svc)
        for pid in workers:
            self.assertTrue(gone(pid), f"worker {pid} still runs")
        messages = manager.drain()
        self.assertEqual([fields(t).get("STOPPING") for t, _ in messages], ["1"], messages)
        everything = manager.messages
        self.assertEqual(sum(1 for t, _ in everything if fields(t).get("READY") == "1"), 1,
                         everything)
        self.assertEqual({sender for _, sender in everything}, {svc.proc.pid}, everything)

    def test_a_signal_stops_it_with_stopping_too(self):
        manager, svc = self.start()
        self.check_ready(manager.receive(10), svc)
        svc.signal(signal.SIGTERM)
        self.assertEqual(svc.wait(60), 0, "".join(svc.stderr_lines))
        self.assertEqual([fields(t).get("STOPPING") for t, _ in manager.drain()], ["1"])

    def test_without_notify_socket_it_serves_as_before(self):
        env = {k: v for k, v in os.environ.items() if k != "NOTIFY_SOCKET"}
        svc = Service([EXAMPLE, "--http-port=0"], env=env)
        self.addCleanup(svc.kill)
        self.stop(svc)
        self.assertFalse(any("notify" in line for line in svc.stderr_lines), svc.stderr_lines)

    def test_a_socket_nobody_listens_on_is_one_warning_and_no_failure(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        env = dict(os.environ, NOTIFY_SOCKET=os.path.join(tmp.name, "nobody"))
        svc = Service([EXAMPLE, "--http-port=0"], env=env)
        self.addCleanup(svc.kill)
        self.stop(svc) # READY and STOPPING both fail to send: it serves and stops all the same
        warnings = [line for line in svc.stderr_lines if "cannot notify" in line]
        self.assertEqual(len(warnings), 1, svc.stderr_lines)
        self.assertIn("warning", warnings[0])


def analyze():
    tool = shutil.which("systemd-analyze")
    if tool is None:
        raise unittest.SkipTest("systemd-analyze is missing (Debian package systemd, "
                                "deploy/install-deps.sh installs it): the units are not checked")
    return tool


class UnitFilesTest(unittest.TestCase):
    """systemd-analyze verify checks that ExecStart's program exists: it
    checks copies whose ExecStart runs the binary under test."""

    def copies(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        units = []
        for name in sorted(os.listdir(UNITS)):
            if not name.endswith(".service"):
                continue
            with open(os.path.join(UNITS, name)) as f:
                text = f.read()
            self.assertIn(f"ExecStart={INSTALLED} ", text, name)
            path = os.path.join(tmp.name, name)
            with open(path, "w") as f:
                f.write(text.replace(INSTALLED, os.path.abspath(EXAMPLE)))
            units.append(path)
        self.assertEqual([os.path.basename(u) for u in units],
                         ["actorserve-example.service", "actorserve-worker@.service"])
        return units

    def test_the_units_pass_systemd_analyze_verify(self):
        tool = analyze()
        for unit in self.copies():
            r = subprocess.run([tool, "verify", unit], capture_output=True, text=True,
                               timeout=60)
            out = r.stdout + r.stderr
            self.assertEqual(r.returncode, 0, out)
            # Unknown keys and bad values are warnings only: none may name the unit.
            stem = os.path.basename(unit).split("@")[0].replace(".service", "")
            self.assertFalse([line for line in out.splitlines() if stem in line], out)

    def test_the_units_expose_little(self):
        tool = analyze()
        for unit in self.copies():
            name = os.path.basename(unit).replace("@.", "@a.")
            if name != os.path.basename(unit):
                shutil.copy(unit, os.path.join(os.path.dirname(unit), name))
                unit = os.path.join(os.path.dirname(unit), name)
            r = subprocess.run([tool, "security", "--offline=true",
                                f"--threshold={float(MAX_EXPOSURE) * 10:.0f}", unit],
                               capture_output=True, text=True, timeout=60)
            out = r.stdout + r.stderr
            m = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", out)
            self.assertIsNotNone(m, out)
            self.assertLessEqual(float(m.group(1)), float(MAX_EXPOSURE), out)
            self.assertEqual(r.returncode, 0, out)

    def test_the_main_unit_is_type_notify_and_hardened(self):
        with open(os.path.join(UNITS, "actorserve-example.service")) as f:
            settings = {}
            for line in f:
                key, sep, value = line.strip().partition("=")
                if sep and not line.startswith("#"):
                    settings.setdefault(key, []).append(value)
        for key, value in [("Type", "notify"), ("NotifyAccess", "main"),
                           ("DynamicUser", "yes"), ("ProtectSystem", "strict"),
                           ("NoNewPrivileges", "yes"), ("KillMode", "mixed"),
                           ("CapabilityBoundingSet", "")]:
            self.assertEqual(settings.get(key), [value], key)
        # The stop waits out the drain (30 s by default) and the workers' exit.
        self.assertGreater(int(settings["TimeoutStopSec"][0]), 30 + 10)


if __name__ == "__main__":
    EXAMPLE = sys.argv.pop(1)
    unittest.main(verbosity=2)
