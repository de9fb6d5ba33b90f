#!/usr/bin/env bash
# Puts the shipped hook's `bootstrap` into hook/, next to the committed prehook.json, so that
# `sam deploy` zips the two together as the PreTraffic hook function.
#
#   ./get-hook.sh                       # the zip of this repository's build (dist/hook/)
#   ./get-hook.sh path/to/prehook-<version>-x86_64.zip
#   ARCH=arm64 ./get-hook.sh            # with `Architectures: [arm64]` in template.yaml
#
# The zip ships in the npm package as well: node_modules/serverless-prehook/hook/.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
arch="${ARCH:-x86_64}"
case "$arch" in x86_64 | arm64) ;; *) echo "get-hook: ARCH must be x86_64 or arm64, got $arch" >&2; exit 1 ;; esac

zip="${1:-}"
if [ -z "$zip" ]; then
  for dir in "$here/../../dist/hook" "$PWD/node_modules/serverless-prehook/hook" "$here/node_modules/serverless-prehook/hook"; do
    found="$(ls "$dir"/prehook-*-"$arch".zip 2>/dev/null | sort -V | tail -1 || true)"
    [ -n "$found" ] && { zip="$found"; break; }
  done
fi
if [ -z "$zip" ] || [ ! -f "$zip" ]; then
  echo "get-hook: no hook zip for $arch found: pass its path (node_modules/serverless-prehook/hook/prehook-<version>-$arch.zip), or build it with scripts/build-hook.sh" >&2
  exit 1
fi

python3 - "$zip" "$here/hook/bootstrap" <<'PY'
import os, sys, zipfile
source, target = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(source) as z:
    data = z.read("bootstrap")
if data[:4] != b"\x7fELF":
    sys.exit(f"get-hook: {source}: bootstrap is not an ELF binary")
with open(target, "wb") as f:
    f.write(data)
# Lambda runs bootstrap as an executable; `sam deploy` keeps the file's mode in the zip.
os.chmod(target, 0o755)
PY
echo "get-hook: $(basename "$zip") -> hook/bootstrap ($(stat -c %s "$here/hook/bootstrap") bytes)"
