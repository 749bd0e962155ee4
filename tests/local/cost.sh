#!/usr/bin/env bash
# What one escalation that nobody acknowledges costs, counted on the local runner and priced
# at list prices. `tests/local/cost.sh --help` lists the options.
set -euo pipefail
cd "$(dirname "$0")/../.."
tests/local/setup.sh
exec tests/local/node_modules/.bin/node tests/local/cost.mjs "$@"
