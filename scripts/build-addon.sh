#!/usr/bin/env bash
# Builds the napi addon (crates/prehook-node) into the npm package as
# npm/serverless-prehook/prehook.<platform>-<arch>.node, the name index.js loads.
#
# On Linux x64 it is built with cargo-zigbuild against glibc 2.17, so that the published
# package loads on old distributions and CI images too (a plain host build here would need
# glibc 2.34). `--host` builds with plain cargo for this machine only (quicker, not portable).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
package_dir="npm/serverless-prehook"
# The hook (scripts/build-hook.sh) is built the same way: cargo zigbuild, glibc 2.17, the
# release profile, into the same target/<triple>/release. Cargo fingerprints the linker, so the
# same floor for both is what lets the addon reuse the dependencies the hook compiled.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"

mode=portable
[ "${1:-}" = "--host" ] && mode=host

platform="$(node -p 'process.platform + "-" + process.arch')"
case "$platform" in
  linux-x64) suffix=linux-x64-gnu; zig_target=x86_64-unknown-linux-gnu ;;
  linux-arm64) suffix=linux-arm64-gnu; zig_target=aarch64-unknown-linux-gnu ;;
  *) suffix="$platform"; mode=host ;;
esac

if [ "$mode" = portable ] && ! command -v cargo-zigbuild >/dev/null 2>&1; then
  echo "build-addon: cargo-zigbuild not found: run scripts/setup.sh (requirements-dev.txt), or pass --host" >&2
  exit 1
fi

if [ "$mode" = portable ]; then
  cargo zigbuild --locked --release -p prehook-node --target "$zig_target.2.17"
  built="$CARGO_TARGET_DIR/$zig_target/release/libprehook_node.so"
else
  cargo build --locked --release -p prehook-node
  built="$CARGO_TARGET_DIR/release/libprehook_node.so"
  [ -f "$built" ] || built="$CARGO_TARGET_DIR/release/libprehook_node.dylib"
fi

out="$package_dir/prehook.$suffix.node"
cp "$built" "$out.tmp" && mv "$out.tmp" "$out"
# Proves the addon loads in this Node.js and answers, not only that a file was copied.
node -e 'const a = require(process.argv[1]); if (typeof a.transform !== "function") process.exit(1); console.log("build-addon: " + process.argv[1] + " (core " + a.coreVersion() + ")")' "$root/$out"
