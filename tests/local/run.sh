#!/usr/bin/env bash
# One alert through the real state machine on this machine, with a readable timeline.
# `tests/local/run.sh --help` lists the options (callee scripts, alert, date, dry run).
set -euo pipefail
cd "$(dirname "$0")/../.."
tests/local/setup.sh
exec tests/local/node_modules/.bin/node tests/local/run.mjs "$@"
