#!/usr/bin/env python3
"""Soak: drives all three gateways of a real actorserve-example with good
and bad input while worker processes are killed and frozen, for a given
time, then checks that every call admitted was answered (never lost, never
answered twice), and that the supervisor's memory and descriptor counts came
back to their level. Prints one line:

  SOAK seconds=... calls=... ok=... errors=... problems=0 ... rss_start_mib=... rss_end_mib=...

and exits 0 when every check held. Standard library only.
Usage: soak.py EXAMPLE_BINARY [SECONDS]"""
import collections
import http.client
import json
import os
import random
import signal
import socket
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "system"))
from service import Service, rss_mib  # noqa: E402
from wire import RawConnection, python_end, record  # noqa: E402

# What a good call may be answered with while workers come and go.
ALLOWED_ERRORS = {"WorkerLost", "Timeout", "BacklogFull"}


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = collections.Counter()
        self.problems = []

    def add(self, what):
        with self.lock:
            self.counts[what] += 1

    def problem(self, text):
        with self.lock:
            if len(self.problems) < 20:
                self.problems.append(text)
            self.counts["problems"] += 1


def fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def nested(levels):
    return "[" * levels + "1" + "]" * levels


def http_client(endpoint, stop, tally, rnd):
    host, port = endpoint.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    while not stop.is_set():
        kind = rnd.random()
        try:
            if kind < 0.6:
                x = rnd.randint(0, 10 ** 6)
                conn.request("POST", "/double", body=json.dumps(x))
                r = conn.getresponse()
                body = json.loads(r.read())
                if r.status == 200:
                    if body != 2 * x:
                        tally.problem(f"http /double {x} answered {body}")
                    tally.add("ok")
                elif body.get("error", {}).get("type") in ALLOWED_ERRORS:
                    tally.add("error:" + body["error"]["type"])
                else:
                    tally.problem(f"http /double {x}: {r.status} {body}")
            elif kind < 0.7:
                conn.request("POST", "/sleep", body="0.05")
                r = conn.getresponse()
                r.read()
                tally.add("ok" if r.status == 200 else f"status:{r.status}")
            elif kind < 0.8:
                conn.request("POST", "/echo", body=nested(rnd.choice([129, 5000, 100000])))
                r = conn.getresponse()
                r.read()
                if r.status != 400:
                    tally.problem(f"a deep body got {r.status}")
                tally.add("refused")
            elif kind < 0.9:
                conn.request("POST", "/echo", body="{not json")
                r = conn.getresponse()
                r.read()
                if r.status != 400:
                    tally.problem(f"bad JSON got {r.status}")
                tally.add("refused")
            else:
                # Garbage on a connection of its own: answered 400, closed.
                with socket.create_connection((host, int(port)), timeout=10) as s:
                    s.sendall(bytes(rnd.getrandbits(8) for _ in range(200)) + b"\r\n\r\n")
                    try:
                        while s.recv(65536):
                            pass
                    except (ConnectionResetError, socket.timeout):
                        pass
                tally.add("garbage")
        except (http.client.HTTPException, OSError, ValueError) as e:
            tally.problem(f"http: {type(e).__name__}: {e}")
            conn.close()
            conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.close()


def socket_client(path, stop, tally, rnd):
    conn = RawConnection(path)
    conn.sock.settimeout(30)
    n = 0
    while not stop.is_set():
        n += 1
        try:
            kind = rnd.random()
            if kind < 0.8:
                # A window of calls in flight, answered in any order.
                want = {}
                for i in range(8):
                    x = rnd.randint(0, 10 ** 6)
                    rid = f"{n}.{i}"
                    want[rid] = 2 * x
                    conn.send(record(rid, json.dumps(["/double", x])))
                while want:
                    rid, encoder, payload = conn.read_json()
                    if rid not in want:
                        tally.problem(f"socket: an answer for {rid}, which is not in flight")
                        continue
                    if encoder == "json" and payload == want[rid]:
                        tally.add("ok")
                    elif encoder == "error" and payload["type"] in ALLOWED_ERRORS:
                        tally.add("error:" + payload["type"])
                    else:
                        tally.problem(f"socket {rid}: {encoder} {payload}")
                    del want[rid]
            elif kind < 0.9:
                conn.send(record(f"d{n}", '["/echo", ' + nested(200) + "]"))
                rid, encoder, payload = conn.read_json()
                if (rid, encoder, payload["type"]) != (f"d{n}", "error", "BadRequest"):
                    tally.problem(f"socket deep: {rid} {encoder} {payload}")
                tally.add("refused")
            else:
                # A broken header: an error record, then that connection closes.
                conn.send(b"no header here\n")
                rid, encoder, payload = conn.read_json()
                if encoder != "error":
                    tally.problem(f"socket bad header: {encoder} {payload}")
                conn.is_closed()
                conn.sock.close()
                conn = RawConnection(path)
                conn.sock.settimeout(30)
                tally.add("refused")
        except (OSError, EOFError, ValueError) as e:
            tally.problem(f"socket: {type(e).__name__}: {e} (lost calls in flight)")
            conn.sock.close()
            conn = RawConnection(path)
            conn.sock.settimeout(30)
    conn.sock.close()


def fifo_client(path, stop, tally, rnd):
    reader, writer = python_end(path, "client")
    while not stop.is_set():
        xs = [rnd.randint(0, 10 ** 6) for _ in range(4)]
        for x in xs:
            writer.send_bytes(json.dumps(["/double", x]).encode())
        writer.send_bytes(b"{broken")
        for x in xs:  # in order
            reply = json.loads(reader.recv_bytes())
            if reply.get("ok") == 2 * x:
                tally.add("ok")
            elif reply.get("error", {}).get("type") in ALLOWED_ERRORS:
                tally.add("error:" + reply["error"]["type"])
            else:
                tally.problem(f"fifo /double {x}: {reply}")
        if json.loads(reader.recv_bytes()).get("error", {}).get("type") != "BadRequest":
            tally.problem("fifo: bad JSON not refused")
        tally.add("refused")


def worker_pids(endpoint):
    host, port = endpoint.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request("GET", "/healthz")
        r = conn.getresponse()
        body = json.loads(r.read())
        return [w["pid"] for w in body.get("workers", []) if w["state"] == "ready"]
    finally:
        conn.close()


def chaos(endpoint, stop, tally, rnd):
    while not stop.wait(rnd.uniform(3, 6)):
        try:
            pids = worker_pids(endpoint)
        except (OSError, ValueError, http.client.HTTPException):
            continue
        if len(pids) < 2:
            continue  # keep one serving
        pid = rnd.choice(pids)
        try:
            if rnd.random() < 0.5:
                os.kill(pid, signal.SIGKILL)
                tally.add("chaos:kill")
            else:
                os.kill(pid, signal.SIGSTOP)
                stop.wait(rnd.uniform(0.5, 2))
                os.kill(pid, signal.SIGCONT)
                tally.add("chaos:freeze")
        except ProcessLookupError:
            pass


def wait_serving(endpoint, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if len(worker_pids(endpoint)) == 2:
                return True
        except (OSError, ValueError, http.client.HTTPException):
            pass
        time.sleep(0.2)
    return False


def main():
    binary = sys.argv[1]
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 60
    tmp = tempfile.TemporaryDirectory()
    sock = os.path.join(tmp.name, "svc.sock")
    fifo = os.path.join(tmp.name, "svc")
    svc = Service([binary, "--workers=2", "--http-port=0", f"--socket-path={sock}",
                   f"--fifo-path={fifo}", "--heartbeat-interval=0.2", "--heartbeat-timeout=1",
                   "--max-restarts=1000", "--http-call-timeout=10"])
    tally = Tally()
    try:
        endpoint = svc.endpoint("http")
        rnd = random.Random(1)
        # Warm up, then take the level to come back to.
        warm = threading.Event()
        t = threading.Thread(target=http_client, args=(endpoint, warm, Tally(), random.Random(0)))
        t.start()
        time.sleep(2)
        warm.set()
        t.join()
        rss_start, fds_start = rss_mib(svc.proc.pid), fds(svc.proc.pid)
        stop = threading.Event()
        threads = [threading.Thread(target=http_client, args=(endpoint, stop, tally,
                                                              random.Random(10 + i)))
                   for i in range(3)]
        threads += [threading.Thread(target=socket_client, args=(sock, stop, tally,
                                                                 random.Random(20 + i)))
                    for i in range(2)]
        threads.append(threading.Thread(target=fifo_client, args=(fifo, stop, tally,
                                                                  random.Random(30))))
        threads.append(threading.Thread(target=chaos, args=(endpoint, stop, tally, rnd)))
        for th in threads:
            th.daemon = True
            th.start()
        time.sleep(seconds)
        stop.set()
        for th in threads:
            th.join(60)
            if th.is_alive():
                tally.problem(f"a client thread did not finish: {th.name} (a call never answered)")
        serving = wait_serving(endpoint, 30)
        if not serving:
            tally.problem("the workers did not come back to serving")
        time.sleep(1)
        rss_end, fds_end = rss_mib(svc.proc.pid), fds(svc.proc.pid)
        if rss_end > rss_start * 1.5 + 20:
            tally.problem(f"RSS grew from {rss_start:.1f} MiB to {rss_end:.1f} MiB")
        if fds_end > fds_start + 4:
            tally.problem(f"descriptors grew from {fds_start} to {fds_end}")
        svc.signal(signal.SIGTERM)
        code = svc.wait(60)
        if code != 0:
            tally.problem(f"the service exited {code} on SIGTERM")
    finally:
        svc.kill()
        tmp.cleanup()
    c = tally.counts
    errors = sum(v for k, v in c.items() if k.startswith("error:"))
    print(f"SOAK seconds={seconds:g} calls={c['ok'] + errors} ok={c['ok']} errors={errors} "
          f"refused={c['refused']} garbage={c['garbage']} kills={c['chaos:kill']} "
          f"freezes={c['chaos:freeze']} problems={c['problems']} rss_start_mib={rss_start:.1f} "
          f"rss_end_mib={rss_end:.1f} fds_start={fds_start} fds_end={fds_end} "
          + " ".join(f"{k}={v}" for k, v in sorted(c.items()) if k.startswith("error:"))
          + f" settings: workers=2 gateways=http,socket,fifo clients=3+2+1")
    for p in tally.problems:
        print("  problem:", p)
    return 0 if not tally.problems else 1


if __name__ == "__main__":
    sys.exit(main())
