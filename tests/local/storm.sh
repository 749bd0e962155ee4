#!/usr/bin/env bash
# Alert storms on the local runner: 1000 duplicates of one alarm, 200 different alarms of one
# project, and the escalations, calls, state transitions and Lambda invocations they cost.
# `tests/local/storm.sh --help` lists the options. Uses the binaries tests/local/setup.sh built.
set -euo pipefail
cd "$(dirname "$0")/../.."
# Where the harness looks for the debug binaries (tests/local/harness.mjs).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
for binary in s3-server connect-sim resolve-roster place-call check-contact next-target; do
  if [ ! -x "$CARGO_TARGET_DIR/debug/$binary" ]; then
    echo "storm: $CARGO_TARGET_DIR/debug/$binary is not built; run tests/local/setup.sh (or set CARGO_TARGET_DIR)" >&2
    exit 1
  fi
done
if [ ! -x tests/local/node_modules/.bin/node ]; then
  echo "storm: tests/local/node_modules is not installed; run tests/local/setup.sh" >&2
  exit 1
fi
exec tests/local/node_modules/.bin/node tests/local/storm.mjs "$@"
