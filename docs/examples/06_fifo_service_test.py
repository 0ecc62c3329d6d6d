"""Runs step 6 of docs/examples/README.md: starts the service on a pipe pair,
runs the client script against it as a user would, and checks what both
print.
Usage: 06_fifo_service_test.py BINARY"""
import os
import subprocess
import sys
import tempfile

from example_process import Example

CLIENT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "06_fifo_client.py")

with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "run", "service")
    with Example([sys.argv[1], path]) as service:
        assert service.wait_for("ready fifo=") == f"ready fifo={path}"
        client = subprocess.run([sys.executable, CLIENT, path, "--shutdown"],
                                capture_output=True, text=True, timeout=60)
        assert client.returncode == 0, client.stderr
        assert client.stdout == (
            "/double 21 -> 42.0\n"
            "/double 'abc' -> TypeError - /double takes a number, not \"abc\"\n"
            "/triple 1 -> NotFound - no route /triple\n"
            "in message order: [0.3, 2.0, 4.0]\n"
            "/shutdown -> None\n"), client.stdout
        assert service.wait() == 0
        assert service.stdout[-1] == "stopped\n", service.stdout
        for end in (".1", ".2"):
            assert not os.path.exists(path + end), f"{path + end} outlived the service"
print("06_fifo_service: ok")
