#!/usr/bin/env bash
# Builds the napi addon for one platform package, on Linux, and copies it to
# <out>/prehook.<platform>.node (default out: target/platforms/addons). The release workflow
# (.github/workflows/release.yml) and `make test-platforms` run this same script.
#
#   scripts/build-platform.sh <platform> [out-dir]
#
# Platforms: linux-x64-gnu linux-arm64-gnu linux-x64-musl linux-arm64-musl darwin-x64
# darwin-arm64 win32-x64-msvc. Everything but Windows goes through cargo-zigbuild: glibc 2.17
# for the gnu packages, musl as a shared object (not static: Node loads it), macOS 10.13
# (x64) and 11.0 (arm64) as the oldest systems (zig's default would be macOS 15).
# win32-x64-msvc is built with mingw-w64 as x86_64-pc-windows-gnu (why: ARCHITECTURE.md).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
platform="${1:?usage: scripts/build-platform.sh <platform> [out-dir]}"
out_dir="${2:-$root/target/platforms/addons}"
# A target dir of its own: these builds never throw away the host's or the hook's. The macOS
# builds have another one, so that they can run beside the Linux and Windows builds.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}/platforms"
case "$platform" in darwin-*) CARGO_TARGET_DIR="$CARGO_TARGET_DIR/darwin" ;; esac

zig=1
case "$platform" in
  linux-x64-gnu) triple=x86_64-unknown-linux-gnu; zig_suffix=.2.17; lib=libprehook_node.so ;;
  linux-arm64-gnu) triple=aarch64-unknown-linux-gnu; zig_suffix=.2.17; lib=libprehook_node.so ;;
  linux-x64-musl) triple=x86_64-unknown-linux-musl; lib=libprehook_node.so ;;
  linux-arm64-musl) triple=aarch64-unknown-linux-musl; lib=libprehook_node.so ;;
  darwin-x64) triple=x86_64-apple-darwin; lib=libprehook_node.dylib; export MACOSX_DEPLOYMENT_TARGET=10.13 ;;
  darwin-arm64) triple=aarch64-apple-darwin; lib=libprehook_node.dylib; export MACOSX_DEPLOYMENT_TARGET=11.0 ;;
  win32-x64-msvc) triple=x86_64-pc-windows-gnu; lib=prehook_node.dll; zig=0 ;;
  *) echo "build-platform: unknown platform $platform" >&2; exit 2 ;;
esac

case "$triple" in
  *-musl)
    # Rust links musl statically by default, which rules out a cdylib; Node's musl builds
    # load addons against the system's libc.musl like any shared object.
    var="CARGO_TARGET_$(tr 'a-z-' 'A-Z_' <<<"$triple")_RUSTFLAGS"
    export "$var=-C target-feature=-crt-static"
    ;;
esac

if [ "$zig" = 1 ]; then
  nice -n 10 cargo zigbuild --locked --release -p prehook-node --target "$triple${zig_suffix:-}"
else
  scripts/build-addon-windows.sh "$triple" "$out_dir/prehook.$platform.node"
  exit 0
fi

mkdir -p "$out_dir"
out="$out_dir/prehook.$platform.node"
cp "$CARGO_TARGET_DIR/$triple/release/$lib" "$out.tmp" && mv "$out.tmp" "$out"
echo "build-platform: $out ($(stat -c %s "$out") bytes)"
