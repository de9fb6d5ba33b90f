#!/usr/bin/env bash
# The plugin's cost on its own (`make bench-plugin`): `serverless package` of examples/website
# without serverless-prehook, with it on the native addon, and on the wasm fallback; prints the
# figures against the targets (native +0.3 s, wasm +1 s) and rewrites only that section of
# bench/RESULTS.md (bench/run.sh measures the same as part of the whole benchmark).
#
# Needs the x86_64 hook zip (scripts/build-hook.sh x86_64), the addon and its wasm build
# (scripts/build-addon.sh) and e2e's npm packages (scripts/setup.sh); `make bench-plugin` builds
# them first. BENCH_PLUGIN_RUNS: runs of each variant (default 5).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
runs="${BENCH_PLUGIN_RUNS:-5}"
work="$root/bench/.work"
mkdir -p "$work"

# A test pack (the x86_64 hook zip, what `make bench` builds): the plugin's cost in
# `serverless package` does not depend on the arm64 zip a release pack adds.
packed="$(scripts/pack-plugin.sh --test)"
mapfile -t tarballs <<<"$packed"
python3 bench/plugin_cost.py "${tarballs[@]/#/--tarball=}" --work "$work/plugin" --runs "$runs" --out "$work/plugin.json"
python3 bench/report.py --plugin-only --plugin "$work/plugin.json" \
  --command "${BENCH_COMMAND:-bench/plugin-cost.sh} (BENCH_PLUGIN_RUNS=$runs)" --out bench/RESULTS.md
