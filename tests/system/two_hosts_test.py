"""System test: a worker on another host joins a supervisor, over plain TCP
and over TLS. The two hosts are network namespaces joined by a veth pair,
made by this test (root and iproute2's `ip` needed; skipped otherwise).
Clients run inside the supervisor's namespace, where its HTTP gateway
listens on loopback. Usage: two_hosts_test.py BINARY"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

from service import Service

BINARY = None
TAG = str(os.getpid())
SUP_NS = "as-sup-" + TAG
WRK_NS = "as-wrk-" + TAG
# Addresses of the test's own two hosts, which exist only inside the
# namespaces this test makes.
SUP_ADDR = "10.213.%d.1" % (os.getpid() % 250)
WRK_ADDR = "10.213.%d.2" % (os.getpid() % 250)


def sh(*argv, check=True):
    p = subprocess.run(list(argv), capture_output=True, text=True, timeout=30)
    if check and p.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: {p.stderr.strip()}")
    return p


def in_ns(ns, argv):
    return ["ip", "netns", "exec", ns] + list(argv)


def make_hosts():
    sh("ip", "netns", "add", SUP_NS)
    sh("ip", "netns", "add", WRK_NS)
    a, b = "asv" + TAG + "a", "asv" + TAG + "b"
    sh("ip", "link", "add", a, "type", "veth", "peer", "name", b)
    sh("ip", "link", "set", a, "netns", SUP_NS)
    sh("ip", "link", "set", b, "netns", WRK_NS)
    for ns, dev, addr in ((SUP_NS, a, SUP_ADDR), (WRK_NS, b, WRK_ADDR)):
        sh(*in_ns(ns, ["ip", "addr", "add", addr + "/24", "dev", dev]))
        sh(*in_ns(ns, ["ip", "link", "set", dev, "up"]))
        sh(*in_ns(ns, ["ip", "link", "set", "lo", "up"]))


def remove_hosts():
    for ns in (SUP_NS, WRK_NS):
        sh("ip", "netns", "del", ns, check=False)


def curl(http, method, path, body=None):
    """(status, parsed body) of a request made inside the supervisor's host."""
    argv = ["curl", "-s", "-m", "10", "-o", "-", "-w", "\n%{http_code}", "-X", method,
            "http://" + http + path]
    if body is not None:
        argv += ["-H", "Content-Type: application/json", "--data-binary", json.dumps(body)]
    p = sh(*in_ns(SUP_NS, argv), check=False)
    text, _, status = p.stdout.rpartition("\n")
    return int(status or 0), (json.loads(text) if text.strip() else None)


def make_certificates(folder):
    """A CA, and a certificate signed by it for each host; and a second CA's
    certificate that the first does not trust."""
    def run(*argv):
        sh("openssl", *argv)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
        "/CN=actorserve test CA", "-keyout", f"{folder}/ca.key", "-out", f"{folder}/ca.pem")
    for name in ("sup", "wrk"):
        run("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}",
            "-keyout", f"{folder}/{name}.key", "-out", f"{folder}/{name}.csr")
        run("x509", "-req", "-days", "2", "-in", f"{folder}/{name}.csr", "-CA",
            f"{folder}/ca.pem", "-CAkey", f"{folder}/ca.key", "-CAcreateserial",
            "-out", f"{folder}/{name}.pem")
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
        "/CN=stranger", "-keyout", f"{folder}/other.key", "-out", f"{folder}/other.pem")


class TwoHostsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest("SKIP: needs root to create network namespaces")
        for tool in ("ip", "curl", "openssl"):
            if shutil.which(tool) is None:
                raise unittest.SkipTest(f"SKIP: needs {tool}")
        try:
            make_hosts()
        except (RuntimeError, OSError) as e:
            remove_hosts()
            raise unittest.SkipTest(f"SKIP: cannot create network namespaces here: {e}")
        cls.dir = tempfile.mkdtemp(prefix="actorserve-two-hosts-")
        cls.secret = os.path.join(cls.dir, "secret")
        with open(cls.secret, "w") as f:
            f.write(os.urandom(24).hex() + "\n")
        os.chmod(cls.secret, 0o600)
        make_certificates(cls.dir)

    @classmethod
    def tearDownClass(cls):
        remove_hosts()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def tls(self, name, ca="ca"):
        d = self.dir
        return [f"--tls-certificate={d}/{name}.pem", f"--tls-key={d}/{name}.key",
                f"--tls-ca={d}/{ca}.pem"]

    def supervisor(self, extra=()):
        return Service(in_ns(SUP_NS, [
            BINARY, "--workers=1", "--node-host=" + SUP_ADDR, "--node-port=0",
            "--secret-file=" + self.secret, "--http-port=0",
            "--heartbeat-interval=0.2", "--heartbeat-timeout=2", *extra]))

    def join(self, node, extra=(), secret=None):
        return subprocess.Popen(
            in_ns(WRK_NS, [BINARY, "--join=" + node, "--secret-file=" + (secret or self.secret),
                           "--worker-context=\"remote\"", "--join-timeout=3", *extra]),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def wait_for_workers(self, http, count, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status, body = curl(http, "GET", "/healthz")
            ready = [w for w in (body or {}).get("workers", []) if w["state"] == "ready"]
            if len(ready) == count:
                return body
            time.sleep(0.1)
        self.fail(f"{count} workers were not ready within {timeout} s: {body}")

    def serve_across(self, sup_tls=(), wrk_tls=()):
        with self.supervisor(sup_tls) as sup:
            http, node = sup.endpoint("http"), sup.endpoint("node")
            self.assertTrue(node.startswith(SUP_ADDR + ":"), sup.ready_line)
            worker = self.join(node, wrk_tls)
            try:
                health = self.wait_for_workers(http, 2)
                remote = [w for w in health["workers"] if w["pid"] == worker.pid]
                self.assertEqual(len(remote), 1, health)
                self.assertEqual(remote[0]["index"], 1)
                # Calls reach both workers, the remote one with its own context.
                seen = {}
                for _ in range(20):
                    status, body = curl(http, "POST", "/info")
                    self.assertEqual(status, 200, body)
                    seen[body["worker_index"]] = body
                self.assertEqual(set(seen), {0, 1}, seen)
                self.assertEqual(seen[1]["pid"], worker.pid)
                self.assertEqual(seen[1]["worker_context"], "remote")
                for n in range(10):
                    self.assertEqual(curl(http, "POST", "/double", n), (200, 2 * n))
                # Nothing but the node port listens beyond loopback.
                listening = sh(*in_ns(SUP_NS, ["ss", "-ltnH"])).stdout.split("\n")
                local = [line.split()[3] for line in listening if line.strip()]
                outside = [a for a in local if not a.startswith(("127.", "[::1]"))]
                self.assertEqual(outside, [node], listening)
                # The shutdown reaches the remote worker, which leaves cleanly.
                self.assertEqual(curl(http, "POST", "/stop")[0], 200)
                self.assertEqual(sup.wait(20), 0, "".join(sup.stderr_lines))
                self.assertEqual(worker.wait(20), 0, worker.stderr.read())
            finally:
                if worker.poll() is None:
                    worker.kill()
                    worker.wait()
                worker.stdout.close()
                worker.stderr.close()

    def refused(self, node, extra=(), secret=None):
        worker = self.join(node, extra, secret)
        try:
            _, err = worker.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.communicate()
            self.fail("a worker that should be refused was still running after 20 s")
        self.assertNotEqual(worker.returncode, 0, err)
        return err

    def test_a_worker_on_another_host_serves_and_leaves_on_shutdown(self):
        self.serve_across()

    def test_a_worker_with_another_secret_is_refused(self):
        other = os.path.join(self.dir, "other-secret")
        with open(other, "w") as f:
            f.write("not-the-secret-of-this-service\n")
        os.chmod(other, 0o600)  # secret files are private, or refused
        with self.supervisor() as sup:
            http, node = sup.endpoint("http"), sup.endpoint("node")
            self.wait_for_workers(http, 1)
            err = self.refused(node, secret=other)
            self.assertIn("different shared secret", err)
            self.wait_for_workers(http, 1)
            sup.signal(15)
            self.assertEqual(sup.wait(20), 0)

    def test_tls_serves_across_hosts(self):
        self.serve_across(self.tls("sup"), self.tls("wrk"))

    def test_tls_refuses_plain_and_untrusted_workers_without_dropping_others(self):
        with self.supervisor(self.tls("sup")) as sup:
            http, node = sup.endpoint("http"), sup.endpoint("node")
            before = self.wait_for_workers(http, 1)["workers"][0]["pid"]
            err = self.refused(node)  # no TLS at all
            self.assertIn("cannot reach the supervisor", err)
            err = self.refused(node, self.tls("other", ca="other"))  # another CA
            self.assertIn("cannot reach the supervisor", err)
            # The failed handshakes cost the worker already joined nothing.
            time.sleep(1)
            health = self.wait_for_workers(http, 1)
            self.assertEqual(health["workers"][0]["pid"], before, health)
            self.assertEqual(health["workers"][0]["restarts"], 0, health)
            self.assertEqual(curl(http, "POST", "/double", 4), (200, 8))
            sup.signal(15)
            self.assertEqual(sup.wait(20), 0)


class BadTlsFilesTest(unittest.TestCase):
    """TLS files are loaded at the start: one that cannot be used stops the
    start with a message naming it (exit 2), on a supervisor and on a
    joining worker alike, before any connection could find it. Loopback
    only: no namespaces needed."""

    @classmethod
    def setUpClass(cls):
        if shutil.which("openssl") is None:
            raise unittest.SkipTest("SKIP: needs openssl")
        cls.dir = tempfile.mkdtemp(prefix="actorserve-tls-files-")
        make_certificates(cls.dir)
        cls.secret = os.path.join(cls.dir, "secret")
        with open(cls.secret, "w") as f:
            f.write(os.urandom(24).hex() + "\n")
        os.chmod(cls.secret, 0o600)
        with open(os.path.join(cls.dir, "empty.key"), "w"):
            pass
        # An encrypted key: nothing may ask for its passphrase on a terminal.
        sh("openssl", "pkey", "-in", f"{cls.dir}/sup.key", "-aes256", "-passout",
           "pass:not-given", "-out", f"{cls.dir}/encrypted.key")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def start(self, role, cert="sup", key="sup", ca="ca"):
        d = self.dir
        where = (["--workers=1", "--node-host=127.0.0.1", "--node-port=0", "--http-port=0"]
                 if role == "supervisor" else ["--join=127.0.0.1:1", "--join-timeout=1"])
        p = subprocess.run([BINARY, *where, "--secret-file=" + self.secret,
                            f"--tls-certificate={d}/{cert}.pem", f"--tls-key={d}/{key}.key",
                            f"--tls-ca={d}/{ca}.pem"],
                           capture_output=True, text=True, timeout=30)
        return p.returncode, p.stdout, p.stderr

    def test_a_file_that_cannot_be_used_stops_the_start_naming_it(self):
        d = self.dir
        cases = [({"ca": "missing"}, f"cannot load the CA certificates from {d}/missing.pem"),
                 ({"key": "wrk"}, f"the TLS key in {d}/wrk.key does not belong to the "
                                  f"certificate in {d}/sup.pem"),
                 ({"key": "empty"}, f"cannot load the TLS key from {d}/empty.key"),
                 ({"key": "encrypted"}, f"the TLS key in {d}/encrypted.key is encrypted, and "
                                        "no passphrase was given"),
                 ({"cert": "missing"}, f"cannot load the TLS certificate from {d}/missing.pem")]
        for role in ("supervisor", "worker"):
            for files, message in cases:
                with self.subTest(role=role, files=files):
                    code, out, err = self.start(role, **files)
                    self.assertEqual(code, 2, err)
                    self.assertIn(message, err)
                    self.assertNotIn("ready", out)


if __name__ == "__main__":
    BINARY = sys.argv.pop(1)
    unittest.main(verbosity=2)
