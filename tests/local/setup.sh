#!/usr/bin/env bash
# Installs and builds what the local escalation needs, on a fresh machine too: cargo-lambda
# (PyPI, ships its own zig), Node 22 and aws-local-stepfunctions (npm, pinned by the
# lockfile), and the function, S3-server and Connect-simulator binaries.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v cargo-lambda >/dev/null 2>&1; then
  echo "installing cargo-lambda (pip)…" >&2
  python3 -m pip install --quiet --disable-pip-version-check cargo-lambda
fi
if [ ! -x tests/local/node_modules/.bin/node ] || [ tests/local/package-lock.json -nt tests/local/node_modules/.package-lock.json ]; then
  echo "installing Node 22 and aws-local-stepfunctions (npm ci)…" >&2
  (cd tests/local && npm ci --no-audit --no-fund --loglevel=error)
fi
echo "building the functions and the local servers…" >&2
cargo build --quiet -p lambda-connect-tests --bin s3-server --bin connect-sim
for function in resolve-roster place-call check-contact next-target; do
  cargo build --quiet -p "$function"
done
