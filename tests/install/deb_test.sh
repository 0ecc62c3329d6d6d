#!/usr/bin/env bash
# The Debian packages (cmake/Install.cmake): makes them with `cpack -G DEB`
# from a Release build, installs both with apt-get as a user would (`apt
# install ./actorserve_*.deb`), checks their Depends and runs what they
# installed: the example service from its config file, called with curl,
# actorserve-client and the Python client; a program built against
# actorserve-dev with pkg-config and with find_package. Then it purges both
# (the config file too), so that the machine is left as it was.
# It needs root on Debian, and a machine where neither package and none of
# their files are installed; elsewhere it says why it skips, and passes.
# deploy/run-tests.sh runs it after the Release tests.
# Usage: tests/install/deb_test.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/../.."
source_dir=$PWD
build=$(realpath "${1:-build}")
started=$SECONDS
say() { echo "deb_test: [$((SECONDS - started)) s] $*"; }
fail() { echo "deb_test: FAILED: $*" >&2; exit 1; }
skip() { echo "deb_test: skipped: $*"; exit 0; }
# depends_on FIELD PACKAGE: whether a Depends field names the package.
depends_on() { tr ',' '\n' <<<"$1" | sed 's/^ *//; s/ .*//' | grep -qxF "$2"; }

[ "$(id -u)" -eq 0 ] || skip "installing a package needs root"
{ [ -r /etc/debian_version ] && command -v apt-get >/dev/null; } || skip "not Debian"
for p in actorserve actorserve-dev; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ -z "$status" ] || [ "$status" = not-installed ] \
    || skip "$p is on this machine ($status): the test would replace and remove it"
done

tmp=$(mktemp -d /tmp/actorserve-deb.XXXXXX)
installed=0
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" || true; fi
  if [ "$installed" = 1 ]; then
    apt-get purge -y -q actorserve actorserve-dev >"$tmp/purge.log" 2>&1 \
      || { echo "deb_test: apt-get purge failed:" >&2; cat "$tmp/purge.log" >&2; }
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

(cd "$build" && cpack -G DEB -B "$tmp/packages") >"$tmp/cpack.log" 2>&1 \
  || fail "cpack -G DEB: $(cat "$tmp/cpack.log")"
runtime=$(ls "$tmp"/packages/actorserve_*.deb)
dev=$(ls "$tmp"/packages/actorserve-dev_*.deb)
say "cpack -G DEB made $(basename "$runtime") and $(basename "$dev")"

# Depends: the runtime's from dpkg-shlibdeps, the headers' by name.
depends=$(dpkg-deb -f "$runtime" Depends)
for p in libcaf-core0.17 libcaf-io0.17 libcaf-openssl0.17 libssl3 libstdc++6 libc6; do
  depends_on "$depends" "$p" || fail "actorserve does not depend on $p: $depends"
done
dev_depends=$(dpkg-deb -f "$dev" Depends)
for p in libcaf-dev nlohmann-json3-dev libssl-dev; do
  depends_on "$dev_depends" "$p" || fail "actorserve-dev does not depend on $p: $dev_depends"
done
say "Depends: actorserve: $depends; actorserve-dev: $dev_depends"

# None of their files may be here already: the purge would remove it.
for deb in "$runtime" "$dev"; do
  dpkg-deb --fsys-tarfile "$deb" | tar -t >>"$tmp/files"
done
while read -r path; do
  path=${path#.}
  if [ -e "$path" ] && [ ! -d "$path" ]; then
    skip "$path is on this machine already: the test would replace and remove it"
  fi
done <"$tmp/files"

etc_was_there=no
[ ! -d /etc/actorserve ] || etc_was_there=yes
export DEBIAN_FRONTEND=noninteractive
installed=1
apt-get install -y -q --no-install-recommends "$runtime" "$dev" >"$tmp/install.log" 2>&1 \
  || fail "apt-get install: $(cat "$tmp/install.log")"
grep -E "newly installed" "$tmp/install.log" | sed 's/^/deb_test: apt-get: /'
[ "$(dpkg-query -W -f='${db:Status-Status}' actorserve)" = installed ] || fail "actorserve not installed"
dpkg-query -W -f='${Conffiles}\n' actorserve | grep -q '^ /etc/actorserve/example.toml ' \
  || fail "/etc/actorserve/example.toml is not a conffile of actorserve"
say "apt-get installed both; dpkg -s actorserve: $(dpkg -s actorserve | grep '^Depends:')"

# The example, from its installed config file (HTTP on a free port, and a
# socket of the test's: the file's is under /run/actorserve). CAF reads
# caf-application.ini from the working directory: the test's own.
cd "$tmp"
/usr/bin/actorserve-example --config /etc/actorserve/example.toml --http-port=0 \
  --socket-path="$tmp/example.sock" >"$tmp/example.out" 2>"$tmp/example.err" &
pid=$!
ready=""
for _ in $(seq 300); do # 30 s at most
  ready=$(grep -m1 '^ready ' "$tmp/example.out" || true)
  [ -n "$ready" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
[ -n "$ready" ] || fail "no ready line from actorserve-example: $(cat "$tmp/example.err")"
http=$(sed -n 's/.* http=\([^ ]*\).*/\1/p' <<<"$ready")
answer=$(curl -fsS -X POST -d 21 "http://$http/double") || fail "curl POST /double"
[ "$answer" = 42 ] || fail "POST /double 21 answered '$answer'"
answer=$(/usr/bin/actorserve-client --unix "$tmp/example.sock" request /double 21) \
  || fail "actorserve-client request"
[ "$answer" = 42 ] || fail "actorserve-client request /double 21 answered '$answer'"
/usr/bin/actorserve-client --help >/dev/null || fail "actorserve-client --help"
answer=$(/usr/bin/python3 -c 'import sys
from actorserve_client import SocketClient
with SocketClient(path=sys.argv[1]) as client:
    print(client.request("/double", 21))' "$tmp/example.sock") || fail "the Python client"
[ "$answer" = 42 ] || fail "the Python client answered '$answer'"
say "actorserve-example serves ($ready); curl, actorserve-client and the Python client got 42"

# actorserve-dev: a client built with pkg-config, and the installed copy of
# docs/examples/out_of_tree built with find_package, both from /usr alone.
read -ra flags <<<"$(env -u PKG_CONFIG_PATH pkg-config --cflags --libs actorserve-socket-client)"
c++ -std=c++17 "$source_dir/docs/examples/out_of_tree/client.cpp" -o "$tmp/client" "${flags[@]}" \
  || fail "building a client with pkg-config"
answer=$("$tmp/client" "$tmp/example.sock" 21) || fail "the client built with pkg-config"
[ "$answer" = 42 ] || fail "the client built with pkg-config answered '$answer'"
cmake -S /usr/share/doc/actorserve/examples/out_of_tree -B "$tmp/out_of_tree" \
  >"$tmp/configure.log" 2>&1 || fail "find_package(actorserve) from /usr: $(cat "$tmp/configure.log")"
cmake --build "$tmp/out_of_tree" --parallel 2 >"$tmp/build.log" 2>&1 \
  || fail "building the out-of-tree example: $(cat "$tmp/build.log")"
answer=$("$tmp/out_of_tree/client" "$tmp/example.sock" 21) || fail "the out-of-tree client"
[ "$answer" = 42 ] || fail "the out-of-tree client answered '$answer'"
say "actorserve-dev: built a client with pkg-config and the out-of-tree example with find_package"

kill -TERM "$pid"
for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
code=0
wait "$pid" || code=$?
pid=""
[ "$code" = 0 ] || fail "actorserve-example exited $code after SIGTERM: $(cat "$tmp/example.err")"

if command -v systemd-analyze >/dev/null; then
  systemd-analyze verify /usr/lib/systemd/system/actorserve-example.service \
    || fail "systemd-analyze verify of the installed unit"
fi

apt-get purge -y -q actorserve actorserve-dev >"$tmp/purge.log" 2>&1 \
  || fail "apt-get purge: $(cat "$tmp/purge.log")"
installed=0
for p in actorserve actorserve-dev; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ -z "$status" ] || [ "$status" = not-installed ] || fail "$p is still $status after the purge"
done
for path in /usr/bin/actorserve-example /etc/actorserve/example.toml /usr/include/actorserve; do
  [ ! -e "$path" ] || fail "$path is left after the purge"
done
[ "$etc_was_there" = yes ] || [ ! -e /etc/actorserve ] || fail "/etc/actorserve is left after the purge"
say "purged both; ok"
