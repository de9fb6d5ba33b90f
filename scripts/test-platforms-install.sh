#!/usr/bin/env bash
# Part of `make test-platforms` (scripts/test-platforms.sh calls it): packs the plugin and every
# platform package as the release workflow publishes them, installs them from those tarballs into
# scratch projects the way npm picks them (optionalDependencies filtered by os, cpu and libc;
# the tarballs stand in for the registry through `overrides`), and asserts which addon the
# generated loader loaded:
#   - linux x64, the native package present: serverless-prehook-linux-x64-gnu;
#   - `npm install --omit=optional`: the WebAssembly build the plugin ships;
#   - `--cpu=arm64` (run under qemu-user) and `--os=win32` (run under wine): that platform's package.
# Each run then goes through platforms/smoke/smoke.js with the installed plugin's loader, and its
# document must equal linux-x64-gnu's (target/platforms/smoke/reference.json).
#
#   scripts/test-platforms-install.sh <addons-dir>
# Prints one `install <case>: <outcome>` line per case for the summary; exits 1 if one failed.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
addons="${1:?usage: scripts/test-platforms-install.sh <addons-dir>}"
work="$root/target/platforms/install"
nodes="$root/platforms/nodes/node_modules"
reference="$root/target/platforms/smoke/reference.json"
rm -rf "$work"
mkdir -p "$work"
failed=0
report() { echo "install $1: $2"; [ "$2" = passed ] || failed=$((failed + 1)); }

[ -d npm/platforms ] || { report packages "FAILED: no npm/platforms/ (the platform packages)"; exit 1; }

# Every addon into its platform package, then scripts/pack-plugin.sh --all, as the publish job
# does: each platform package with its addon, and the plugin (the wasm build, the hook zips).
for dir in npm/platforms/*/; do
  platform="$(basename "$dir")"
  [ -f "$addons/prehook.$platform.node" ] && cp "$addons/prehook.$platform.node" "$dir/prehook.$platform.node"
done
if scripts/pack-plugin.sh --all >"$work/tarballs.txt" 2>"$work/pack-plugin.log"; then
  plugin="$(tail -n 1 "$work/tarballs.txt")"
  with_wasm=1
else
  # The plugin's prepack refuses without the hook zips (make build-hook) and the wasm build
  # (make build-addon): a failure of this run. The platform packages are packed all the same,
  # and the plugin without its prepack checks, so that npm's choice of a package is still
  # tested (the wasm cases too when the wasm build is there).
  cat "$work/pack-plugin.log" >&2
  report packing "FAILED: scripts/pack-plugin.sh --all: $(grep -o 'prepack: .*' "$work/pack-plugin.log" | head -n 1)"
  for dir in npm/platforms/*/; do
    [ -f "$dir/prehook.$(basename "$dir").node" ] || continue
    (cd "$dir" && npm pack --silent --pack-destination "$work") | sed "s|^|$work/|" >>"$work/tarballs.txt"
  done
  (cd npm/serverless-prehook && npm pack --ignore-scripts --silent --pack-destination "$work") | sed "s|^|$work/|" >>"$work/tarballs.txt"
  plugin="$(tail -n 1 "$work/tarballs.txt")"
  with_wasm=0
  [ -f npm/serverless-prehook/lib/binding/prehook.wasm32-wasi.wasm ] && with_wasm=1
fi
overrides=()
while read -r tarball; do
  [ "$tarball" = "$plugin" ] && continue
  name="$(basename "$tarball" .tgz)"
  name="${name%-*}"   # serverless-prehook-linux-x64-gnu-0.1.0 -> serverless-prehook-linux-x64-gnu
  overrides+=("\"$name\": \"file:$tarball\"")
done <"$work/tarballs.txt"
ls -l $(cat "$work/tarballs.txt") | awk '{print $5, $9}'

# project <name> <npm install options...>: a scratch project that depends on the plugin tarball.
project() {
  local name="$1"; shift
  local dir="$work/$name"
  mkdir -p "$dir"
  local joined
  joined="$(IFS=,; echo "${overrides[*]}")"
  cat >"$dir/package.json" <<EOF
{ "name": "scratch-$name", "private": true,
  "dependencies": { "serverless-prehook": "file:$plugin" },
  "overrides": { $joined } }
EOF
  (cd "$dir" && npm install --no-audit --no-fund --loglevel=error "$@") >"$dir.npm.log" 2>&1 || {
    cat "$dir.npm.log"; return 1; }
}

# Which file the plugin's loader required for the core, written to argv[3] (a file, not
# stdout: wine's node.exe cannot write to a pipe). In a file, not `-e`: wine and qemu pass
# arguments on, but a multi-line script is safer as a file.
cat >"$work/which-loaded.js" <<'JS'
const path = require('path');
const [project, out] = process.argv.slice(2);
const plugin = path.join(project, 'node_modules', 'serverless-prehook');
require(path.join(plugin, 'lib', 'addon.js')).load().coreVersion();
const files = Object.keys(require.cache).map((f) => path.relative(project, f).split(path.sep).join('/'));
const hit = files.find((f) => f.endsWith('.node')) || files.find((f) => /\.wasi\.cjs$/.test(f)) || 'nothing';
require('fs').writeFileSync(out, `${hit}\n`);
JS

# case <name> <expected file> <project> <node command...>
check_case() {
  local name="$1" want="$2" dir="$work/$3"; shift 3
  local got_file="$work/$name.loaded"
  if ! timeout 600 "$@" "$work/which-loaded.js" "$dir" "$got_file" >"$work/$name.log" 2>&1; then
    tail -n 20 "$work/$name.log"; report "$name" "FAILED: the plugin did not load"; return
  fi
  local got; got="$(tr -d '\r' <"$got_file")"
  if [ "$got" != "$want" ]; then report "$name" "FAILED: loaded $got, expected $want"; return; fi
  local doc="$work/$name.json"
  if ! timeout 600 "$@" "$root/platforms/smoke/smoke.js" "$dir/node_modules/serverless-prehook/lib/binding" "$doc" >>"$work/$name.log" 2>&1; then
    tail -n 20 "$work/$name.log"; report "$name" "FAILED: smoke through the loader"; return
  fi
  if ! cmp -s "$reference" "$doc"; then
    diff -u "$reference" "$doc" | head -n 30; report "$name" "FAILED: smoke differs from linux-x64-gnu"; return
  fi
  report "$name" passed
  echo "  loaded $got"
}

project native && check_case native node_modules/serverless-prehook-linux-x64-gnu/prehook.linux-x64-gnu.node native node \
  || report native "FAILED: npm install"
wasi=node_modules/serverless-prehook/lib/binding/prehook.wasi.cjs
if [ "$with_wasm" = 0 ]; then
  report no-optional "not run: the plugin has no wasm build to fall back on"
elif project no-optional --omit=optional; then
  check_case "no-optional-node$(node -v | cut -c2-)" "$wasi" no-optional node
  for n in node22-linux-x64 node24-linux-x64; do
    check_case "no-optional-node$("$nodes/$n/bin/node" -v | cut -c2-)" "$wasi" no-optional "$nodes/$n/bin/node"
  done
else
  report no-optional "FAILED: npm install --omit=optional"
fi
project arm64 --cpu=arm64 && check_case arm64 node_modules/serverless-prehook-linux-arm64-gnu/prehook.linux-arm64-gnu.node arm64 \
  qemu-aarch64 -L /usr/aarch64-linux-gnu "$nodes/node24-linux-arm64/bin/node" \
  || report arm64 "FAILED: npm install --cpu=arm64"
if [ -n "${WINEPREFIX:-}" ]; then
  project win32 --os=win32 --cpu=x64 && check_case win32 node_modules/serverless-prehook-win32-x64-msvc/prehook.win32-x64-msvc.node win32 \
    wine "$nodes/node22-win-x64/bin/node.exe" \
    || report win32 "FAILED: npm install --os=win32"
fi
[ "$failed" -eq 0 ]
