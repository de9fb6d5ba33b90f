#!/usr/bin/env bash
# Packs the plugin for installing: this machine's platform package
# (npm/platforms/<platform>/, the native addon) and the root package npm/serverless-prehook
# (the plugin, the WebAssembly fallback in lib/binding/, the hook zips copied from dist/hook/ by
# its prepack script).
#
#   scripts/pack-plugin.sh          a release pack, to dist/npm/: refuses without the hook zips
#                                   of both architectures
#   scripts/pack-plugin.sh --test   a pack for the tests (e2e, the rehearsal), to target/pack-test/:
#                                   needs the x86_64 zip only (`make test` builds no other), takes
#                                   the arm64 one when it is built; never written to dist/
#   scripts/pack-plugin.sh --all    a release pack of every platform package whose addon is built
#                                   (scripts/build-addon.sh --target ...) instead of this machine's
#
# Prints the tarballs' paths, one per line, the root package last: install them together
# (`npm install <every line>`), so that the root's optional dependency on this platform's
# package is met by the tarball rather than looked up in the registry.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
package_dir="npm/serverless-prehook"

die() { printf 'pack-plugin: %s\n' "$*" >&2; exit 1; }

out_dir="$root/dist/npm"
all=0
for arg in "$@"; do
  case "$arg" in
    --test) out_dir="$root/target/pack-test"; export PREHOOK_PACK_TEST=1 ;;
    --all) all=1 ;;
    *) die "usage: scripts/pack-plugin.sh [--test] [--all]" ;;
  esac
done

version="$(node -p 'require("./npm/serverless-prehook/package.json").version')"
crate_version="$(sed -n 's/^version *= *"\(.*\)"/\1/p' Cargo.toml | head -1)"
[ "$version" = "$crate_version" ] || die "npm package version $version differs from the workspace version $crate_version"

if [ "$all" = 1 ]; then
  platforms=()
  for dir in npm/platforms/*/; do
    platform="$(basename "$dir")"
    [ -f "$dir/prehook.$platform.node" ] && platforms+=("$platform")
  done
  [ "${#platforms[@]}" -gt 0 ] || die "no platform package has its addon: run scripts/build-addon.sh --target <triple>"
else
  platforms=("$(scripts/lib/host-platform.sh)")
fi

mkdir -p "$out_dir"
# `make test` runs e2e and the rehearsal side by side, and both pack: one pack at a time (the
# root package's prepack and postpack rewrite its package.json in place), each written beside
# its final name and renamed into place, so that a reader installing the previous tarball keeps
# reading a whole file.
exec 9>"$out_dir/.pack.lock"
flock 9
staging="$(mktemp -d "$out_dir/.staging.XXXXXX")"
trap 'rm -rf "$staging"' EXIT
publish() {
  mv -f "$staging/$1" "$out_dir/$1"
  echo "$out_dir/$1"
}
for platform in "${platforms[@]}"; do
  dir="npm/platforms/$platform"
  [ -d "$dir" ] || die "no platform package for $platform (npm/platforms/)"
  [ -f "$dir/prehook.$platform.node" ] || die "$dir/prehook.$platform.node is missing: run scripts/build-addon.sh first"
  package_version="$(node -p 'require(process.argv[1]).version' "$root/$dir/package.json")"
  [ "$package_version" = "$version" ] || die "$dir is version $package_version, the plugin $version: they are published together"
  tarball="$(cd "$dir" && npm pack --silent --pack-destination "$staging")"
  publish "$tarball"
done

# The package's prepack script copies the hook zips from dist/hook/, checks the wasm build and
# writes the platform packages into the packed package.json.
tarball="$(cd "$package_dir" && npm pack --silent --pack-destination "$staging")"
publish "$tarball"
