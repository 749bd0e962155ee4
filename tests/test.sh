#!/usr/bin/env bash
# Every test of the project, as CI runs them: formatting, lints, the Rust unit and integration
# tests, the infrastructure checks, and the end-to-end escalations on the local runner.
# Installs what it needs (pytest and cfn-lint from PyPI, cargo-lambda, the npm packages).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*" >&2; }

step "rustfmt"
cargo fmt --all -- --check

step "clippy (warnings denied)"
cargo clippy --workspace --all-targets --all-features --quiet -- -D warnings

step "cargo test: unit and integration tests"
cargo test --workspace --all-features --quiet

step "infrastructure: template, IAM, contact flow"
python3 -m pip install --quiet --disable-pip-version-check -r tests/infra/requirements.txt
python3 -m pytest -q tests/infra

step "end-to-end escalations on the local runner"
tests/local/setup.sh
(cd tests/local && npm run --silent validate && npm test)
