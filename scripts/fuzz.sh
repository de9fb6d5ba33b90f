#!/usr/bin/env bash
# Short fuzzing runs of prehook-core (not part of `make test`): installs a minimal nightly
# toolchain and cargo-fuzz if missing, then runs every target in fuzz/ for a while.
#
#   scripts/fuzz.sh                 every target, 60 s each
#   scripts/fuzz.sh appspec 300     one target, 5 min
#   FUZZ_SECONDS=20 scripts/fuzz.sh every target, 20 s each
#
# Crashes land in fuzz/artifacts/<target>/; reproduce one with
# `cargo +nightly fuzz run <target> fuzz/artifacts/<target>/<file>`.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# Pinned so that a new release cannot break the command; bump it by hand.
CARGO_FUZZ_VERSION=0.13.2

rustup toolchain list | grep -q '^nightly' \
  || rustup toolchain install nightly --profile minimal
if ! cargo fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi

targets=()
if [ $# -ge 1 ]; then targets=("$1"); else mapfile -t targets < <(cargo +nightly fuzz list); fi
seconds="${2:-${FUZZ_SECONDS:-60}}"

# Its own target dir: nightly and sanitizer flags would only evict the shared stable build.
unset CARGO_TARGET_DIR
mkdir -p fuzz/logs
failed=()
for target in "${targets[@]}"; do
  echo "=== fuzz $target for ${seconds}s"
  # Seeds are committed in fuzz/seeds/<target>; what the run finds goes to fuzz/corpus/ (ignored).
  mkdir -p "fuzz/corpus/$target"
  status=0
  cargo +nightly fuzz run "$target" "fuzz/corpus/$target" "fuzz/seeds/$target" -- \
    -max_total_time="$seconds" -max_len=65536 -print_final_stats=1 -dict=fuzz/dict/prehook.dict \
    >"fuzz/logs/$target.log" 2>&1 || status=$?
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "fuzz/logs/$target.log" | tail -1)"
  echo "$target: ${execs:-?} executions, exit $status (log: fuzz/logs/$target.log)"
  if [ "$status" -ne 0 ]; then
    grep -m1 -A3 "panicked at" "fuzz/logs/$target.log" || tail -20 "fuzz/logs/$target.log"
    failed+=("$target")
  fi
done
[ "${#failed[@]}" -eq 0 ] || { echo "fuzz: crashes in ${failed[*]} (inputs in fuzz/artifacts/)"; exit 1; }
