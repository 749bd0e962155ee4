#!/usr/bin/env bash
# Builds every function of infra/template.yaml for Lambda (arm64, release) with cargo-lambda
# and prints each artefact's size: what `sam build` would upload, without SAM or Docker.
#
#   infra/build-functions.sh          build, then list  <function> <bytes> <path>
#   infra/build-functions.sh --list   only print the functions the template builds
#
# Needs cargo-lambda (`pip install cargo-lambda` brings it and zig) and the target
# (`rustup target add aarch64-unknown-linux-gnu`).
set -euo pipefail
cd "$(dirname "$0")/.."

# The template names each function's binary in Metadata.BuildProperties.Binary.
mapfile -t functions < <(sed -n 's/^ *Binary: *\([a-z0-9-]*\) *$/\1/p' infra/template.yaml)
if [ "${#functions[@]}" -eq 0 ]; then
  echo "no functions found in infra/template.yaml" >&2
  exit 1
fi

if [ "${1:-}" = "--list" ]; then
  printf '%s\n' "${functions[@]}"
  exit 0
fi

packages=()
for function in "${functions[@]}"; do
  packages+=(--package "$function")
done
# LAMBDA_ARCH=x86_64 builds for x86_64 instead (when the arm64 target cannot be installed).
arch_flag=--arm64
if [ "${LAMBDA_ARCH:-arm64}" = "x86_64" ]; then
  arch_flag=--x86-64
fi
cargo lambda build --release "$arch_flag" "${packages[@]}"

target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
status=0
for function in "${functions[@]}"; do
  artefact="$target_dir/lambda/$function/bootstrap"
  if [ -f "$artefact" ]; then
    printf '%-16s %10d bytes  %s\n' "$function" "$(wc -c < "$artefact")" "$artefact"
  else
    echo "$function: no artefact at $artefact" >&2
    status=1
  fi
done
exit "$status"
