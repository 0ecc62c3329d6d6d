"""install.out_of_tree: installs the build into a temporary prefix with
`cmake --install`, then uses it as a project of one's own would: checks
what was installed (and what was not), compiles every installed header in
one file, builds docs/examples/out_of_tree with find_package(actorserve
CONFIG) and a CAF-free client and step 1 of the examples with pkg-config,
runs them against each other, and checks that asking for the clients alone
defines no CAF target. Standard library only; everything it makes is under
one temporary directory, removed at the end.
Usage: install_test.py CMAKE BUILD_DIR SOURCE_DIR LIBDIR CXX"""
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

cmake, build_dir, source_dir, libdir, cxx = sys.argv[1:6]
sys.path.insert(0, os.path.join(source_dir, "docs", "examples"))
from example_process import Example, fields  # noqa: E402

started = time.monotonic()


def step(what):
    print(f"[{time.monotonic() - started:5.1f} s] {what}", flush=True)


def run(argv, timeout=300, env=None, check=True):
    """Runs a command; on failure, AssertionError with its output."""
    p = subprocess.run([str(a) for a in argv], capture_output=True, text=True,
                       timeout=timeout, env=env)
    if check and p.returncode != 0:
        raise AssertionError(f"{argv} exited {p.returncode}\nstdout: {p.stdout}\nstderr: {p.stderr}")
    return p


def post(endpoint, path, body=None):
    host, port = endpoint.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("POST", path, body=None if body is None else json.dumps(body))
    r = conn.getresponse()
    return r.status, json.loads(r.read())


tmp = tempfile.mkdtemp(prefix="actorserve-install-")
try:
    prefix = os.path.join(tmp, "prefix")
    step(f"cmake --install {build_dir} --prefix {prefix}")
    run([cmake, "--install", build_dir, "--prefix", prefix])

    # What is installed, where; and what is not.
    expected = [
        "bin/actorserve-example", "bin/actorserve-client",
        "include/actorserve/actors/node.hpp", "include/actorserve/actors/application.hpp",
        "include/actorserve/gateways/http/start_server.hpp",
        "include/actorserve/gateways/socket/socket_client.hpp",
        "include/actorserve/gateways/fifo/pipe_connection.hpp",
        f"{libdir}/cmake/actorserve/actorserveConfig.cmake",
        f"{libdir}/cmake/actorserve/actorserveConfigVersion.cmake",
        f"{libdir}/cmake/actorserve/FindCAF.cmake",
        "lib/python3/dist-packages/actorserve_client.py",
        "etc/actorserve/example.toml",
        "lib/systemd/system/actorserve-example.service",
        "lib/systemd/system/actorserve-worker@.service",
        "share/doc/actorserve/README.md", "share/doc/actorserve/docs/operations.md",
        "share/doc/actorserve/examples/out_of_tree/CMakeLists.txt",
    ]
    libraries = ["base", "core", "http", "http_listener", "socket", "socket_client", "pipe", "fifo"]
    expected += [f"{libdir}/libactorserve_{name}.a" for name in libraries]
    packages = ["base", "core", "http", "socket", "fifo", "socket-client", "pipe"]
    expected += [f"{libdir}/pkgconfig/actorserve-{name}.pc" for name in packages]
    missing = [f for f in expected if not os.path.isfile(os.path.join(prefix, f))]
    assert not missing, f"not installed: {missing}"
    for f in ["bin/actorserve-example", "bin/actorserve-client"]:
        assert os.access(os.path.join(prefix, f), os.X_OK), f"{f} is not executable"
    include = os.path.join(prefix, "include", "actorserve")
    headers = sorted(os.path.relpath(os.path.join(d, f), include)
                     for d, _, files in os.walk(include) for f in files)
    internal = [h for h in headers if not h.endswith(".hpp")
                or h.startswith(("actors/runtime/", "actors/workers/"))
                or os.path.basename(h) in ("beast_request.hpp", "tcp_listen.hpp",
                                           "client_timeout.hpp", "error_status.hpp")]
    assert not internal, f"installed, but not public headers: {internal}"
    # Files whose content names the prefix name this install's.
    for name in packages:
        with open(os.path.join(prefix, libdir, "pkgconfig", f"actorserve-{name}.pc")) as f:
            assert f"\nprefix={prefix}\n" in f.read(), f"actorserve-{name}.pc: wrong prefix"
    with open(os.path.join(prefix, "lib/systemd/system/actorserve-example.service")) as f:
        unit = f.read()
    assert (f"ExecStart={prefix}/bin/actorserve-example --config "
            f"{prefix}/etc/actorserve/example.toml\n") in unit, "the unit's ExecStart"
    step(f"installed: {len(expected)} files checked, {len(headers)} public headers")

    env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(prefix, libdir, "pkgconfig"))
    cflags = run(["pkg-config", "--cflags", "actorserve-base"], env=env).stdout.split()
    assert f"-I{include}" in cflags, cflags

    # Every installed header, in one file: each one that a public header
    # includes was installed too.
    all_headers = os.path.join(tmp, "all_headers.cpp")
    with open(all_headers, "w") as f:
        f.writelines(f'#include "{h}"\n' for h in headers)
    run([cxx, "-std=c++17", "-fsyntax-only", *cflags, all_headers])
    step("every installed header compiles, with pkg-config's flags alone")

    # The Python client, from where it was installed.
    python_dir = os.path.join(prefix, "lib", "python3", "dist-packages")
    where = run([sys.executable, "-c", "import actorserve_client; print(actorserve_client.__file__)"],
                env=dict(os.environ, PYTHONPATH=python_dir, PYTHONDONTWRITEBYTECODE="1")).stdout
    assert where.strip() == os.path.join(python_dir, "actorserve_client.py"), where

    # The out-of-tree project, with find_package(actorserve CONFIG).
    project = os.path.join(source_dir, "docs", "examples", "out_of_tree")
    built = os.path.join(tmp, "out_of_tree")
    run([cmake, "-S", project, "-B", built, f"-DCMAKE_PREFIX_PATH={prefix}",
         f"-DCMAKE_CXX_COMPILER={cxx}"])
    run([cmake, "--build", built, "--parallel", "2"])
    step("docs/examples/out_of_tree built against the installed package")

    # Without CMake: the CAF-free client, and step 1 of the examples as it
    # is in the tree, with pkg-config.
    pc_client = os.path.join(tmp, "pc-client")
    libs = run(["pkg-config", "--cflags", "--libs", "actorserve-socket-client"], env=env).stdout
    run([cxx, "-std=c++17", os.path.join(project, "client.cpp"), "-o", pc_client, *libs.split()])
    linked = run(["ldd", pc_client]).stdout
    assert not any(lib in linked for lib in ("libcaf", "libssl", "libcrypto")), linked
    example = os.path.join(tmp, "01_function_route")
    libs = run(["pkg-config", "--cflags", "--libs", "actorserve-http"], env=env).stdout
    run([cxx, "-std=c++17", os.path.join(source_dir, "docs", "examples", "01_function_route.cpp"),
         "-o", example, *libs.split()])
    step("client.cpp (no CAF) and 01_function_route.cpp built with pkg-config")

    # Asking for the clients alone looks for no CAF and defines no target
    # that needs it; a component that does not exist is refused by name.
    probe = os.path.join(tmp, "probe")
    os.makedirs(probe)
    with open(os.path.join(probe, "CMakeLists.txt"), "w") as f:
        f.write("cmake_minimum_required(VERSION 3.16)\n"
                "project(probe LANGUAGES CXX)\n"
                "find_package(actorserve CONFIG REQUIRED COMPONENTS ${COMPONENTS})\n"
                "foreach(t actorserve::socket_client actorserve::pipe actorserve::base)\n"
                "  if(NOT TARGET ${t})\n    message(FATAL_ERROR \"no ${t}\")\n  endif()\n"
                "endforeach()\n"
                "if(TARGET actorserve::core OR TARGET CAF::core OR DEFINED CAF_FOUND)\n"
                "  message(FATAL_ERROR \"the clients alone loaded CAF\")\n"
                "endif()\n")
    run([cmake, "-S", probe, "-B", os.path.join(probe, "a"), f"-DCMAKE_PREFIX_PATH={prefix}",
         "-DCOMPONENTS=socket_client;pipe"])
    refused = run([cmake, "-S", probe, "-B", os.path.join(probe, "b"),
                   f"-DCMAKE_PREFIX_PATH={prefix}", "-DCOMPONENTS=grpc"], check=False)
    assert refused.returncode != 0 and "has no component 'grpc'" in refused.stderr, refused.stderr
    step("find_package(actorserve COMPONENTS socket_client pipe) loads no CAF")

    # Run them: the service, called over HTTP and through both clients.
    socket_path = os.path.join(tmp, "service.sock")
    with Example([os.path.join(built, "service"), "0", socket_path]) as service:
        ready = fields(service.wait_for("ready "))
        assert ready["socket"] == socket_path, ready
        assert post(ready["http"], "/double", 21) == (200, 42.0)
        for client in (os.path.join(built, "client"), pc_client):
            answer = run([client, socket_path, "21"], timeout=30)
            assert answer.stdout == "42.0\n", (client, answer.stdout)
            refused = run([client, socket_path, '"x"'], timeout=30, check=False)
            assert refused.returncode == 1 and "TypeError" in refused.stderr, refused.stderr
        assert post(ready["http"], "/stop") == (200, {"status": "stopping"})
        assert service.wait() == 0, service.stderr
        assert service.stdout[-1] == "stopped\n", service.stdout
        assert not os.path.exists(socket_path), "the socket file is left"
    with Example([example, "0"]) as service:
        endpoint = service.wait_for("ready http=")[len("ready http="):]
        assert post(endpoint, "/double", 21) == (200, 42.0)
        assert post(endpoint, "/stop") == (200, {"status": "stopping"})
        assert service.wait() == 0, service.stderr
    step("the service answered over HTTP and to both clients, and stopped")
finally:
    shutil.rmtree(tmp, ignore_errors=True)
print(f"install.out_of_tree: ok ({time.monotonic() - started:.1f} s)")
