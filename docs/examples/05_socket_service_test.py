"""Runs step 5 of docs/examples/README.md: starts the service on a Unix
socket, runs the client script against it as a user would, and checks what
both print.
Usage: 05_socket_service_test.py BINARY"""
import os
import subprocess
import sys
import tempfile

from example_process import Example

CLIENT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "05_socket_client.py")

with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "run", "service.sock")
    with Example([sys.argv[1], path]) as service:
        assert service.wait_for("ready socket=") == f"ready socket={path}"
        assert os.stat(path).st_mode & 0o777 == 0o600
        client = subprocess.run([sys.executable, CLIENT, path, "--shutdown"],
                                capture_output=True, text=True, timeout=60)
        assert client.returncode == 0, client.stderr
        assert client.stdout == (
            "/double 21 -> 42.0\n"
            "/double 'abc' -> TypeError - /double takes a number, not \"abc\"\n"
            "/triple 1 -> NotFound - no route /triple\n"
            "answered first to last: fast slow\n"
            "/shutdown -> None\n"), client.stdout
        assert service.wait() == 0
        assert service.stdout[-1] == "stopped\n", service.stdout
        assert not os.path.exists(path), "the socket file outlived the service"
print("05_socket_service: ok")
