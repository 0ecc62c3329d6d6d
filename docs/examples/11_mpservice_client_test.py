"""Runs step 11 of docs/examples/README.md: starts the example service on a
Unix socket, runs the client script that speaks as mpservice's SocketClient
does against it, as a user would, and checks what both print.
Usage: 11_mpservice_client_test.py ACTORSERVE_EXAMPLE_BINARY"""
import os
import subprocess
import sys
import tempfile

from example_process import Example, fields

CLIENT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "11_mpservice_client.py")

with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "run", "service.sock")
    with Example([sys.argv[1], f"--socket-path={path}"]) as service:
        assert fields(service.wait_for("ready "))["socket-unix"] == path
        client = subprocess.run([sys.executable, CLIENT, path, "--shutdown"],
                                capture_output=True, text=True, timeout=60)
        assert client.returncode == 0, client.stderr
        assert client.stdout == (
            "/double 23 -> 46\n"
            "stream /double -> [(0, 0), (1, 2), (2, 4), (3, 6), (4, 8)]\n"
            "stream /sleep -> [0.3, 0.1, 0.2]\n"
            "/echo -> [1, b'\\x00', [3]]\n"
            "/missing 1 -> KeyError('no route /missing')\n"
            "/shutdown -> None\n"), client.stdout
        assert service.wait() == 0, "".join(service.stderr)
        assert not os.path.exists(path), "the socket file outlived the service"
print("11_mpservice_client: ok")
