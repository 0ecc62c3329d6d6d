"""System tests of dynamic batching: the example service's /batched route
(batch size 16, wait 20 ms) gathers calls from every gateway and connection,
in one process and with --workers=2.
Usage: batching_test.py EXAMPLE_BINARY"""
import json
import os
import sys
import threading
import unittest
from collections import Counter
from multiprocessing.connection import Connection

from service import every_gateway
from wire import Http, RawConnection, call_record

EXAMPLE = None


class BatchingTest(unittest.TestCase):
    workers = None

    def setUp(self):
        self.svc, self.sock, self.fifo = every_gateway(self, EXAMPLE, self.workers)

    def test_64_concurrent_calls_mostly_share_batches_of_16(self):
        # Four connections of 16 pipelined calls each, sent at once.
        conns = [RawConnection(self.sock) for _ in range(4)]
        for c in conns:
            self.addCleanup(c.close)
        for k, c in enumerate(conns):
            c.send(b"".join(call_record(f"{k}-{i}", "/batched", k * 100 + i) for i in range(16)))
        sizes = []
        for k, c in enumerate(conns):
            for _ in range(16):
                rid, encoder, payload = c.read_json()
                self.assertEqual(encoder, "json", payload)
                conn_no, i = map(int, rid.split("-"))
                self.assertEqual(payload["input"], conn_no * 100 + i)
                self.assertLessEqual(payload["batch"], 16)
                sizes.append(payload["batch"])
        # Each call reports its batch's size: most ran in a batch of 16.
        full = sum(1 for s in sizes if s == 16)
        self.assertGreaterEqual(full, 32, Counter(sizes))

    def test_every_gateway_feeds_the_same_batches(self):
        http = Http(self.svc.endpoint("http"))
        self.addCleanup(http.close)
        writer = Connection(os.open(self.fifo + ".1", os.O_RDWR), readable=False)
        reader = Connection(os.open(self.fifo + ".2", os.O_RDONLY), writable=False)
        self.addCleanup(writer.close)
        self.addCleanup(reader.close)
        conn = RawConnection(self.sock)
        self.addCleanup(conn.close)
        results = {}

        def over_http():
            results["http"] = http.json("POST", "/batched", "h")

        threads = [threading.Thread(target=over_http)]
        conn.send(call_record("s", "/batched", "s"))
        writer.send_bytes(json.dumps(["/batched", "f"]).encode())
        for t in threads:
            t.start()
        rid, encoder, payload = conn.read_json()
        fifo_answer = json.loads(reader.recv_bytes())
        for t in threads:
            t.join(10)
        status, http_answer = results["http"]
        self.assertEqual(status, 200)
        self.assertEqual(http_answer["input"], "h")
        self.assertEqual(payload["input"], "s")
        self.assertEqual(fifo_answer["ok"]["input"], "f")


class BatchingWithWorkersTest(BatchingTest):
    workers = 2


if __name__ == "__main__":
    EXAMPLE = sys.argv.pop(1)
    unittest.main()
