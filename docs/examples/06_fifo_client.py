"""A client of 06_fifo_service over its pair of named pipes, with Python's
standard library alone: copy this file and change the calls. Messages are
framed as multiprocessing.connection frames them; each is the JSON text of
[path, data], each reply {"ok": value} or {"error": {"type", "message"}},
in the order of the messages (docs/pipe.md).

Start the service first: opening the reply pipe waits for it.
Usage: python3 06_fifo_client.py PATH [--shutdown]"""
import json
import os
import stat
import sys
from multiprocessing.connection import Connection


class RemoteError(Exception):
    """The service answered an error: `type` to branch on, `message` to read."""

    def __init__(self, type, message):
        super().__init__(f"{type}: {message}")
        self.type, self.message = type, message


def open_client(path):
    """(reader, writer): the client's ends of the pair at path, opened the way
    mpservice.pipe opens them. The service reads PATH.1 and writes PATH.2."""
    read_path, write_path = path + ".2", path + ".1"
    for p in (read_path, write_path):
        try:
            os.mkfifo(p, 0o600)  # the service insists on private FIFOs
        except FileExistsError:
            if not stat.S_ISFIFO(os.stat(p).st_mode):
                raise
    writer = Connection(os.open(write_path, os.O_RDWR), readable=False)
    # Blocks until the service has opened this FIFO for writing.
    reader = Connection(os.open(read_path, os.O_RDONLY), writable=False)
    return reader, writer


def answer(reply):
    reply = json.loads(reply)
    if "error" in reply:
        raise RemoteError(reply["error"]["type"], reply["error"]["message"])
    return reply["ok"]


def main():
    reader, writer = open_client(sys.argv[1])

    def call(path, data=None, timeout=10):
        writer.send_bytes(json.dumps([path, data]).encode("utf-8"))
        if not reader.poll(timeout):
            raise TimeoutError(f"no reply from {path} within {timeout} s")
        return answer(reader.recv_bytes())

    print("/double 21 ->", call("/double", 21))
    try:
        call("/double", "abc")
    except RemoteError as e:
        print("/double 'abc' ->", e.type, "-", e.message)
    try:
        call("/triple", 1)
    except RemoteError as e:
        print("/triple 1 ->", e.type, "-", e.message)

    # Several messages at once: the calls run at the same time, and the
    # replies come in the order of the messages (there are no ids).
    for message in (["/sleep", 0.3], ["/double", 1], ["/double", 2]):
        writer.send_bytes(json.dumps(message).encode("utf-8"))
    print("in message order:", [answer(reader.recv_bytes()) for _ in range(3)])

    if "--shutdown" in sys.argv[2:]:
        print("/shutdown ->", call("/shutdown"))  # None; the service stops
    writer.close()
    reader.close()


if __name__ == "__main__":
    main()
