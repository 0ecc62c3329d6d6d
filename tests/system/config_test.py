"""System tests of the example's configuration: a TOML file (--config),
ACTORSERVE_* variables and the command line, with flag > environment > file >
default; --print-config; mistakes named with their key and value; the example
config in deploy/ is valid. Usage: config_test.py EXAMPLE_BINARY"""
import os
import pathlib
import subprocess
import sys
import tempfile
import unittest

from service import Service
from wire import Http, RawConnection, call_record

EXAMPLE = None
DEPLOY = pathlib.Path(__file__).resolve().parents[2] / "deploy"


def clean_env(**extra):
    """This process's environment without ACTORSERVE_* variables, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACTORSERVE_")}
    env.update(extra)
    return env


def example(*args, env=None):
    r = subprocess.run([EXAMPLE, *args], capture_output=True, text=True, timeout=30,
                       env=env if env is not None else clean_env())
    return r.returncode, r.stdout, r.stderr


def settings(toml):
    """{key: value text} of the `key = value` lines of --print-config."""
    out = {}
    for line in toml.splitlines():
        if line and not line.startswith("#") and " = " in line:
            k, _, v = line.partition(" = ")
            out[k] = v
    return out


class ConfigTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = pathlib.Path(self.dir.name)

    def tearDown(self):
        self.dir.cleanup()

    def config(self, text, name="service.toml"):
        f = self.path / name
        f.write_text(text)
        return str(f)

    def test_flag_beats_environment_beats_file_beats_default(self):
        f = self.config("http-port = 1111\n"
                        "socket-backlog = 7\n"
                        "[http]\n"
                        "call-timeout = 9\n")
        env = clean_env(ACTORSERVE_HTTP_PORT="2222", ACTORSERVE_SOCKET_BACKLOG="8",
                        ACTORSERVE_CONFIG=f)
        code, out, err = example("--http-port=3333", "--print-config", env=env)
        self.assertEqual(code, 0, err)
        s = settings(out)
        self.assertEqual(s["http-port"], "3333")          # flag
        self.assertEqual(s["socket-backlog"], "8")        # environment over file
        self.assertEqual(s["http-call-timeout"], "9")     # file, under [http]
        self.assertEqual(s["drain-timeout"], "30")        # default
        self.assertEqual(s["socket-max-connections"], "1024")

    def test_a_service_serves_where_its_file_and_environment_say(self):
        sock = self.path / "s.sock"
        f = self.config(f"[socket]\npath = '{sock}'\n\n[http]\nport = 0\n")
        fifo = self.path / "pipe"
        with Service([EXAMPLE, "--config", f],
                     env=clean_env(ACTORSERVE_FIFO_PATH=str(fifo))) as s:
            self.assertEqual(s.endpoint("socket-unix"), str(sock))
            self.assertEqual(s.endpoint("fifo"), str(fifo))
            http = Http(s.endpoint("http"))
            self.assertEqual(http.json("POST", "/double", 21), (200, 42))
            c = RawConnection(str(sock))
            c.send(call_record("1", "/double", 4))
            self.assertEqual(c.read_json(), ("1", "json", 8))
            c.close()
            http.json("POST", "/stop")
            http.close()
            self.assertEqual(s.wait(20), 0)

    def test_print_config_reads_back_the_same(self):
        code, first, err = example("--socket-path", str(self.path / "x.sock"),
                                   "--allowed-host=a.example", "--allowed-host=b.example",
                                   "--worker-context", '{"model": "m#1", "n": [1, 2]}',
                                   "--access-log", "--drain-timeout=2.5", "--print-config")
        self.assertEqual(code, 0, err)
        self.assertIn("allowed-host = ['a.example', 'b.example']", first)
        self.assertIn("access-log = true", first)
        self.assertIn("drain-timeout = 2.5", first)
        code, second, err = example("--config", self.config(first), "--print-config")
        self.assertEqual(code, 0, err)
        self.assertEqual(first, second)

    def test_mistakes_name_the_key_and_the_value(self):
        f = self.config("htp-port = 8000\n")
        code, _, err = example("--config", f)
        self.assertEqual(code, 2)
        self.assertIn(f"{f}:1: unknown key 'htp-port'", err)
        f = self.config("workers = 'many'\n")
        code, _, err = example("--config", f)
        self.assertEqual(code, 2)
        self.assertIn("workers = 'many'", err)
        self.assertIn("option --workers takes a whole number from 0 to 1024, got 'many'", err)
        code, _, err = example(env=clean_env(ACTORSERVE_SOCKET_BACKLOG="0"))
        self.assertEqual(code, 2)
        self.assertIn("ACTORSERVE_SOCKET_BACKLOG='0'", err)
        code, _, err = example(env=clean_env(ACTORSERVE_ACCESS_LOG="perhaps"))
        self.assertEqual(code, 2)
        self.assertIn("ACTORSERVE_ACCESS_LOG='perhaps'", err)
        code, _, err = example("--config", str(self.path / "missing.toml"))
        self.assertEqual(code, 2)
        self.assertIn("missing.toml: cannot read the file", err)
        code, _, err = example("--no-such-option=1")
        self.assertEqual(code, 2)
        self.assertIn("unknown option --no-such-option (see --help)", err)

    def test_values_that_cannot_work_are_refused_at_the_start(self):
        deep = "[" * 200 + "]" * 200
        for args, env, message in (
                (["--worker-contexts", self.dir.name, "--workers=2"], {},
                 f"--worker-contexts: {self.dir.name} is a folder, not a file"),
                ([f"--fifo-path={self.dir.name}/"], {},
                 "the path is the FIFOs' name, PATH.1 and PATH.2 beside each other, not a folder"),
                (["--node-port=0", "--workers=1"], {"ACTORSERVE_SECRET": "short"},
                 "the shared secret from ACTORSERVE_SECRET has 5 characters; it needs at least 16"),
                (["--workers=2", f"--worker-context={deep}"], {},
                 "a worker context nests arrays and objects deeper than 128 levels (--max-depth)")):
            with self.subTest(args=args):
                code, out, err = example(*args, env=clean_env(**env))
                self.assertEqual(code, 2, err)
                self.assertIn(message, err)
                self.assertNotIn("ready", out)
        # In one process the context is no value between nodes: any depth.
        code, out, _ = example("--print-config", f"--worker-context={deep}")
        self.assertEqual(code, 0)

    def test_the_example_config_in_deploy_is_valid(self):
        code, out, err = example("--config", str(DEPLOY / "actorserve-example.toml"),
                                 "--print-config")
        self.assertEqual(code, 0, err)
        s = settings(out)
        self.assertEqual(s["http-port"], "8000")
        self.assertEqual(s["socket-path"], "'/run/actorserve/example.sock'")


if __name__ == "__main__":
    EXAMPLE = sys.argv.pop(1)
    unittest.main(verbosity=2)
