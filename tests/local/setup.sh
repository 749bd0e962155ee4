#!/usr/bin/env bash
# Installs and builds what the local escalation needs, on a fresh machine too: moto's
# DynamoDB-protocol server (PyPI, pinned here), Node 22 and aws-local-stepfunctions (npm,
# pinned by the lockfile), and the workspace's one build (tests/build.sh: the functions, the
# S3 server and the Connect simulator, and everything `cargo test` needs). The installs run
# while the build compiles.
set -euo pipefail
cd "$(dirname "$0")/../.."

MOTO_VERSION=5.2.5

install() {
  if ! python3 -c "import sys, flask, moto; sys.exit(moto.__version__ != '$MOTO_VERSION')" >/dev/null 2>&1; then
    echo "installing moto's server $MOTO_VERSION (pip)…"
    python3 -m pip install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
  fi
  if [ ! -x tests/local/node_modules/.bin/node ] || [ tests/local/package-lock.json -nt tests/local/node_modules/.package-lock.json ]; then
    echo "installing Node 22 and aws-local-stepfunctions (npm ci)…"
    (cd tests/local && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

log=$(mktemp)
install >"$log" 2>&1 &
installing=$!
trap 'kill "$installing" 2>/dev/null || true; rm -f "$log"' EXIT

echo "building the workspace (tests/build.sh; the first build takes several minutes)…" >&2
tests/build.sh --quiet

if ! wait "$installing"; then
  cat "$log" >&2
  echo "setup: installing moto or the npm packages failed (above)" >&2
  exit 1
fi
cat "$log" >&2
