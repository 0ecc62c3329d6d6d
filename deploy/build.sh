#!/usr/bin/env bash
# Installs what is missing, then configures and builds actorserve (Release)
# in ./build with two jobs. Usage: deploy/build.sh [extra cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build build -j2
