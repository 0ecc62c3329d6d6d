#!/usr/bin/env bash
# Installs what actorserve needs to build, test and benchmark, from Debian 12
# packages only. Idempotent and non-interactive: packages already present are
# skipped, and `apt-get update` runs at most once per call.
set -euo pipefail

packages=(
  g++ cmake make            # the toolchain
  libcaf-dev                # CAF 0.17.6: core, io, openssl
  libboost1.81-dev          # Beast, Asio
  nlohmann-json3-dev        # JSON codec
  libcli11-dev              # options: command line, environment, TOML config file
  libssl-dev                # headers CAF's openssl module links against
  openssl                   # certificates for the TLS tests and docs
  python3 curl              # system tests drive the service with real clients
  iproute2                  # network namespaces for the multi-host tests
  wrk                       # HTTP benchmark
  python3-uvicorn python3-starlette python3-uvloop python3-httptools
                            # the Python original's HTTP serving, beside ours (apps/bench/http_bench.py)
  valgrind                  # callgrind counts instructions per call (apps/bench/instructions_per_call.py)
  prometheus                # promtool checks the metrics exposition (tests)
  systemd                   # systemd-analyze verifies the units in deploy/systemd (tests)
  dpkg-dev file             # cpack -G DEB: dpkg-shlibdeps (and file) find the package's Depends
  pkgconf                   # the tests build against the installed pkg-config files
  clang-14 libclang-rt-14-dev  # the sanitizer build and libFuzzer (tests/fuzz)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: everything is installed"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root (missing: ${missing[*]})" >&2; exit 1; }
  sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
