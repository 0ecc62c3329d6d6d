#!/usr/bin/env bash
# Builds actorserve and runs every test (unit and system) through CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/build.sh
cd build
ctest --output-on-failure --timeout 300
