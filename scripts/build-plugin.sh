#!/usr/bin/env bash
# Builds the installable plugin: the addon (scripts/build-addon.sh), then the tarball with the
# hook zips from dist/hook/ (scripts/pack-plugin.sh). The hook zips themselves come from
# scripts/build-hook.sh, run first when they are missing.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

version="$(node -p 'require("./npm/serverless-prehook/package.json").version')"
if [ ! -f "dist/hook/prehook-$version-x86_64.zip" ] || [ ! -f "dist/hook/prehook-$version-arm64.zip" ]; then
  scripts/build-hook.sh
fi
scripts/build-addon.sh
scripts/pack-plugin.sh
