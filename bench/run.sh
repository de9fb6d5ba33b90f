#!/usr/bin/env bash
# The benchmarks (`make bench`): our hook against the hand-written Python (boto3) and Node.js
# (AWS SDK v3) hooks in bench/peers/, under the same local CodeDeploy, Lambda Invoke and Lambda
# Runtime API endpoints; then the plugin's own cost in `serverless package`. Prints the table
# and writes bench/RESULTS.md.
#
# Needs dist/hook/prehook-<version>-x86_64.zip (scripts/build-hook.sh), the addon
# (scripts/build-addon.sh, for the packed plugin) and e2e's npm packages (scripts/setup.sh);
# `make bench` builds them first. Installs the peers' own dependencies: bench/requirements.txt
# into bench/.venv, bench/package-lock.json into bench/node_modules.
#
# Environment: BENCH_RUNS (cold/warm runs, default 15), BENCH_SCALING_RUNS (default 5),
# BENCH_PLUGIN_RUNS (`serverless package` runs of each variant, default 5); BENCH_COMMAND (how
# it was started, for RESULTS.md).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bench="$root/bench"
work="$bench/.work"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
runs="${BENCH_RUNS:-15}"
scaling_runs="${BENCH_SCALING_RUNS:-5}"
plugin_runs="${BENCH_PLUGIN_RUNS:-5}"

export BENCH_LOADAVG_START="$(cut -d' ' -f1-3 /proc/loadavg)"

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

version="$(python3 -c 'import tomllib; print(tomllib.load(open("Cargo.toml", "rb"))["workspace"]["package"]["version"])')"
hook_zip="dist/hook/prehook-$version-x86_64.zip"
[ -f "$hook_zip" ] || die "$hook_zip missing: run scripts/build-hook.sh (make bench does)"
[ -f e2e/node_modules/serverless/bin/serverless.js ] || die "e2e/node_modules missing: run scripts/setup.sh"

# A step reruns only when its input file changed since it last succeeded.
stale() { [ ! -f "$2" ] || [ "$(cat "$2")" != "$(sha256sum "$1" | cut -d' ' -f1)" ]; }
stamp() { sha256sum "$1" | cut -d' ' -f1 >"$2"; }

if stale bench/requirements.txt bench/.venv/.prehook-stamp; then
  say "Python peer's packages (bench/requirements.txt) into bench/.venv"
  rm -rf bench/.venv
  python3 -m venv bench/.venv
  bench/.venv/bin/pip install --quiet --disable-pip-version-check -r bench/requirements.txt
  stamp bench/requirements.txt bench/.venv/.prehook-stamp
fi
if stale bench/package-lock.json bench/node_modules/.prehook-stamp; then
  say "Node.js peer's packages (bench/package-lock.json) into bench/node_modules"
  (cd bench && npm ci --no-audit --no-fund --loglevel=error)
  stamp bench/package-lock.json bench/node_modules/.prehook-stamp
fi

rm -rf "$work"
mkdir -p "$work/ours"
# Our hook as Lambda runs it: the bootstrap out of the shipped zip.
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$hook_zip" "$work/ours"
chmod 0755 "$work/ours/bootstrap"

say "building the driver (crates/prehook-bench, release)"
cargo build --release --locked --quiet -p prehook-bench
driver="$target_dir/release/prehook-bench"

say "hooks: $runs cold/warm runs, $scaling_runs scaling runs (1, 10, 50 functions)"
"$driver" --out "$work/hooks.json" --work "$work/driver" \
  --runs "$runs" --scaling-runs "$scaling_runs" --scaling 1,10,50 --check-delay-ms 200 \
  --hook "ours@$work/ours=$work/ours/bootstrap" \
  --hook "python@$bench/peers/python=$bench/.venv/bin/python -m awslambdaric handler.handler" \
  --hook "node@$bench/peers/node=$(command -v node) $bench/lib/node-runtime.mjs index.handler"

say "artifact sizes"
python3 bench/sizes.py --hook-zip "$hook_zip" --work "$work/sizes" --out "$work/sizes.json"

say "plugin cost: serverless package of examples/website with and without serverless-prehook, $plugin_runs runs each"
# A test pack (the x86_64 hook zip, what `make bench` builds): the plugin's cost in
# `serverless package` does not depend on the arm64 zip a release pack adds.
packed="$(scripts/pack-plugin.sh --test)"
mapfile -t tarballs <<<"$packed"
python3 bench/plugin_cost.py "${tarballs[@]/#/--tarball=}" --work "$work/plugin" --runs "$plugin_runs" --out "$work/plugin.json"

python3 bench/report.py --hooks "$work/hooks.json" --sizes "$work/sizes.json" --plugin "$work/plugin.json" \
  --command "${BENCH_COMMAND:-bench/run.sh} (BENCH_RUNS=$runs BENCH_SCALING_RUNS=$scaling_runs BENCH_PLUGIN_RUNS=$plugin_runs)" \
  --out bench/RESULTS.md
