#!/usr/bin/env bash
# Every test of the project, as CI runs them: formatting, lints, the Rust unit and integration
# tests, the infrastructure checks, and the end-to-end escalations on the local runner.
# Installs what it needs (moto, pytest and cfn-lint from PyPI, the npm packages) and builds the
# workspace once (tests/build.sh), which clippy, cargo test and the local runner then share.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s  [%ds]\n' "$*" "$SECONDS" >&2; }

step "rustfmt"
cargo fmt --all -- --check

step "unused dependencies (cargo-machete)"
# Every manifest lists only what its crate uses. cargo-machete reads the sources, so it runs
# before the build; it is installed once per machine into the cache next to the target dir.
machete_root="$HOME/.cache/lambda-connect/tools"
if [ ! -x "$machete_root/bin/cargo-machete" ]; then
  cargo install --quiet --locked cargo-machete --version 0.9.2 --root "$machete_root"
fi
"$machete_root/bin/cargo-machete"

step "install and build (tests/local/setup.sh: moto, Node and the engine, tests/build.sh)"
tests/local/setup.sh

step "clippy (warnings denied)"
# The lints of `cargo clippy -- -D warnings`, inside a normal build: clippy-driver compiles the
# workspace's own crates (RUSTC_WORKSPACE_WRAPPER, with the arguments `cargo clippy` passes it
# in CLIPPY_ARGS) and the dependencies that tests/build.sh built are reused. `cargo clippy`
# would check every dependency again (a check build is kept apart from a normal one): about
# two more minutes on 2 cores. The clippy-built workspace crates are kept apart too, so the
# test build below is not redone.
clippy_driver="$(rustc --print sysroot)/bin/clippy-driver"
if [ -x "$clippy_driver" ]; then
  RUSTC_WORKSPACE_WRAPPER="$clippy_driver" CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__" \
    cargo build --workspace --all-targets --all-features --quiet
else
  cargo clippy --workspace --all-targets --all-features --quiet -- -D warnings
fi

step "cargo test: unit and integration tests"
cargo test --workspace --all-features --quiet

step "infrastructure: template, IAM, contact flow"
python3 -m pip install --quiet --disable-pip-version-check -r tests/infra/requirements.txt
python3 -m pytest -q tests/infra

step "end-to-end escalations on the local runner"
(cd tests/local && npm run --silent validate && npm test)
step "done"
