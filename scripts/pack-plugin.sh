#!/usr/bin/env bash
# Packs the npm package with the addon already built (scripts/build-addon.sh) and the hook zips
# copied from dist/hook/ (scripts/build-hook.sh). Prints the tarball's path on its last line.
#
#   scripts/pack-plugin.sh          a release pack, to dist/npm/serverless-prehook-<version>.tgz:
#                                   refuses without the hook zips of both architectures
#   scripts/pack-plugin.sh --test   a pack for the tests (e2e, the rehearsal), to target/pack-test/:
#                                   needs the x86_64 zip only (`make test` builds no other), takes
#                                   the arm64 one when it is built; never written to dist/
#
# npm/serverless-prehook's prepack script refuses to pack without the hook zips or the addon.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
package_dir="npm/serverless-prehook"

case "${1:-}" in
  "") out_dir="$root/dist/npm" ;;
  --test) out_dir="$root/target/pack-test"; export PREHOOK_PACK_TEST=1 ;;
  *) echo "usage: scripts/pack-plugin.sh [--test]" >&2; exit 64 ;;
esac

version="$(node -p 'require("./npm/serverless-prehook/package.json").version')"
crate_version="$(sed -n 's/^version *= *"\(.*\)"/\1/p' Cargo.toml | head -1)"
[ "$version" = "$crate_version" ] || {
  echo "pack-plugin: npm package version $version differs from the workspace version $crate_version" >&2
  exit 1
}

# The package's prepack script copies the hook zips from dist/hook/ and checks the addon.
mkdir -p "$out_dir"
tarball="$(cd "$package_dir" && npm pack --silent --pack-destination "$out_dir")"
echo "$out_dir/$tarball"
