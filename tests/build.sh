#!/usr/bin/env bash
# The one build of the workspace: every crate, every target (functions, the local servers,
# the tests), every feature, in the dev profile. It is the build `cargo test --workspace
# --all-features` needs, so that reuses it, and the local runner (tests/local/) runs the
# function binaries it leaves in <target>/debug/. Cargo's dependency features are unified
# once for the whole workspace here; building packages one by one (`cargo build -p X`)
# resolves them differently and compiles the AWS SDK crates again.
#
#   tests/build.sh [cargo build options, e.g. --quiet]
#
# Set CARGO_TARGET_DIR to share the build between clones (.ci/run does).
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo build --workspace --all-targets --all-features "$@"
