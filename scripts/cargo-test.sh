#!/usr/bin/env bash
# `cargo test --workspace --locked` with clippy as the compiler of our own crates: one build of
# the dependency tree serves both the lints and the tests.
#
#   scripts/cargo-test.sh              build, lint and run every test (`make test-rust`)
#   scripts/cargo-test.sh --no-run     build and lint only (`make lint`)
#   scripts/cargo-test.sh <args>       any other `cargo test` arguments
#
# Why: `cargo clippy` is `cargo check` with clippy-driver as the workspace's compiler, and a
# check keeps its own build of every dependency (metadata only, but the AWS SDK crates' front
# end is most of their time: about 150 CPU seconds here, CONTRIBUTING.md "How long it takes").
# Given the same RUSTC_WORKSPACE_WRAPPER and CLIPPY_ARGS, `cargo test` compiles our crates
# through clippy-driver, which lints them exactly as `cargo clippy --all-targets -- -D warnings`
# would (lib, bins, tests, examples: what `cargo test` builds) and then compiles them as rustc
# does; the dependencies are not our crates and are built once, as a plain `cargo test` builds
# them. A lint is then a compile error of the test build.
#
# Every caller uses this script (Makefile, scripts/lib/localaws.sh): cargo fingerprints the
# wrapper, so a plain `cargo test` in between rebuilds our crates (not the dependencies).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The toolchain's own clippy-driver (rust-toolchain.toml: stable, with the clippy component).
driver="$(rustup which clippy-driver 2>/dev/null || command -v clippy-driver || true)"
[ -n "$driver" ] || { echo "cargo-test: clippy-driver not found: rustup component add clippy" >&2; exit 1; }
export RUSTC_WORKSPACE_WRAPPER="$driver"
# What `cargo clippy -- -D warnings` passes to clippy-driver (each argument followed by the
# separator clippy uses); the lints themselves are the workspace's `[lints]` in Cargo.toml.
export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
exec cargo test --workspace --locked "$@"
