#!/usr/bin/env bash
# Cold starts of the six functions: builds their release binaries (the profile they ship
# with: opt-level "z", LTO, one codegen unit, so the first build takes several minutes) and
# the benchmark, then starts each binary fresh N times against a Lambda Runtime API stand-in
# and the local servers (tests/src/bin/cold-start.rs), and prints min / median / max of
# init, first outbound request and response, and the peak RSS.
#
#   tests/bench/cold-start.sh [--runs N] [--warmup N] [--only FUNCTION]... [--env NAME=VALUE]...
#
# Needs python3 with moto's server for place-call's call ledger (tests/local/setup.sh).
# Set CARGO_TARGET_DIR to share the build with other clones.
set -euo pipefail
cd "$(dirname "$0")/../.."

target="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build --release --quiet \
  -p resolve-roster -p place-call -p check-contact -p next-target -p notify-slack -p forward-call
# The benchmark itself in the dev profile, with the same features as tests/build.sh, so
# that build is reused.
cargo build --quiet --workspace --all-features --bin cold-start
exec "$target/debug/cold-start" --bin-dir "$target/release" "$@"
