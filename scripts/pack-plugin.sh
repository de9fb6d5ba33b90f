#!/usr/bin/env bash
# Packs the npm package into dist/npm/serverless-prehook-<version>.tgz with the addon already
# built (scripts/build-addon.sh) and the hook zips of both architectures copied from
# dist/hook/ (scripts/build-hook.sh). Prints the tarball's path on its last line.
#
# npm/serverless-prehook's prepack script refuses to pack without the hook zips or the addon.
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

# The package's prepack script copies the hook zips from dist/hook/ and checks the addon.
mkdir -p dist/npm
tarball="$(cd "$package_dir" && npm pack --silent --pack-destination "$root/dist/npm")"
echo "$root/dist/npm/$tarball"
