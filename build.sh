#!/usr/bin/env bash
# The project's one entry point for a new machine (Debian 12):
#   ./build.sh demo   installs what is missing, builds, runs `ledger demo`
#   ./build.sh test   installs what is missing, builds, runs the whole test suite (ctest)
#                     but the measurements labelled `scale` (ctest -L scale runs them)
#   ./build.sh build  installs what is missing and builds only
# Builds land in ./build (binaries in build/bin). Extra arguments after `demo`
# are passed to `ledger demo`; after `test`, to ctest (e.g. -L unit).
set -euo pipefail
cd "$(dirname "$0")"
what=${1:-build}
shift || true

./.ci/setup
jobs=${LEDGER_JOBS:-2}
cmake -S . -B build -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} >/dev/null
cmake --build build -j"$jobs"

case "$what" in
  demo)  exec build/bin/ledger demo "$@" ;;
  test)
    if [ $# -eq 0 ]; then set -- -LE scale; fi
    exec ctest --test-dir build --output-on-failure -j"$jobs" "$@" ;;
  build) ;;
  *) echo "usage: ./build.sh demo|test|build [args…]" >&2; exit 2 ;;
esac
