#!/usr/bin/env bash
# Packs the npm package into dist/npm/serverless-prehook-<version>.tgz with the addon already
# built (scripts/build-addon.sh) and the hook zips of both architectures copied from
# dist/hook/ (scripts/build-hook.sh). Prints the tarball's path on its last line.
#
# Refuses to pack without the real hook zips or the addon: a package that cannot deploy its
# hook must not be produced.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
package_dir="npm/serverless-prehook"

version="$(node -p 'require("./npm/serverless-prehook/package.json").version')"
crate_version="$(sed -n 's/^version *= *"\(.*\)"/\1/p' Cargo.toml | head -1)"
[ "$version" = "$crate_version" ] || {
  echo "pack-plugin: npm package version $version differs from the workspace version $crate_version" >&2
  exit 1
}

ls "$package_dir"/prehook.*.node >/dev/null 2>&1 || {
  echo "pack-plugin: no addon in $package_dir: run scripts/build-addon.sh first" >&2
  exit 1
}

rm -rf "$package_dir/hook"
mkdir -p "$package_dir/hook"
for arch in x86_64 arm64; do
  zip="dist/hook/prehook-$version-$arch.zip"
  [ -f "$zip" ] || {
    echo "pack-plugin: $zip is missing: run scripts/build-hook.sh first" >&2
    exit 1
  }
  cp "$zip" "$package_dir/hook/"
done

mkdir -p dist/npm
tarball="$(cd "$package_dir" && npm pack --silent --pack-destination "$root/dist/npm")"
echo "$root/dist/npm/$tarball"
