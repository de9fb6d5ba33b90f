#!/usr/bin/env bash
# Builds the Windows addon (package serverless-prehook-win32-x64-msvc) on Linux with mingw-w64:
#
#   scripts/build-addon-windows.sh [x86_64-pc-windows-msvc | x86_64-pc-windows-gnu] [out-file]
#
# Either name builds x86_64-pc-windows-gnu: the MSVC target needs Microsoft's CRT, which
# cannot be downloaded here (ARCHITECTURE.md says why this build is the one released).
# Default out-file: npm/serverless-prehook/lib/binding/prehook.win32-x64-msvc.node, where the
# generated loader looks in a checkout (scripts/build-addon.sh calls this script).
#
# napi-build links the gnu target against a libnode.dll, and official Node.js is a single
# node.exe. With napi's dyn-symbols feature (crates/prehook-node/Cargo.toml) the addon looks
# the napi_* functions up in node.exe when it loads, as an MSVC build does, so the link only
# needs an import library of those names for node.exe: made here with dlltool from the list in
# the locked napi-sys crate. Needs x86_64-w64-mingw32-gcc and -dlltool (scripts/setup-platforms.sh).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
target="${1:-x86_64-pc-windows-msvc}"
out="${2:-$root/npm/serverless-prehook/lib/binding/prehook.win32-x64-msvc.node}"
case "$target" in
  x86_64-pc-windows-msvc | x86_64-pc-windows-gnu) ;;
  *) echo "build-addon-windows: $target is not a Windows x64 target" >&2; exit 2 ;;
esac
triple=x86_64-pc-windows-gnu
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target/addon}"
for tool in x86_64-w64-mingw32-gcc x86_64-w64-mingw32-dlltool; do
  command -v "$tool" >/dev/null 2>&1 || { echo "build-addon-windows: $tool not found: run scripts/setup-platforms.sh" >&2; exit 1; }
done
rustup target list --installed | grep -qx "$triple" || rustup target add "$triple"

libnode="$CARGO_TARGET_DIR/libnode"
mkdir -p "$libnode"
napi_sys="$(cargo metadata --locked --format-version 1 | python3 -c '
import json, sys
meta = json.load(sys.stdin)
print(next(p["manifest_path"] for p in meta["packages"] if p["name"] == "napi-sys"))')"
{
  echo 'LIBRARY node.exe'
  echo 'EXPORTS'
  grep -ohE '\bfn (napi|node_api)_[a-z0-9_]+' "$(dirname "$napi_sys")/src/functions.rs" | sed 's/^fn /  /' | sort -u
} >"$libnode/node.def.tmp"
# Rewritten only when the list changed, so that cargo sees an unchanged library.
if ! cmp -s "$libnode/node.def.tmp" "$libnode/node.def"; then
  mv "$libnode/node.def.tmp" "$libnode/node.def"
  # napi-build looks for a file named libnode.dll; GNU ld reads it as the import library it is.
  x86_64-w64-mingw32-dlltool --input-def "$libnode/node.def" --output-lib "$libnode/libnode.dll"
fi
rm -f "$libnode/node.def.tmp"

LIBNODE_PATH="$libnode" nice -n 10 cargo build --locked --release -p prehook-node --target "$triple"
mkdir -p "$(dirname "$out")"
cp "$CARGO_TARGET_DIR/$triple/release/prehook_node.dll" "$out.tmp" && mv "$out.tmp" "$out"
echo "build-addon-windows: $out ($(stat -c %s "$out") bytes)"
