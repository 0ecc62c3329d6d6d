"""System tests of worker processes: actorserve-example --workers=N serves its
routes in N child processes of the same executable, restarts those it loses,
notices frozen ones, and stops them all with itself.
Usage: workers_test.py EXAMPLE_BINARY"""
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

from multiprocessing.connection import Connection

from service import Service, gone

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "apps", "python"))
from actorserve_client import SocketClient  # noqa: E402

EXAMPLE = None


def wait_until(predicate, timeout, what, interval=0.05):
    """Polls predicate until it returns a true value, which is returned; fails
    the test naming what it waited for after timeout seconds."""
    end = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(interval)


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().split(b"\0")
    except OSError:
        return []


def processes_with_argument(argument):
    """The live processes whose command line holds argument (a path unique to
    one test, which every worker inherits from its supervisor's)."""
    needle = argument.encode()
    return {int(p) for p in os.listdir("/proc")
            if p.isdigit() and any(needle in a for a in cmdline(p)) and not gone(p)}


def kill_ours(pid):
    """SIGKILL pid if it still runs our binary (not a reused process id)."""
    args = cmdline(pid)
    if args and args[0] == EXAMPLE.encode() and not gone(pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def pids_in_log(lines):
    """Every process id the service's log names: 'actorserve[PID]' prefixes
    and 'worker N (pid PID)'."""
    text = "".join(lines)
    return ({int(p) for p in re.findall(r"actorserve\[(\d+)\]", text)}
            | {int(p) for p in re.findall(r"\(pid (\d+)\)", text)})


class Http:
    """One keep-alive connection; reconnects after a connection error."""

    def __init__(self, endpoint, timeout=15):
        host, port = endpoint.rsplit(":", 1)
        self.host, self.port, self.timeout = host, int(port), timeout
        self.conn = None

    def json(self, method, path, body=None):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            self.conn.request(method, path, body=None if body is None else json.dumps(body))
            r = self.conn.getresponse()
            raw = r.read()
        except Exception:
            self.close()
            raise
        if r.getheader("Connection", "").lower() == "close":
            self.close()
        return r.status, json.loads(raw) if raw else None

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def call_once(endpoint, method, path, body=None):
    """One call on a connection of its own."""
    client = Http(endpoint)
    try:
        return client.json(method, path, body)
    finally:
        client.close()


class Load:
    """Threads that call the service in a loop, each on its own keep-alive
    connection, and record every call: (route, body, sent, ended, status,
    answer or exception)."""

    def __init__(self, endpoint, plan):
        self.endpoint = endpoint
        self.calls = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(route, body), daemon=True)
                        for route, body in plan]

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def run(self, route, body):
        client = Http(self.endpoint)
        n = 0
        while not self.stop.is_set():
            value = body if body is not None else n
            n += 1
            sent = time.monotonic()
            try:
                status, answer = client.json("POST", route, value)
            except Exception as e:  # recorded; the test judges it
                status, answer = None, e
                time.sleep(0.01)  # no tight loop against a closed port
            with self.lock:
                self.calls.append((route, value, sent, time.monotonic(), status, answer))
        client.close()

    def count(self, since=0.0):
        with self.lock:
            return sum(1 for c in self.calls if c[2] >= since)

    def finish(self, test):
        self.stop.set()
        for t in self.threads:
            t.join(15)
            test.assertFalse(t.is_alive(), "a call of the load hangs")
        return list(self.calls)


class WorkersTest(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory(prefix="actorserve-workers-")
        self.addCleanup(tmp.cleanup)
        self.dir = tmp.name
        self.svc = self.contexts = None
        self.learned = set()  # worker pids seen through /info, /healthz or the log
        self.addCleanup(self.kill_everything)

    def contexts_file(self, contexts):
        path = os.path.join(self.dir, "contexts.json")
        with open(path, "w") as f:
            json.dump(contexts, f)
        return path

    def start(self, contexts, *extra):
        """Starts len(contexts) workers; the contexts file's path, unique to
        this test, is in every worker's command line too."""
        self.contexts = self.contexts_file(contexts)
        self.svc = Service([EXAMPLE, f"--workers={len(contexts)}", "--http-port=0",
                            f"--worker-contexts={self.contexts}", *extra])
        self.assertEqual(self.svc.endpoint("workers"), str(len(contexts)))
        self.endpoint = self.svc.endpoint("http")
        self.client = Http(self.endpoint)
        self.addCleanup(self.client.close)
        return self.svc

    def kill_everything(self):
        """The main first (so it starts no more workers), then every worker:
        those learned, those the log names, those whose command line holds
        this test's unique path (also when the start itself failed)."""
        main, others = None, set(self.learned)
        if self.svc is not None:
            main = self.svc.proc.pid
            if self.svc.proc.poll() is None:
                os.kill(main, signal.SIGKILL)
                self.svc.proc.wait()
            others |= pids_in_log(self.svc.stderr_lines)
        if self.contexts is not None:
            others |= processes_with_argument(self.contexts)
        for pid in others - {main}:
            kill_ours(pid)
        if self.svc is not None:
            self.svc.kill()  # joins the readers: every holder of the pipes is gone

    def sleep_call(self, seconds, sent, results, key):
        """POST /sleep on a connection of its own; meets `sent` once the
        request is written; records (status, answer or exception, when it
        ended) as results[key]."""
        host, port = self.endpoint.rsplit(":", 1)
        conn = http.client.HTTPConnection(host, int(port), timeout=15)
        try:
            conn.request("POST", "/sleep", body=seconds)
            sent.wait(10)
            r = conn.getresponse()
            results[key] = (r.status, json.loads(r.read()), time.monotonic())
        except Exception as e:  # judged by the test
            results[key] = (None, e, time.monotonic())
        conn.close()

    def healthz(self):
        status, body = call_once(self.endpoint, "GET", "/healthz")
        for w in body.get("workers", []):
            if w.get("pid"):
                self.learned.add(w["pid"])
        return status, body

    def workers(self):
        """/healthz's workers by index."""
        return {w["index"]: w for w in self.healthz()[1]["workers"]}

    def info(self):
        status, body = self.client.json("POST", "/info")
        self.assertEqual(status, 200, body)
        self.learned.add(body["pid"])
        return body

    def info_of(self, index, tries=20):
        """/info as served by worker index (calls rotate among workers)."""
        for _ in range(tries):
            body = self.info()
            if body["worker_index"] == index:
                return body
        self.fail(f"{tries} calls of /info never reached worker {index}")

    def stderr(self):
        return "".join(self.svc.stderr_lines)

    def assert_worker_lost(self, status, answer):
        self.assertEqual(status, 502, answer)
        self.assertEqual(answer["error"]["type"], "WorkerLost", answer)

    def wait_restarted(self, index, old_pid, restarts, timeout=10):
        """Waits until /healthz shows worker index ready again in a new
        process; returns its /healthz entry."""
        def restarted():
            w = self.workers()[index]
            return w if w["state"] == "ready" and w["pid"] not in (0, old_pid) else None
        w = wait_until(restarted, timeout, f"worker {index} ready again after pid {old_pid}")
        self.assertEqual(w["restarts"], restarts, w)
        return w

    # -- the tests ---------------------------------------------------------

    def test_calls_spread_over_workers_each_with_its_context(self):
        svc = self.start(["a", "b", "c", "d"])
        main = svc.proc.pid
        self.assertEqual(int(svc.endpoint("pid")), main)
        seen = {}
        counts = {}
        for _ in range(40):
            body = self.info()
            i = body["worker_index"]
            counts[i] = counts.get(i, 0) + 1
            self.assertEqual(body["worker_context"], "abcd"[i], body)
            # One worker, one process: its pid never changes between calls.
            self.assertEqual(seen.setdefault(i, body["pid"]), body["pid"], body)
        self.assertEqual(sorted(seen), [0, 1, 2, 3], counts)
        self.assertEqual(len(set(seen.values())), 4, seen)
        self.assertNotIn(main, seen.values())
        for i in range(4):
            self.assertGreaterEqual(counts[i], 5, f"sequential calls do not spread: {counts}")
        status, body = self.healthz()
        self.assertEqual((status, body["status"]), (200, "serving"), body)
        self.assertEqual([(w["index"], w["state"], w["pid"], w["restarts"])
                          for w in body["workers"]],
                         [(i, "ready", seen[i], 0) for i in range(4)])

    def test_a_worker_that_cannot_start_fails_the_start(self):
        contexts = self.contexts_file([0, 1, {"fail_start": "boom"}, 3])
        with open(os.path.join(self.dir, "out"), "w+") as out, \
                open(os.path.join(self.dir, "err"), "w+") as err:
            proc = subprocess.Popen([EXAMPLE, "--workers=4", "--http-port=0",
                                     f"--worker-contexts={contexts}"], stdout=out, stderr=err)
            try:
                code = proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                code = "still running after 20 s"
            finally:
                # Whatever happened: no process of this test outlives it.
                for pid in processes_with_argument(contexts):
                    kill_ours(pid)
            out.seek(0)
            err.seek(0)
            stdout, stderr = out.read(), err.read()
        self.assertNotIn(code, (0, "still running after 20 s"), stderr)
        self.assertNotIn("ready", stdout)
        self.assertIn("worker 2", stderr)
        self.assertIn("boom", stderr)
        self.assertRegex(stderr, r"worker 2 \(pid \d+\) failed to start: .*boom")
        named = {int(p) for p in re.findall(r"\(pid (\d+)\)", stderr)}
        self.assertTrue(named, stderr)
        for pid in named:
            self.assertTrue(gone(pid), f"worker pid {pid} still runs")
        self.assertEqual(processes_with_argument(contexts), set(),
                         "worker processes outlived the failed start")

    def test_a_killed_worker_fails_its_calls_at_once_and_comes_back(self):
        self.start(["w0", "w1"], "--http-call-timeout=5")
        before = self.workers()
        victim = before[0]["pid"]
        load = Load(self.endpoint, [("/sleep", 0.3)] * 4 + [("/double", None)] * 2).start()
        try:
            wait_until(lambda: load.count() >= 20, 10, "20 calls of the load answered")
            killed_at = time.monotonic()
            os.kill(victim, signal.SIGKILL)
            back = self.wait_restarted(0, victim, restarts=1)
            back_at = time.monotonic()
            wait_until(lambda: load.count(since=back_at) >= 20, 10,
                       "20 calls answered after the restart")
        finally:
            calls = load.finish(self)
        self.learned.add(back["pid"])
        lost = []
        for route, value, sent, ended, status, answer in calls:
            self.assertLess(ended - sent, 5 + 1, f"{route} {value} hung: {answer}")
            if status == 502:
                self.assert_worker_lost(status, answer)
                lost.append((route, sent, ended))
            else:
                expected = 0.3 if route == "/sleep" else 2 * value
                self.assertEqual((status, answer), (200, expected), (route, value))
            if sent > back_at:
                self.assertEqual(status, 200, f"after the restart: {route} {answer}")
        # The calls the dead worker held failed right away, not at their
        # 5 s deadline; no call failed that was sent long after the kill.
        in_flight = [c for c in calls if c[2] < killed_at < c[3]]
        self.assertTrue(any(c[4] == 502 and c[0] == "/sleep" for c in in_flight),
                        f"no /sleep in flight at the kill got 502: {in_flight}")
        for route, sent, ended in lost:
            self.assertLess(ended - killed_at, 1.0, f"a {route} failed late")
            self.assertGreater(ended, killed_at)
        # The same index, in a new process, with the same context.
        body = self.info_of(0)
        self.assertEqual((body["pid"], body["worker_context"]), (back["pid"], "w0"))
        self.assertNotEqual(body["pid"], victim)
        self.assertTrue(gone(victim))
        w = self.workers()
        self.assertEqual((w[1]["state"], w[1]["pid"], w[1]["restarts"]),
                         ("ready", before[1]["pid"], 0))
        self.assertEqual(self.healthz()[0], 200)
        log = self.stderr()
        self.assertIn(f"worker 0 (pid {victim}) was lost", log)
        self.assertIn("restarting worker 0", log)

    def test_a_frozen_worker_is_noticed_killed_and_replaced(self):
        self.start(["f0", "f1"], "--heartbeat-interval=0.2", "--heartbeat-timeout=1",
                   "--http-call-timeout=10")
        before = self.workers()
        frozen = before[1]["pid"]
        # Two slow calls at once: the least loaded worker takes the second,
        # so each worker holds one.
        results = {}
        sent = threading.Barrier(3)
        threads = [threading.Thread(target=self.sleep_call, args=("3", sent, results, n),
                                    daemon=True) for n in "AB"]
        for t in threads:
            t.start()
        sent.wait(10)  # both requests are written
        # Two round trips of another route: the gateway has taken both
        # slow calls by the time they come back.
        for n in (1, 2):
            self.assertEqual(self.client.json("POST", "/double", n), (200, 2 * n))
        self.assertEqual(results, {}, "a slow call ended early")
        stopped_at = time.monotonic()
        os.kill(frozen, signal.SIGSTOP)
        for t in threads:
            t.join(15)
        self.assertEqual(sorted(results), ["A", "B"])
        outcomes = sorted(results.values(), key=lambda r: r[0] or 0)
        self.assertEqual([r[0] for r in outcomes], [200, 502],
                         f"one slow call on each worker, one of them frozen: {outcomes}")
        (ok_status, ok_answer, ok_at), (lost_status, lost_answer, lost_at) = outcomes
        self.assertEqual(ok_answer, 3)
        self.assert_worker_lost(lost_status, lost_answer)
        self.assertLess(lost_at - stopped_at, 2.5, "the frozen worker's call failed late")
        wait_until(lambda: gone(frozen), 3, f"the frozen worker {frozen} killed")
        back = self.wait_restarted(1, frozen, restarts=1)
        self.learned.add(back["pid"])
        body = self.info_of(1)
        self.assertEqual((body["pid"], body["worker_context"]), (back["pid"], "f1"))
        self.assertEqual(self.workers()[0]["pid"], before[0]["pid"])
        self.assertIn("did not answer heartbeats", self.stderr())

    def test_stop_answers_every_admitted_call_and_stops_every_worker(self):
        svc = self.start(["s0", "s1", "s2"])
        pids = {w["pid"] for w in self.workers().values()}
        self.assertEqual(len(pids), 3)
        sleepers = {}
        sent = threading.Barrier(9)
        threads = [threading.Thread(target=self.sleep_call, args=("0.5", sent, sleepers, n),
                                    daemon=True) for n in range(8)]
        load = Load(self.endpoint, [("/double", None)] * 3).start()
        try:
            for t in threads:
                t.start()
            sent.wait(10)  # every /sleep request is written
            # The gateway has read them once other connections have had a
            # few more round trips.
            since = time.monotonic()
            wait_until(lambda: load.count(since) >= 9, 5, "round trips after the sleeps")
            stop_at = time.monotonic()
            self.assertEqual(call_once(self.endpoint, "POST", "/stop"),
                             (200, {"status": "stopping"}))
            self.assertEqual(svc.wait(10), 0, self.stderr())
            exited_at = time.monotonic()
            for t in threads:
                t.join(10)
        finally:
            calls = load.finish(self)
        self.assertEqual(sorted(sleepers), list(range(8)))
        for status, answer, ended in sleepers.values():
            self.assertEqual((status, answer), (200, 0.5))
            self.assertGreater(ended, stop_at, "a /sleep ended before the stop: test too slow")
        self.assertLess(exited_at - stop_at, 3)
        for route, value, sent_at, ended, status, answer in calls:
            if sent_at < stop_at:
                # Sent before the stop: answered; or it reached the gateway
                # after the stop did (another connection) and was refused,
                # never admitted; or (read ahead, not yet taken) its
                # connection closes with no answer, as HTTP allows.
                if status == 503:
                    self.assertEqual(answer["error"]["type"], "ShuttingDown", answer)
                elif status is not None:
                    self.assertIn((status, answer), [(200, 2 * value)], answer)
                else:
                    self.assertGreater(ended, stop_at, answer)
                    self.assertIsInstance(answer, (ConnectionError, http.client.HTTPException))
            elif status is not None:
                self.assertIn(status, (200, 503), answer)
                if status == 503:
                    self.assertEqual(answer["error"]["type"], "ShuttingDown", answer)
        # The main waited for its workers: none outlives it.
        for pid in pids:
            self.assertTrue(gone(pid), f"worker pid {pid} outlived its main")
        self.assertEqual(processes_with_argument(self.contexts), set())
        self.assertIn("shutting down", self.stderr())

    def test_workers_leave_when_the_main_process_is_killed(self):
        svc = self.start(["k0", "k1"])
        pids = {w["pid"] for w in self.workers().values()}
        self.assertEqual(len(pids), 2)
        killed_at = time.monotonic()
        os.kill(svc.proc.pid, signal.SIGKILL)
        svc.proc.wait()
        for pid in pids:
            wait_until(lambda: gone(pid), 10, f"worker pid {pid} gone after its main")
        self.assertLess(time.monotonic() - killed_at, 10)
        self.assertEqual(processes_with_argument(self.contexts), set())

    def test_heartbeats_keep_their_interval_after_a_restart(self):
        # A timeout just above the interval: a ping that came late after the
        # supervisor settled again would have the healthy worker killed.
        self.start(["h0", "h1"], "--heartbeat-interval=0.2", "--heartbeat-timeout=0.3")
        w = self.workers()
        first, other = w[0]["pid"], w[1]["pid"]
        for restarts in (1, 2, 3):
            os.kill(first, signal.SIGKILL)
            first = self.wait_restarted(0, first, restarts=restarts)["pid"]
            time.sleep(1.0)  # five heartbeat intervals, settled
        w = self.workers()
        self.assertEqual((w[0]["state"], w[0]["pid"], w[0]["restarts"]), ("ready", first, 3), w)
        self.assertEqual((w[1]["state"], w[1]["pid"], w[1]["restarts"]), ("ready", other, 0), w)
        self.assertNotIn("did not answer heartbeats", self.stderr())

    def test_a_worker_restarted_too_often_is_marked_failed(self):
        self.start(["r0", "r1"], "--max-restarts=1")
        w = self.workers()
        first, other = w[0]["pid"], w[1]["pid"]
        os.kill(first, signal.SIGKILL)
        second = self.wait_restarted(0, first, restarts=1)["pid"]
        self.assertEqual(self.info_of(0)["pid"], second)
        os.kill(second, signal.SIGKILL)

        def degraded():
            status, body = self.healthz()
            return (status, body) if body["status"] == "degraded" else None
        status, body = wait_until(degraded, 10, "/healthz degraded")
        self.assertEqual(status, 503, body)
        w = {x["index"]: x for x in body["workers"]}
        self.assertEqual((w[0]["state"], w[0]["restarts"]), ("failed", 1), body)
        self.assertEqual((w[1]["state"], w[1]["pid"]), ("ready", other), body)
        wait_until(lambda: gone(second), 3, f"killed worker {second} reaped")
        # Worker 1 serves alone.
        for n in range(6):
            self.assertEqual(self.client.json("POST", "/double", n), (200, 2 * n))
            self.assertEqual(self.info()["pid"], other)
        self.assertIn("marked failed", self.stderr())
        # It stays failed: no new process takes slot 0.
        self.assertEqual(processes_with_argument(self.contexts) - {self.svc.proc.pid},
                         {other})

    def test_every_gateway_reaches_the_workers_and_the_socket_shutdown_stops_them(self):
        sock = os.path.join(self.dir, "s.sock")
        fifo = os.path.join(self.dir, "pipe")
        svc = self.start(["s0", "s1"], f"--socket-path={sock}", f"--fifo-path={fifo}")
        with SocketClient(path=sock, num_connections=2) as c:
            seen = {}
            for _ in range(10):
                info = c.submit("/info", None).result(10)
                seen[info["worker_index"]] = info
            self.assertEqual(set(seen), {0, 1})
            self.assertEqual(seen[1]["worker_context"], "s1")
            self.learned |= {info["pid"] for info in seen.values()}
            self.assertEqual(c.submit("/double", 5).result(10), 10)
        writer = Connection(os.open(fifo + ".1", os.O_RDWR), readable=False)
        reader = Connection(os.open(fifo + ".2", os.O_RDONLY), writable=False)
        try:
            fifo_seen = set()
            for _ in range(10):
                writer.send_bytes(json.dumps(["/info", None]).encode())
                fifo_seen.add(json.loads(reader.recv_bytes())["ok"]["worker_index"])
            self.assertEqual(fifo_seen, {0, 1})
        finally:
            writer.close()
            reader.close()
        with SocketClient(path=sock, num_connections=1) as c:
            c.submit("/shutdown", None).result(10)
        self.assertEqual(svc.wait(15), 0, "".join(svc.stderr_lines))
        for pid in {info["pid"] for info in seen.values()}:
            wait_until(lambda: gone(pid), 5, f"worker pid {pid} gone")

    def in_background(self, method, path, body=None):
        """Starts a call on its own thread; returns a function that waits
        for its (status, answer, seconds taken)."""
        result = {}

        def run():
            start = time.monotonic()
            try:
                result["r"] = call_once(self.endpoint, method, path, body)
            except Exception as e:  # judged by the test
                result["r"] = (None, e)
            result["t"] = time.monotonic() - start
        t = threading.Thread(target=run, daemon=True)
        t.start()

        def wait(timeout=20):
            t.join(timeout)
            self.assertFalse(t.is_alive(), f"{path} still waiting after {timeout} s")
            return result["r"][0], result["r"][1], result["t"]
        return wait

    def test_a_second_signal_stops_the_workers_at_once(self):
        svc = self.start([0, 1])
        pids = {w["pid"] for w in self.workers().values()}
        slow = [self.in_background("POST", "/sleep", 15) for _ in range(2)]
        wait_until(lambda: self.healthz()[0] == 200, 5, "serving")
        time.sleep(0.3)  # both calls admitted
        start = time.monotonic()
        svc.signal(signal.SIGTERM)
        time.sleep(0.3)
        svc.signal(signal.SIGTERM)
        self.assertEqual(svc.wait(8), 0, "".join(svc.stderr_lines))
        self.assertLess(time.monotonic() - start, 5)
        for pid in pids:
            wait_until(lambda: gone(pid), 5, f"worker pid {pid} gone")
        for wait in slow:
            status, answer, _ = wait()
            self.assertNotEqual(status, 200, answer)  # not finished: stopped

    def test_a_leaving_worker_that_dies_fails_its_calls_at_once(self):
        self.start([0, 1], "--http-call-timeout=20")
        target = self.workers()[0]["pid"]
        # Fill worker 0 with a long call (the spread puts one on each).
        calls = [self.in_background("POST", "/sleep", 10) for _ in range(2)]
        time.sleep(0.5)
        os.kill(target, signal.SIGTERM)  # it leaves: drains its calls
        wait_until(lambda: self.workers()[0]["state"] == "leaving", 5, "worker 0 leaving")
        killed = time.monotonic()
        os.kill(target, signal.SIGKILL)
        lost = []
        for wait in calls:
            status, answer, took = wait(15)
            if status == 502:
                self.assertEqual(answer["error"]["type"], "WorkerLost", answer)
                lost.append(took)
        self.assertEqual(len(lost), 1, "one call ran on the worker that died")
        self.assertLess(time.monotonic() - killed, 11)  # the other one finished at 10 s
        wait_until(lambda: self.workers()[0]["state"] == "ready"
                   and self.workers()[0]["pid"] != target, 10, "worker 0 replaced")

    def test_a_frozen_joined_worker_does_not_hold_the_supervisors_exit(self):
        secret = os.path.join(self.dir, "secret")
        with open(secret, "w") as f:
            f.write("a-secret-for-this-test-only\n")
        os.chmod(secret, 0o600)  # secret files are private, or refused
        svc = self.start([0, 1], "--node-port=0", f"--secret-file={secret}",
                         "--heartbeat-interval=0.2", "--heartbeat-timeout=5")
        joined = subprocess.Popen([EXAMPLE, "--join=" + svc.endpoint("node"),
                                   f"--secret-file={secret}", f"--worker-contexts={self.contexts}"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.learned.add(joined.pid)
        self.addCleanup(joined.wait)
        wait_until(lambda: 2 in self.workers() and self.workers()[2]["state"] == "ready", 10,
                   "the joined worker ready")
        os.kill(joined.pid, signal.SIGSTOP)
        start = time.monotonic()
        self.assertEqual(call_once(self.endpoint, "POST", "/stop")[0], 200)
        self.assertEqual(svc.wait(20), 0, "".join(svc.stderr_lines))
        self.assertLess(time.monotonic() - start, 15)
        self.assertIn("no longer waiting for it", "".join(svc.stderr_lines))
        # Woken, the joined worker finds its supervisor gone and leaves.
        os.kill(joined.pid, signal.SIGCONT)
        self.assertEqual(joined.wait(15), 0)

    def test_a_worker_joins_with_the_secret_from_its_environment(self):
        secret = "a-secret-from-the-environment"
        env = dict(os.environ, ACTORSERVE_SECRET=secret)
        # A path unique to this test, in the command line, for the clean-up.
        self.contexts = os.path.join(self.dir, "s.sock")
        self.svc = Service([EXAMPLE, "--workers=0", "--node-port=0", "--http-port=0",
                            f"--socket-path={self.contexts}"], env=env)
        self.endpoint = self.svc.endpoint("http")
        self.assertEqual(self.healthz(), (503, {"status": "no worker ready", "workers": []}))
        joined = subprocess.Popen([EXAMPLE, "--join=" + self.svc.endpoint("node"),
                                   "--worker-context=\"env\""],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  text=True)
        self.learned.add(joined.pid)
        self.addCleanup(joined.stderr.close)
        self.addCleanup(joined.wait)
        wait_until(lambda: self.healthz()[0] == 200, 10, "the joined worker serving")
        status, body = call_once(self.endpoint, "POST", "/info")
        self.assertEqual((status, body["worker_index"], body["worker_context"], body["pid"]),
                         (200, 0, "env", joined.pid))
        self.assertEqual(call_once(self.endpoint, "POST", "/stop")[0], 200)
        self.assertEqual(self.svc.wait(15), 0, "".join(self.svc.stderr_lines))
        self.assertEqual(joined.wait(15), 0, joined.stderr.read())
        # A joined worker has no process to reap: the log says it left.
        self.assertRegex("".join(self.svc.stderr_lines),
                         rf"(?m)worker 0 \(pid {joined.pid}\) from \S+ has left( \(.*\))?$")

    def test_a_joined_worker_that_leaves_on_its_own_is_logged_as_left_not_lost(self):
        secret = "a-secret-from-the-environment"
        env = dict(os.environ, ACTORSERVE_SECRET=secret)
        self.contexts = os.path.join(self.dir, "left.sock")  # unique, for the clean-up
        self.svc = Service([EXAMPLE, "--workers=0", "--node-port=0", "--http-port=0",
                            f"--socket-path={self.contexts}"], env=env)
        self.endpoint = self.svc.endpoint("http")
        joined = subprocess.Popen([EXAMPLE, "--join=" + self.svc.endpoint("node")], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.learned.add(joined.pid)
        self.addCleanup(joined.wait)
        wait_until(lambda: self.healthz()[0] == 200, 10, "the joined worker serving")
        joined.send_signal(signal.SIGTERM)
        self.assertEqual(joined.wait(15), 0)
        wait_until(lambda: any("has left" in line for line in self.svc.stderr_lines), 10,
                   "the supervisor logging that the worker left")
        log = "".join(self.svc.stderr_lines)
        self.assertRegex(log, rf"worker 0 \(pid {joined.pid}\) from \S+ is leaving")
        self.assertNotIn("was lost", log)
        self.assertEqual(call_once(self.endpoint, "POST", "/stop")[0], 200)
        self.assertEqual(self.svc.wait(15), 0)

    def test_a_join_gives_up_at_its_timeout_on_a_port_that_never_answers(self):
        # A listener that takes the connection and says nothing (a TLS port,
        # to a worker without TLS, does that).
        with socket.socket() as silent:
            silent.bind(("127.0.0.1", 0))
            silent.listen(8)
            port = silent.getsockname()[1]
            secret = os.path.join(self.dir, "join.secret")
            with open(secret, "w") as f:
                f.write("x" * 32)
            os.chmod(secret, 0o600)
            start = time.monotonic()
            p = subprocess.run([EXAMPLE, f"--join=127.0.0.1:{port}", f"--secret-file={secret}",
                                "--join-timeout=1"], capture_output=True, text=True, timeout=30)
            took = time.monotonic() - start
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn(f"cannot reach the supervisor at 127.0.0.1:{port}", p.stderr)
        self.assertLess(took, 4, "the join outlived its 1 s timeout by far")

    def test_signals_during_the_start_end_it_cleanly(self):
        self.contexts = self.contexts_file([0, 1])
        for gap in (0.001, 0.01, 0.05):
            proc = subprocess.Popen([EXAMPLE, "--workers=2", "--http-port=0",
                                     f"--worker-contexts={self.contexts}"],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            # The start is under way once the first worker process exists.
            wait_until(lambda: len(processes_with_argument(self.contexts)) >= 2, 10,
                       "a worker process started", interval=0.001)
            proc.send_signal(signal.SIGINT)
            time.sleep(gap)
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=20)
            self.assertIn(proc.returncode, (0, 1), err)
            self.assertNotIn("terminate", err)
            self.assertNotIn("pure virtual", err)
            wait_until(lambda: not processes_with_argument(self.contexts), 5,
                       "no worker left after an interrupted start")


if __name__ == "__main__":
    EXAMPLE = sys.argv.pop(1)
    unittest.main(verbosity=2)
