"""System tests of what a hostile client could do to the real
actorserve-example: each is a reproduction of an attack, now answered with
a clear error at a bounded cost, the service unharmed and other clients'
calls answered (docs/security.md).
Usage: hardening_test.py EXAMPLE_BINARY CLIENT_BINARY"""
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

from service import Service, rss_mib, run
from wire import Http, RawConnection, python_end, record

EXAMPLE = CLIENT = None


def http_service(test, *extra):
    """A service with HTTP on a free port, and a connection to it; both
    closed when `test` ends."""
    svc = Service([EXAMPLE, "--http-port=0", *extra])
    test.addCleanup(svc.kill)
    c = Http(svc.endpoint("http"))
    test.addCleanup(c.close)
    return svc, c


def nested(levels, inner="1"):
    return "[" * levels + inner + "]" * levels


def deep_call(levels):
    """A socket or FIFO request whose data nests `levels` + 1 deep."""
    return '["/echo", ' + nested(levels) + "]"


class DepthLimitTest(unittest.TestCase):
    """A body of 100,000 nested arrays (200 KB, under every size limit) used
    to end the process: copying, dumping and encoding a value recurse once
    per level. Now nesting past 128 levels is refused before any parsing."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def start(self, *extra):
        return http_service(self, *extra)

    def post_raw(self, c, path, body, method="POST"):
        c.conn.request(method, path, body=body, headers={"Content-Type": "application/json"})
        r = c.conn.getresponse()
        return r.status, json.loads(r.read())

    def test_http_refuses_deep_bodies_at_and_past_the_edge(self):
        svc, c = self.start()
        status, body = self.post_raw(c, "/echo", nested(128))
        self.assertEqual(status, 200)
        self.assertEqual(json.dumps(body).count("["), 128)
        status, body = self.post_raw(c, "/echo", nested(129))
        self.assertEqual(status, 400)
        self.assertEqual(body["error"], {
            "type": "BadRequest",
            "message": "the request body nests arrays and objects deeper than 128 levels, "
                       "the limit"})
        for path, levels, method in (("/echo", 100000, "POST"), ("/double", 100000, "POST"),
                                     ("/info", 500000, "GET")):
            status, body = self.post_raw(c, path, nested(levels), method)
            self.assertEqual((status, body["error"]["type"]), (400, "BadRequest"), path)
        self.assertEqual(c.json("POST", "/double", 21), (200, 42))
        self.assertIsNone(svc.proc.poll())

    def test_the_limit_is_configurable(self):
        svc, c = self.start("--max-depth=4")
        self.assertEqual(self.post_raw(c, "/echo", nested(4))[0], 200)
        status, body = self.post_raw(c, "/echo", nested(5))
        self.assertEqual(status, 400)
        self.assertIn("deeper than 4 levels", body["error"]["message"])

    def test_socket_gateway_refuses_deep_payloads_and_keeps_the_connection(self):
        path = os.path.join(self.tmp.name, "svc.sock")
        svc = Service([EXAMPLE, f"--socket-path={path}"])
        self.addCleanup(svc.kill)
        conn = RawConnection(path)
        self.addCleanup(conn.sock.close)
        # The request nests one level more than its data: [path, data].
        conn.send(record("ok", deep_call(127)))
        rid, encoder, payload = conn.read_record()
        self.assertEqual((rid, encoder), ("ok", "json"))
        conn.send(record("deep", deep_call(128)))
        rid, encoder, payload = conn.read_json()
        self.assertEqual((rid, encoder), ("deep", "error"))
        self.assertEqual(payload, {
            "type": "BadRequest",
            "message": "the payload nests arrays and objects deeper than 128 levels, the limit"})
        conn.send(record("huge", deep_call(100000)))
        self.assertEqual(conn.read_json()[2]["type"], "BadRequest")
        conn.send(record("after", '["/double", 21]'))
        self.assertEqual(conn.read_json(), ("after", "json", 42))

    def test_fifo_gateway_refuses_deep_messages(self):
        path = os.path.join(self.tmp.name, "svc")
        svc = Service([EXAMPLE, f"--fifo-path={path}"])
        self.addCleanup(svc.kill)
        reader, writer = python_end(path, "client")
        writer.send_bytes(deep_call(100000).encode())
        err = json.loads(reader.recv_bytes())["error"]
        self.assertEqual(err["type"], "BadRequest")
        self.assertIn("deeper than 128 levels", err["message"])
        writer.send_bytes(b'["/double", 21]')
        self.assertEqual(json.loads(reader.recv_bytes()), {"ok": 42})

    def test_the_supervisor_of_workers_survives_deep_bodies(self):
        svc, c = self.start("--workers=2")
        for levels in (129, 100000):
            status, body = self.post_raw(c, "/echo", nested(levels))
            self.assertEqual((status, body["error"]["type"]), (400, "BadRequest"))
        status, body = self.post_raw(c, "/echo", nested(128))
        self.assertEqual(status, 200)
        self.assertEqual(c.json("POST", "/double", 21), (200, 42))
        self.assertEqual(c.json("GET", "/healthz")[1]["status"], "serving")


class StopIsNotForEveryoneTest(unittest.TestCase):
    """Anyone who reached the HTTP port could stop the service, a web page in
    a browser included (a cross-site POST /stop with Content-Type text/plain
    got 200), and DNS rebinding reached a loopback-only service. Any local
    user could send /shutdown to the TCP socket gateway."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.token_file = os.path.join(self.tmp.name, "stop.token")
        with open(os.open(self.token_file, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write("the-stop-token-of-this-test\n")

    def start(self, *extra):
        return http_service(self, *extra)

    def test_a_web_page_of_another_site_cannot_stop_the_service_or_call_routes(self):
        svc, c = self.start()
        status, _, raw = c.call("POST", "/stop", headers={
            "Origin": "http://evil.example", "Content-Type": "text/plain"})
        self.assertEqual(status, 403)
        self.assertEqual(json.loads(raw)["error"]["type"], "Forbidden")
        status, _, _ = c.call("POST", "/double", 21, headers={"Origin": "http://evil.example"})
        self.assertEqual(status, 403)
        # An image or a link on another site's page: a GET with no Origin.
        status, _, raw = c.call("GET", "/info", headers={"Sec-Fetch-Site": "cross-site"})
        self.assertEqual(status, 403)
        self.assertIn("Sec-Fetch-Site: cross-site", json.loads(raw)["error"]["message"])
        self.assertEqual(c.call("GET", "/info", headers={"Sec-Fetch-Site": "none"})[0], 200)
        self.assertEqual(c.json("POST", "/double", 21), (200, 42))  # curl-like: no Origin
        self.assertIsNone(svc.proc.poll())

    def test_an_allowed_origin_may_call(self):
        svc, c = self.start("--allowed-origin=https://app.example")
        status, _, raw = c.call("POST", "/double", 21, headers={"Origin": "https://app.example"})
        self.assertEqual((status, json.loads(raw)), (200, 42))
        status, _, _ = c.call("POST", "/double", 21, headers={"Origin": "https://other.example"})
        self.assertEqual(status, 403)

    def test_a_host_name_the_service_does_not_answer_to_is_refused(self):
        svc, c = self.start("--allowed-host=svc.internal")
        port = svc.endpoint("http").rsplit(":", 1)[1]
        for host in (f"127.0.0.1:{port}", f"localhost:{port}", "[::1]", "svc.internal",
                     f"SVC.internal:{port}"):
            status, _, _ = c.call("POST", "/double", 1, headers={"Host": host})
            self.assertEqual(status, 200, host)
        status, _, raw = c.call("POST", "/double", 1, headers={"Host": f"rebound.evil:{port}"})
        self.assertEqual(status, 403)
        self.assertIn("does not answer to the host name 'rebound.evil'",
                      json.loads(raw)["error"]["message"])

    def test_the_stop_token_guards_stop_on_every_gateway(self):
        sock = os.path.join(self.tmp.name, "svc.sock")
        fifo = os.path.join(self.tmp.name, "svc")
        svc, c = self.start(f"--stop-token-file={self.token_file}", f"--socket-path={sock}",
                            "--socket-port=0", f"--fifo-path={fifo}")
        status, _, raw = c.call("POST", "/stop")
        self.assertEqual(status, 403)
        self.assertIn("needs the stop token", json.loads(raw)["error"]["message"])
        status, _, _ = c.call("POST", "/stop", headers={"Authorization": "Bearer wrong"})
        self.assertEqual(status, 403)
        tcp = svc.endpoint("socket-tcp").rsplit(":", 1)
        for conn in (RawConnection(sock), RawConnection((tcp[0], int(tcp[1])), socket.AF_INET)):
            self.addCleanup(conn.sock.close)
            for data in (None, "wrong"):
                conn.send(record("s", json.dumps(["/shutdown", data])))
                rid, encoder, payload = conn.read_json()
                self.assertEqual((encoder, payload["type"]), ("error", "Forbidden"))
        reader, writer = python_end(fifo, "client")
        writer.send_bytes(b'["/shutdown", null]')
        self.assertEqual(json.loads(reader.recv_bytes())["error"]["type"], "Forbidden")
        self.assertIsNone(svc.proc.poll())
        # The token stops it (the scheme's case is free).
        status, _, _ = c.call("POST", "/stop", headers={
            "Authorization": "bearer the-stop-token-of-this-test"})
        self.assertEqual(status, 200)
        self.assertEqual(svc.wait(30), 0)

    def test_the_socket_shutdown_takes_the_token_as_its_data(self):
        sock = os.path.join(self.tmp.name, "svc.sock")
        svc = Service([EXAMPLE, f"--socket-path={sock}", f"--stop-token-file={self.token_file}"])
        self.addCleanup(svc.kill)
        code, out, err = run([CLIENT, "--unix", sock, "shutdown"])
        self.assertEqual(code, 1, err)
        self.assertIn("Forbidden", err)
        code, out, err = run([CLIENT, "--unix", sock, "--stop-token-file", self.token_file,
                              "shutdown"])
        self.assertEqual(code, 0, err)
        self.assertEqual(svc.wait(30), 0)

    def test_a_token_file_others_may_read_is_refused(self):
        os.chmod(self.token_file, 0o644)
        code, out, err = run([EXAMPLE, f"--stop-token-file={self.token_file}"])
        self.assertEqual(code, 2)
        self.assertIn("its group or others may read or write it", err)

    def test_a_secret_file_others_may_read_is_refused(self):
        secret = os.path.join(self.tmp.name, "secret")
        with open(secret, "w") as f:
            f.write("a-secret-long-enough-for-the-check\n")
        os.chmod(secret, 0o644)
        code, out, err = run([EXAMPLE, "--workers=2", f"--secret-file={secret}"])
        self.assertEqual(code, 2)
        self.assertIn(f"cannot use {secret} as the secret file: its group or others may read "
                      f"or write it (run: chmod 600 {secret})", err)

    def test_stop_can_be_turned_off(self):
        sock = os.path.join(self.tmp.name, "svc.sock")
        svc, c = self.start("--no-remote-stop", f"--socket-path={sock}")
        self.assertEqual(c.call("POST", "/stop")[0], 404)
        conn = RawConnection(sock)
        self.addCleanup(conn.sock.close)
        conn.send(record("s", '["/shutdown", null]'))
        self.assertEqual(conn.read_json()[2]["type"], "NotFound")
        self.assertIsNone(svc.proc.poll())


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"not within {timeout} s: {what}")


class BoundedResourcesTest(unittest.TestCase):
    """1,100 idle socket connections exhausted the descriptors; 10
    connections each parking 60 MiB of a declared 64 MiB record held 642 MB;
    HTTP clients pipelining and never reading held 584 MB and the drain;
    FIFO replies nobody read grew to 2 GB."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.sock = os.path.join(self.tmp.name, "svc.sock")

    def socket_service(self, *extra):
        svc = Service([EXAMPLE, f"--socket-path={self.sock}", *extra])
        self.addCleanup(svc.kill)
        return svc

    def connect(self):
        conn = RawConnection(self.sock)
        self.addCleanup(conn.sock.close)
        return conn

    def test_socket_connections_past_the_cap_are_refused(self):
        self.socket_service("--socket-max-connections=3")
        conns = [self.connect() for _ in range(3)]
        for i, c in enumerate(conns):  # each is served
            c.send(record(f"r{i}", '["/double", 1]'))
            self.assertEqual(c.read_json(), (f"r{i}", "json", 2))
        extra = self.connect()
        rid, encoder, payload = extra.read_json()
        self.assertEqual((rid, encoder, payload["type"]), ("-", "error", "BacklogFull"))
        self.assertIn("3 connections open, its limit", payload["message"])
        self.assertTrue(extra.is_closed())
        conns[0].sock.close()
        wait_until(lambda: self.try_call(), 5, "a connection accepted again")

    def try_call(self):
        c = self.connect()
        c.send(record("t", '["/double", 2]'))
        try:
            return c.read_json() == ("t", "json", 4)
        except (EOFError, ValueError, OSError):
            return False

    def test_a_thousand_idle_connections_leave_http_serving(self):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard < 1300:
            self.skipTest(f"the hard descriptor limit is {hard}; this test needs 1300")
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        self.addCleanup(resource.setrlimit, resource.RLIMIT_NOFILE, (soft, hard))
        svc = Service([EXAMPLE, f"--socket-path={self.sock}", "--http-port=0"])
        self.addCleanup(svc.kill)
        conns = []
        for _ in range(1100):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.addCleanup(s.close)
            s.connect(self.sock)
            conns.append(s)
        c = Http(svc.endpoint("http"))
        self.addCleanup(c.close)
        self.assertEqual(c.json("GET", "/healthz"), (200, {"status": "serving"}))
        # Past the cap of 1024 each connection was told so and closed.
        conns[-1].settimeout(10)
        self.assertIn(b"BacklogFull", conns[-1].recv(65536))
        self.assertEqual(c.json("POST", "/double", 21), (200, 42))

    def test_a_socket_peer_that_does_not_read_its_replies_is_cut_off(self):
        self.socket_service("--socket-max-connections=2", "--socket-write-timeout=0.5")
        hogs = []
        for _ in range(2):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            self.addCleanup(s.close)
            s.connect(self.sock)
            s.settimeout(2)
            try:  # replies of 100 KB that it never reads
                for i in range(200):
                    s.sendall(record(f"h{i}", json.dumps(["/echo", "e" * 100000])))
            except (socket.timeout, OSError):
                pass
            hogs.append(s)
        # Both were cut off: the cap has room again.
        wait_until(lambda: self.try_call(), 10, "a connection accepted once the hogs are gone")

    def test_records_streamed_back_to_back_outlast_the_record_timeout(self):
        self.socket_service("--socket-record-timeout=1")
        c = self.connect()
        body = json.dumps(["/echo", "s" * 20000]).encode()
        stream = b"".join(f"r{n} {len(body)} json\n".encode() + body for n in range(150))

        def send():  # chunks that end inside records, for about 3 s
            for i in range(0, len(stream), 30011):
                c.send(stream[i:i + 30011])
                time.sleep(0.03)

        t = threading.Thread(target=send, daemon=True)
        t.start()
        answered = {c.read_json()[:2] for _ in range(150)}  # in any order
        self.assertEqual(answered, {(f"r{n}", "json") for n in range(150)})  # none cut off
        t.join(10)

    def test_an_idle_socket_connection_is_closed_but_not_one_with_a_call_in_flight(self):
        self.socket_service("--socket-idle-timeout=0.5")
        idle = self.connect()
        busy = self.connect()
        busy.send(record("slow", '["/sleep", 1.2]'))
        start = time.monotonic()
        self.assertTrue(idle.is_closed())
        self.assertLess(time.monotonic() - start, 3)
        self.assertEqual(busy.read_json(), ("slow", "json", 1.2))  # not cut off mid-call
        self.assertTrue(busy.is_closed())  # then idle in its turn

    def test_a_socket_connection_in_use_is_not_idle_and_is_closed_once_it_is(self):
        # Each call pushes the idle deadline later; the connection's one
        # timer, set for the first, finds that and waits again.
        self.socket_service("--socket-idle-timeout=1")
        c = self.connect()
        for n in range(8):  # 2.1 s in all, each gap well under the timeout
            if n:
                time.sleep(0.3)
            sent = time.monotonic()  # the server's idle clock starts after this
            c.send(record(f"r{n}", '["/double", 2]'))
            self.assertEqual(c.read_json(), (f"r{n}", "json", 4))
        last = time.monotonic()
        self.assertTrue(c.is_closed())
        self.assertGreaterEqual(time.monotonic() - sent, 0.95)
        self.assertLess(time.monotonic() - last, 4)

    def test_a_record_started_before_the_idle_deadline_gets_the_record_timeout(self):
        # The clock's timer, set for the idle deadline, fires and finds the
        # record's later deadline: it waits again, and the record is then
        # answered Timeout, not cut off silently at the idle deadline.
        self.socket_service("--socket-idle-timeout=0.5", "--socket-record-timeout=2")
        c = self.connect()
        start = time.monotonic()
        c.send(b"half 100 json\n" + b"x" * 50)
        rid, encoder, payload = c.read_json()
        self.assertEqual((rid, encoder, payload["type"]), ("half", "error", "Timeout"))
        self.assertIn("within 2000 ms", payload["message"])
        self.assertGreaterEqual(time.monotonic() - start, 1.8)
        self.assertLess(time.monotonic() - start, 5)
        self.assertTrue(c.is_closed())

    def test_a_record_that_stalls_half_way_is_answered_and_closed(self):
        self.socket_service("--socket-record-timeout=0.5")
        c = self.connect()
        c.send(b"half 100 json\n" + b"x" * 50)
        rid, encoder, payload = c.read_json()
        self.assertEqual((rid, encoder, payload["type"]), ("half", "error", "Timeout"))
        self.assertIn("did not arrive whole within 500 ms", payload["message"])
        self.assertTrue(c.is_closed())

    def test_records_under_way_share_one_budget(self):
        self.socket_service("--socket-max-frame=100000", "--socket-max-incomplete=150000")
        a, b = self.connect(), self.connect()
        data = "y" * 90000
        body = json.dumps(["/echo", data]).encode()
        a.send(f"a {len(body)} json\n".encode() + body[:80000])
        time.sleep(0.2)  # a's bytes are counted first
        b.send(f"b {len(body)} json\n".encode() + body[:80000])
        rid, encoder, payload = b.read_json()
        self.assertEqual((rid, encoder, payload["type"]), ("b", "error", "BacklogFull"))
        self.assertIn("more than its budget of 150000", payload["message"])
        self.assertTrue(b.is_closed())
        a.send(body[80000:])
        self.assertEqual(a.read_json(), ("a", "json", data))

    def test_an_http_client_that_never_reads_is_cut_off_and_does_not_hold_the_drain(self):
        svc = Service([EXAMPLE, "--http-port=0", "--http-write-timeout=0.5"])
        self.addCleanup(svc.kill)
        host, port = svc.endpoint("http").rsplit(":", 1)
        body = json.dumps("z" * 900000).encode()
        request = (f"POST /echo HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                   f"Content-Length: {len(body)}\r\n\r\n").encode() + body
        before = rss_mib(svc.proc.pid)
        for _ in range(4):
            s = socket.create_connection((host, int(port)))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            self.addCleanup(s.close)
            s.settimeout(2)
            try:
                for _ in range(16):
                    s.sendall(request)
            except (socket.timeout, OSError):
                pass  # the service stopped reading us, or cut us off
        if "ASAN_OPTIONS" not in os.environ:  # AddressSanitizer keeps freed memory a while
            self.assertLess(rss_mib(svc.proc.pid) - before, 100)
        c = Http(svc.endpoint("http"))
        self.addCleanup(c.close)
        self.assertEqual(c.json("POST", "/double", 21), (200, 42))  # others are served
        start = time.monotonic()
        svc.signal(signal.SIGTERM)
        self.assertEqual(svc.wait(15), 0)
        self.assertLess(time.monotonic() - start, 5)  # not the 30 s drain

    def test_fifo_replies_nobody_reads_hold_back_only_their_peer(self):
        path = os.path.join(self.tmp.name, "svc")
        svc = Service([EXAMPLE, f"--fifo-path={path}", "--fifo-max-in-flight=8"])
        self.addCleanup(svc.kill)
        reader, writer = python_end(path, "client")
        before = rss_mib(svc.proc.pid)
        message = json.dumps(["/echo", "w" * 100000]).encode()
        sent = []

        def send_all():
            for _ in range(1000):
                writer.send_bytes(message)
                sent.append(1)

        t = threading.Thread(target=send_all, daemon=True)
        t.start()
        time.sleep(1.5)
        # The gateway stopped reading: the sender waits, the service holds little.
        self.assertLess(len(sent), 1000)
        if "ASAN_OPTIONS" not in os.environ:
            self.assertLess(rss_mib(svc.proc.pid) - before, 60)
        replies = [json.loads(reader.recv_bytes()) for _ in range(1000)]
        self.assertTrue(all(r == {"ok": "w" * 100000} for r in replies))
        t.join(10)
        self.assertEqual(len(sent), 1000)


class PrivateFifoTest(unittest.TestCase):
    """An existing FIFO was used whatever its owner, mode or symlink."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.path = os.path.join(self.tmp.name, "svc")

    def refusal(self):
        code, out, err = run([EXAMPLE, f"--fifo-path={self.path}"])
        self.assertEqual(code, 1, err)
        return err

    def test_a_fifo_others_may_use_is_refused(self):
        os.mkfifo(self.path + ".1", 0o600)
        os.chmod(self.path + ".1", 0o666)
        self.assertIn(f"{self.path}.1 may be read or written by its group or others (mode 666)",
                      self.refusal())

    def test_a_symlinked_fifo_is_refused(self):
        other = os.path.join(self.tmp.name, "elsewhere")
        os.mkfifo(other, 0o600)
        os.symlink(other, self.path + ".2")
        self.assertIn(f"{self.path}.2 is a symbolic link", self.refusal())


def listening_ports(pid):
    """The TCP ports process `pid` listens on (from /proc: its socket
    descriptors, matched against the kernel's table of listening sockets)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("tcp", "tcp6"):
        with open(f"/proc/{pid}/net/{table}") as f:
            next(f)
            for line in f:
                fields = line.split()
                if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                    ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


class NodeLinkTest(unittest.TestCase):
    """A process that connected to the worker port, knowing no secret, could
    speak CAF's protocol to the supervisor: 32 bytes (a header declaring a
    payload of 0xFFFFFFFF bytes) made it allocate 4 GiB, and forged messages
    reached its actors. Now the supervisor's own workers link over socket
    pairs, with no port at all, and the worker port reads nothing but the
    link proof (a few fixed-size bytes) until the peer proved the secret."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.secret = os.path.join(self.tmp.name, "secret")
        with open(os.open(self.secret, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write("the-shared-secret-of-this-test\n")

    def test_the_supervisors_own_workers_need_no_port(self):
        svc, c = http_service(self, "--workers=2")
        self.assertNotIn("node=", svc.ready_line)
        http_port = int(svc.endpoint("http").rsplit(":", 1)[1])
        self.assertEqual(listening_ports(svc.proc.pid), {http_port})
        workers = c.json("GET", "/healthz")[1]["workers"]
        self.assertEqual(len(workers), 2)
        for w in workers:
            self.assertEqual(listening_ports(w["pid"]), set(), w)
        self.assertEqual(c.json("POST", "/double", 21), (200, 42))

    def test_the_worker_port_reads_nothing_of_a_peer_without_the_secret(self):
        svc, c = http_service(self, "--workers=1", "--node-port=0",
                              f"--secret-file={self.secret}")
        host, port = svc.endpoint("node").rsplit(":", 1)
        before = rss_mib(svc.proc.pid)
        # What a BASP peer sends first: a header declaring 0xFFFFFFFF bytes.
        header = b"\x00" + b"\xff" * 4 + b"\x00" * 27
        peers = []
        for i in range(20):
            peer = socket.create_connection((host, int(port)), timeout=10)
            self.addCleanup(peer.close)
            greeting = peer.recv(64)
            # The port greets with the link proof, not with CAF's handshake.
            self.assertEqual(greeting[:8], b"ASLINK1\n")
            self.assertEqual(len(greeting), 40)
            # Half of them stall after the header; the others pad it to the
            # size of an answer, which is then no proof of the secret.
            peer.sendall(header if i % 2 else header + b"\x00" * 72)
            peers.append(peer)
        for i, peer in enumerate(peers):
            start = time.monotonic()
            got = b""
            while chunk := peer.recv(64):
                got += chunk
            self.assertLess(time.monotonic() - start, 8, "the worker port closes the connection")
            # A wrong answer is told so (the worker gives up); silence is not.
            self.assertEqual(got, b"" if i % 2 else
                             b"ASLINK1 refused: prove the shared secret of this service" + b"." * 8)
        self.assertLess(rss_mib(svc.proc.pid) - before, 50)
        self.assertEqual(c.json("POST", "/double", 21), (200, 42))
        health = c.json("GET", "/healthz")[1]
        self.assertEqual((health["status"], health["workers"][0]["restarts"]), ("serving", 0))
        log = "".join(svc.stderr_lines)
        self.assertIn("refused a connection to the worker port from 127.0.0.1:", log)
        self.assertIn("it does not prove the shared secret", log)

    def test_a_worker_with_the_secret_joins_through_the_port(self):
        svc, c = http_service(self, "--workers=0", "--node-port=0",
                              f"--secret-file={self.secret}")
        worker = subprocess.Popen([EXAMPLE, "--join=" + svc.endpoint("node"),
                                   f"--secret-file={self.secret}"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.addCleanup(worker.wait, 10)
        self.addCleanup(worker.kill)
        self.addCleanup(worker.stderr.close)
        deadline = time.monotonic() + 15
        while c.json("GET", "/healthz")[0] != 200 and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertEqual(c.json("POST", "/double", 21), (200, 42))
        self.assertEqual(listening_ports(worker.pid), set())

    def test_a_worker_with_another_secret_is_refused_at_once(self):
        svc, c = http_service(self, "--workers=1", "--node-port=0",
                              f"--secret-file={self.secret}")
        other = os.path.join(self.tmp.name, "other")
        with open(os.open(other, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write("not-the-secret-of-this-service\n")
        start = time.monotonic()
        code, out, err = run([EXAMPLE, "--join=" + svc.endpoint("node"),
                              f"--secret-file={other}"], timeout=20)
        self.assertEqual(code, 1, err)
        self.assertIn("the supervisor refused this worker: it holds a different shared secret",
                      err)
        self.assertLess(time.monotonic() - start, 10, "refused at once, not after retries")
        health = c.json("GET", "/healthz")[1]
        self.assertEqual((health["status"], len(health["workers"])), ("serving", 1), health)


class CommandLineRangesTest(unittest.TestCase):
    """Numbers on the command line are range-checked: --drain-timeout=1e300
    overflowed a conversion, --socket-backlog=-1 became SIZE_MAX."""

    def refused(self, *args):
        code, out, err = run([EXAMPLE, *args])
        self.assertEqual(code, 2, err)
        return err

    def test_out_of_range_numbers_are_usage_errors(self):
        self.assertIn("option --drain-timeout takes at most 10000000 seconds, got '1e300'",
                      self.refused("--drain-timeout=1e300"))
        self.assertIn("option --socket-backlog takes a whole number from 1 to 1048576, "
                      "got '-1'", self.refused("--socket-path=/tmp/x.sock", "--socket-backlog=-1"))
        self.assertIn("option --workers takes a whole number from 0 to 1024, got '5000'",
                      self.refused("--workers=5000"))
        self.assertIn("option --max-depth takes a whole number from 1 to 4096, got '0'",
                      self.refused("--max-depth=0"))
        self.assertIn("option --http-max-connections", self.refused("--http-max-connections=0"))


if __name__ == "__main__":
    EXAMPLE, CLIENT = sys.argv.pop(1), sys.argv.pop(1)
    unittest.main(verbosity=2)
