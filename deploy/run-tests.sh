#!/usr/bin/env bash
# Builds actorserve and runs every test (unit and system) through CTest, the
# Debian packages' test (made, installed, run, purged) and a one-minute soak;
# then builds it again with clang under AddressSanitizer and
# UndefinedBehaviorSanitizer, runs the same tests there (any report fails
# them), and runs each fuzzer for a bounded time (ACTORSERVE_FUZZ_SECONDS,
# 30 by default). ACTORSERVE_SANITIZE=0 skips the second build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/build.sh
(cd build && ctest --output-on-failure --timeout 300)
# The Debian packages: made with cpack -G DEB, installed with apt-get, run,
# and purged again (as root on Debian; it says when it skips).
bash tests/install/deb_test.sh build
# A bounded soak: every gateway, good and bad input, workers killed and
# frozen (ACTORSERVE_SOAK_SECONDS, 60 by default).
python3 tests/soak/soak.py build/apps/example/actorserve-example "${ACTORSERVE_SOAK_SECONDS:-60}"
[ "${ACTORSERVE_SANITIZE:-1}" = 0 ] && exit 0
# -O1 with line tables: a third less to compile than -O2 -g, and reports
# still name file and line.
cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS="-O1 -gline-tables-only" \
  -DCMAKE_CXX_COMPILER=clang++-14 -DACTORSERVE_SANITIZE=ON -DACTORSERVE_FUZZ=ON \
  -DACTORSERVE_FUZZ_SECONDS="${ACTORSERVE_FUZZ_SECONDS:-30}"
cmake --build build-sanitize -j2
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1:suppressions=$PWD/tests/sanitizer/asan.supp"
export LSAN_OPTIONS="suppressions=$PWD/tests/sanitizer/lsan.supp"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$PWD/tests/sanitizer/ubsan.supp"
cd build-sanitize
ctest --output-on-failure --timeout 900
