#!/usr/bin/env bash
# Prints the path of the prehook-localaws binary that `cargo test --workspace --locked` builds
# (the debug one its integration tests run; through scripts/cargo-test.sh, as make test-rust
# builds it), building it first if it is not up to date.
#
#   scripts/lib/localaws.sh           the test build's binary (make test: e2e, test-js, rehearse)
#   scripts/lib/localaws.sh --alone   the binary alone, in target/localaws: for `make demo`,
#                                     which runs no test (the whole test build, the AWS SDK's
#                                     debug build among it, is most of its CPU otherwise)
#
# Why not `cargo build --bin prehook-localaws`: `cargo test --workspace` resolves features with
# every member's dev-dependencies (tokio gains `test-util`, `process`, ...), a plain
# `cargo build` without them; the two disagree on tokio's features, so each would recompile
# tokio, hyper and prehook-localaws over the other's build (about a minute on 2 cores, twice
# per `make test`). `cargo test --no-run` with the same arguments is all Fresh after
# `make test-rust`, and when run first it builds what `cargo test` then reuses.
# (A lint in our crates fails this build too, as it fails make lint.)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

build=(scripts/cargo-test.sh --no-run)
case "${1:-}" in
  "") ;;
  # A target directory of its own: tokio's features differ from the test build's (above), and
  # sharing target/debug would make each build recompile them over the other's.
  --alone) build=(env CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}/localaws" cargo build --locked -p prehook-localaws --bin prehook-localaws) ;;
  *) echo "localaws: unknown argument $1 (none, or --alone)" >&2; exit 2 ;;
esac

# Progress and errors go to stderr; only the JSON messages reach the parser.
"${build[@]}" --quiet --message-format=json-render-diagnostics |
  node -e '
    let found = "";
    require("readline").createInterface({ input: process.stdin }).on("line", (line) => {
      const m = JSON.parse(line);
      // The binary itself, not the unit-test harness of its main.rs (same target, profile.test).
      if (m.reason === "compiler-artifact" && m.target.name === "prehook-localaws" && m.target.kind.includes("bin") && !m.profile.test && m.executable) found = m.executable;
    }).on("close", () => {
      if (!found) { console.error("localaws: the build wrote no prehook-localaws binary"); process.exit(1); }
      console.log(found);
    });
  '
