#!/usr/bin/env bash
# Builds actorserve and starts the example service in the foreground.
# Options after the script name go to actorserve-example (see --help).
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/build.sh >&2
exec build/apps/example/actorserve-example "$@"
