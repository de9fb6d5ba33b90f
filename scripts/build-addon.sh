#!/usr/bin/env bash
# Builds the napi addon (crates/prehook-node) with @napi-rs/cli (`napi build --platform
# --release`, from npm/serverless-prehook's devDependencies) for one or more targets:
#
#   scripts/build-addon.sh                      this machine's platform (linux x64: x86_64-unknown-linux-gnu)
#                                               and the wasm fallback: what the root package and this machine need
#   scripts/build-addon.sh --target <triple>    any target of the `napi` block in npm/serverless-prehook/package.json
#   scripts/build-addon.sh --target a --target b
#   scripts/build-addon.sh --host               a plain cargo build for this machine (quicker, not portable)
#
# Each native .node goes into its platform package, npm/platforms/<platform>/prehook.<platform>.node;
# this machine's also into npm/serverless-prehook/lib/binding/, where the generated loader finds it
# in a checkout. The wasm build (wasm32-wasip1-threads) stays in lib/binding/: the root package
# ships it (ARCHITECTURE.md says why). Every build regenerates the loader lib/binding/index.js
# and its types index.d.ts: they are committed, never edited by hand (`make check-binding`
# fails when the committed ones differ from what the build wrote).
#
# How each target is built here (a Linux x64 machine; Rust targets are added on first use):
#   linux gnu     cargo-zigbuild (`-x`) against glibc 2.17 (`<triple>.2.17`), so that the addon loads
#                 on old distributions and CI images too (a plain build here would need glibc 2.34)
#   linux musl    cargo-zigbuild (`-x`), linked to musl's libc.so (napi turns off crt-static), as Alpine's Node loads it
#   darwin        cargo-zigbuild (`-x`), MACOSX_DEPLOYMENT_TARGET 10.13 (x64) / 11.0 (arm64): without
#                 it the binaries would require macOS 15
#   windows       scripts/build-addon-windows.sh (the Windows recipe, see there), when it exists
#   wasm32-wasip1-threads  plain cargo with the `emnapi` package's libraries, no wasi-sdk
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
package_dir="$root/npm/serverless-prehook"
platforms_dir="$root/npm/platforms"
binding_dir="$package_dir/lib/binding"
napi="$package_dir/node_modules/.bin/napi"
# A target directory of its own (target/addon), so that the addon builds while the hook
# (scripts/build-hook.sh, target/<triple>/release) does: cargo locks a build directory for a whole
# build, and in `make test` the two release builds side by side end sooner than one after the
# other (the hook's last minute, its fat-LTO link, uses one core). The crates the two share
# (serde, zip, ...: about 20 CPU seconds) are compiled twice. CARGO_TARGET_DIR, when set, is the
# parent: the addon then builds in $CARGO_TARGET_DIR/addon.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}/addon"

die() { printf 'build-addon: %s\n' "$*" >&2; exit 1; }

targets=()
host=0
while [ $# -gt 0 ]; do
  case "$1" in
    --target) [ $# -ge 2 ] || die "--target needs a triple"; targets+=("$2"); shift 2 ;;
    --target=*) targets+=("${1#--target=}"); shift ;;
    --host) host=1; shift ;;
    *) die "unknown argument $1 (see the top of $0)" ;;
  esac
done

[ -x "$napi" ] || die "$napi not found: run scripts/setup.sh (npm ci in npm/serverless-prehook)"

host_platform="$("$root/scripts/lib/host-platform.sh")"

if [ "${#targets[@]}" -eq 0 ] && [ "$host" -eq 0 ]; then
  case "$host_platform" in
    linux-x64-gnu) targets=(x86_64-unknown-linux-gnu) ;;
    linux-arm64-gnu) targets=(aarch64-unknown-linux-gnu) ;;
    *) host=1 ;;
  esac
  targets+=(wasm32-wasip1-threads)
fi

# `napi build` for one target, run in the plugin's package so that it reads its `napi` block;
# writes lib/binding/prehook.<platform>.node (or the wasm files), index.js and index.d.ts.
napi_build() {
  (cd "$package_dir" && "$napi" build --platform --release \
    --manifest-path ../../crates/prehook-node/Cargo.toml --output-dir lib/binding \
    --js index.js --dts index.d.ts "$@")
}

ensure_rust_target() {
  rustup target list --installed | grep -qx "$1" || rustup target add "$1"
}

# Copies lib/binding/prehook.<platform>.node into its platform package; keeps it in lib/binding
# only for this machine (the root package never ships a .node: npm/serverless-prehook's `files`).
place() {
  local platform="$1" built="$binding_dir/prehook.$1.node"
  [ -f "$built" ] || die "napi build wrote no $built"
  [ -d "$platforms_dir/$platform" ] || die "no platform package $platforms_dir/$platform"
  cp "$built" "$platforms_dir/$platform/prehook.$platform.node.tmp"
  mv "$platforms_dir/$platform/prehook.$platform.node.tmp" "$platforms_dir/$platform/prehook.$platform.node"
  [ "$platform" = "$host_platform" ] || rm -f "$built"
  echo "build-addon: npm/platforms/$platform/prehook.$platform.node ($(stat -c %s "$platforms_dir/$platform/prehook.$platform.node") bytes)"
}

# Proves the build loads in this Node.js through the generated loader and answers, not only
# that a file was written.
smoke() {
  node -e '
    const a = require(process.argv[1]);
    if (typeof a.transform !== "function") process.exit(1);
    console.log(`build-addon: ${process.argv[2]} loads through lib/binding (core ${a.coreVersion()})`);
  ' "$binding_dir" "$1"
}

if [ "$host" -eq 1 ]; then
  napi_build
  place "$host_platform"
  smoke "$host_platform"
fi

for target in "${targets[@]}"; do
  rust_target="${target%%.*}"
  case "$rust_target" in
    x86_64-unknown-linux-gnu) platform=linux-x64-gnu ;;
    aarch64-unknown-linux-gnu) platform=linux-arm64-gnu ;;
    x86_64-unknown-linux-musl) platform=linux-x64-musl ;;
    aarch64-unknown-linux-musl) platform=linux-arm64-musl ;;
    x86_64-apple-darwin) platform=darwin-x64 ;;
    aarch64-apple-darwin) platform=darwin-arm64 ;;
    x86_64-pc-windows-msvc | x86_64-pc-windows-gnu) platform=win32-x64-msvc ;;
    wasm32-wasip1-threads) platform=wasm32-wasi ;;
    *) die "unknown target $target: one of the napi targets in npm/serverless-prehook/package.json" ;;
  esac
  case "$rust_target" in
    *-linux-gnu)
      # Portable glibc unless the caller chose a version (`<triple>.2.28`).
      [ "$target" != "$rust_target" ] || target="$rust_target.2.17"
      ensure_rust_target "$rust_target"
      napi_build -x --target "$target" ;;
    *-linux-musl)
      ensure_rust_target "$rust_target"
      napi_build -x --target "$target" ;;
    x86_64-apple-darwin)
      ensure_rust_target "$rust_target"
      MACOSX_DEPLOYMENT_TARGET=10.13 napi_build -x --target "$target" ;;
    aarch64-apple-darwin)
      ensure_rust_target "$rust_target"
      MACOSX_DEPLOYMENT_TARGET=11.0 napi_build -x --target "$target" ;;
    *-windows-*)
      # Windows is built by its own recipe (owned with the platform tests): it must write
      # lib/binding/prehook.win32-x64-msvc.node, with napi_build's options for the loader.
      [ -x scripts/build-addon-windows.sh ] \
        || die "$target: no scripts/build-addon-windows.sh here; the Windows package is built on a Windows runner (.github/workflows)"
      scripts/build-addon-windows.sh "$target" ;;
    wasm32-wasip1-threads)
      ensure_rust_target "$rust_target"
      napi_build --target "$target" ;;
  esac
  if [ "$platform" = wasm32-wasi ]; then
    # napi also leaves an unprocessed copy (.debug.wasm), which the wasm loader prefers when it
    # exists: removed, so that a checkout runs the very file the package ships.
    rm -f "$binding_dir/prehook.wasm32-wasi.debug.wasm"
    [ -f "$binding_dir/prehook.wasm32-wasi.wasm" ] || die "napi build wrote no lib/binding/prehook.wasm32-wasi.wasm"
    echo "build-addon: lib/binding/prehook.wasm32-wasi.wasm ($(stat -c %s "$binding_dir/prehook.wasm32-wasi.wasm") bytes)"
    NAPI_RS_FORCE_WASI=error smoke wasm32-wasi
  else
    place "$platform"
    [ "$platform" != "$host_platform" ] || smoke "$platform"
  fi
done
