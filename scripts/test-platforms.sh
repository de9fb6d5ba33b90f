#!/usr/bin/env bash
# `make test-platforms`: builds the addon of every platform package and proves each one as far
# as this Linux x64 machine can (the table it writes is PLATFORMS.md):
#   - runs platforms/smoke/smoke.js through it where a Node.js for it runs here: linux-x64 on the
#     machine's Node.js and on official Node.js 22 and 24, linux-arm64 on official Node.js
#     under qemu-user, win32-x64 on official node.exe under wine; every document must be byte
#     for byte the one linux-x64-gnu gives on the machine's Node.js;
#   - checks the file of every binary (platforms/check_binary.py): format, CPU, minimum OS,
#     linked libraries, glibc symbol versions (none for musl);
#   - runs the WebAssembly fallback (built by make build-addon) through the generated loader on
#     the machine's Node.js and official 22 and 24;
#   - packs every package and installs them from the tarballs as npm picks them, and asserts
#     which addon the loader loaded (scripts/test-platforms-install.sh);
#   - lints the release workflow with actionlint.
# Not part of `make test`: it builds seven targets (long the first time, incremental after).
# Every step runs even after one failed; the summary lists them all.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
work="$root/target/platforms"
out="$work/smoke"
addons="$work/addons"
logs="$work/logs"
mkdir -p "$out" "$addons" "$logs"
# The reference is written by this run's first smoke; nothing from an earlier run is compared.
rm -f "$out"/*.json
nodes="$root/platforms/nodes/node_modules"

PLATFORMS=(linux-x64-gnu linux-arm64-gnu linux-x64-musl linux-arm64-musl darwin-x64 darwin-arm64 win32-x64-msvc)
# `scripts/test-platforms.sh <platform>...` runs only those (linux-x64-gnu always: the reference).
if [ $# -gt 0 ]; then
  PLATFORMS=(linux-x64-gnu)
  for p in "$@"; do [ "$p" = linux-x64-gnu ] || PLATFORMS+=("$p"); done
fi

results=()   # "platform|package|how tested|outcome"
failed=0
record() {
  local package="serverless-prehook-$1"
  [ "$1" = wasm32-wasi ] && package="serverless-prehook (lib/binding/)"
  results+=("$1|$package|$2|$3"); [ "$3" = passed ] || failed=$((failed + 1))
}
say() { printf '\n=== %s\n' "$*"; }

# A step's output goes to its log; on failure its tail is shown.
step() {
  local log="$logs/$1.log"; shift
  if "$@" >"$log" 2>&1; then tail -n 3 "$log"; return 0; fi
  tail -n 25 "$log"; echo "(full log: $log)"; return 1
}

say "actionlint .github/workflows/"
if step actionlint actionlint .github/workflows/*.yml; then lint=passed; else lint=FAILED; failed=$((failed + 1)); fi

built=()
for platform in "${PLATFORMS[@]}"; do
  say "build $platform"
  start=$SECONDS
  if step "build-$platform" scripts/build-platform.sh "$platform" "$addons"; then
    built+=("$platform")
  else
    record "$platform" "build (scripts/build-platform.sh)" FAILED
  fi
  echo "($((SECONDS - start)) s)"
done
is_built() { [[ " ${built[*]} " == *" $1 "* ]]; }

declare -A file_check=()
for platform in "${built[@]}"; do
  if line="$(python3 platforms/check_binary.py "$platform" "$addons/prehook.$platform.node" 2>&1)"; then
    file_check[$platform]="${line#check-binary: "$platform": }"
    echo "$line"
  else
    echo "$line"
    file_check[$platform]=FAILED
  fi
done

# smoke <name> <addon> <command...>: runs the smoke script, then compares with the reference.
reference="$out/reference.json"
smoke() {
  local name="$1" addon="$2"; shift 2
  local doc="$out/$name.json"
  rm -f "$doc"
  say "smoke $name"
  # A bound, so that a hang (an addon waiting on a callback forever) fails instead of stalling.
  if ! step "smoke-$name" timeout 600 "$@" "$root/platforms/smoke/smoke.js" "$addon" "$doc"; then return 1; fi
  # The first run (linux-x64-gnu on the machine's Node.js) is the reference itself.
  [ -f "$reference" ] || return 0
  if ! cmp "$reference" "$doc"; then
    diff -u "$reference" "$doc" | head -n 40
    echo "smoke $name: differs from linux-x64-gnu's document"
    return 1
  fi
}

# Runs of one platform: "how" lists what passed; any failure fails the platform.
declare -A how=() outcome=()
ran() { # ran <platform> <description> <status>
  how[$1]="${how[$1]:+${how[$1]}; }$2"
  if [ "$3" != 0 ]; then outcome[$1]=FAILED; how[$1]="${how[$1]} (FAILED)"; fi
}

machine_node="$(node -v)"
if is_built linux-x64-gnu; then
  x64="$addons/prehook.linux-x64-gnu.node"
  smoke "linux-x64-gnu-node${machine_node#v}" "$x64" node; status=$?
  cp "$out/linux-x64-gnu-node${machine_node#v}.json" "$reference" 2>/dev/null || status=1
  ran linux-x64-gnu "smoke on the machine's Node.js ${machine_node} (the reference)" $status
  for n in node22-linux-x64 node24-linux-x64; do
    exe="$nodes/$n/bin/node"
    v="$("$exe" -v)"
    smoke "linux-x64-gnu-node${v#v}" "$x64" "$exe"
    ran linux-x64-gnu "smoke on official Node.js $v, identical" $?
  done
fi

if is_built linux-arm64-gnu && [ -f "$reference" ]; then
  # Official linux-arm64 Node.js is dynamically linked against glibc and libstdc++: Debian's
  # arm64 cross libraries (/usr/aarch64-linux-gnu) are the root qemu-user loads them from.
  exe="$nodes/node24-linux-arm64/bin/node"
  v="$(qemu-aarch64 -L /usr/aarch64-linux-gnu "$exe" -v)"
  smoke "linux-arm64-gnu-node${v#v}" "$addons/prehook.linux-arm64-gnu.node" qemu-aarch64 -L /usr/aarch64-linux-gnu "$exe"
  ran linux-arm64-gnu "smoke on official Node.js $v (linux-arm64) under qemu-user $(qemu-aarch64 --version | sed -n 's/.*version \([^ ]*\).*/\1/p;q'), identical" $?
fi

if is_built win32-x64-msvc && [ -f "$reference" ]; then
  # A wine prefix of our own, with the stand-in bcryptprimitives.dll (platforms/wine/) that
  # wine 8 lacks and real Windows has, in its system32 where Windows' own would be.
  export WINEPREFIX="$work/wine" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
  stand_in="$work/wine-dll/bcryptprimitives.dll"
  mkdir -p "$(dirname "$stand_in")"
  if [ ! -f "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" ] || [ "$root/platforms/wine/bcryptprimitives.c" -nt "$stand_in" ]; then
    x86_64-w64-mingw32-gcc -O2 -shared -s -o "$stand_in" "$root/platforms/wine/bcryptprimitives.c" -ladvapi32
    wineboot --init >"$logs/wineboot.log" 2>&1 || true
    # Node.js refuses to start on what wine reports by default (Windows 7).
    wine reg add 'HKCU\Software\Wine' /v Version /d win10 /f >>"$logs/wineboot.log" 2>&1
    cp "$stand_in" "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll"
  fi
  # Node.js 22: official Node.js 24's V8 stops at start under wine 8 ("Fatal process out of
  # memory: SegmentedTable::InitializeTable"), before any addon; the release workflow runs 22
  # and 24 on a Windows runner.
  exe="$nodes/node22-win-x64/bin/node.exe"
  v="$(wine "$exe" -v | tr -d '\r')"
  smoke "win32-x64-msvc-node${v#v}" "$addons/prehook.win32-x64-msvc.node" wine "$exe"
  ran win32-x64-msvc "smoke on official node.exe $v under $(wine --version), identical; zip entries Unix 0755/0644" $?
fi

# The WebAssembly fallback (scripts/build-addon.sh, make build-addon: it ships in the plugin
# package), forced through the generated loader in the checkout, as the workflow's smoke-wasm job.
binding="$root/npm/serverless-prehook/lib/binding"
if [ -f "$reference" ] && [ -f "$binding/prehook.wasm32-wasi.wasm" ]; then
  for exe in node "$nodes/node22-linux-x64/bin/node" "$nodes/node24-linux-x64/bin/node"; do
    v="$("$exe" -v)"
    NAPI_RS_FORCE_WASI=error smoke "wasm32-wasi-node${v#v}" "$binding" "$exe"
    ran wasm32-wasi "smoke on Node.js $v (NAPI_RS_FORCE_WASI=error), identical" $?
  done
elif [ -f "$reference" ]; then
  ran wasm32-wasi "not built: npm/serverless-prehook/lib/binding/prehook.wasm32-wasi.wasm is missing (make build-addon)" 1
fi

# The packages as npm installs them: which addon the generated loader picks, and the smoke
# script through it (scripts/test-platforms-install.sh).
if [ -f "$reference" ]; then
  say "pack and install"
  step install scripts/test-platforms-install.sh "$addons"
  while read -r _ case result; do
    case="${case%:}"
    case "$case" in
      native) p=linux-x64-gnu; text="installed from the packed tarballs (npm picks this package), loaded through the generated loader, smoke identical" ;;
      arm64) p=linux-arm64-gnu; text="installed with npm --cpu=arm64 from the tarballs, loaded through the generated loader under qemu-user, smoke identical" ;;
      win32) p=win32-x64-msvc; text="installed with npm --os=win32 from the tarballs, loaded through the generated loader under wine, smoke identical" ;;
      no-optional-node*) p=wasm32-wasi; text="npm install --omit=optional: the loader picks the WebAssembly build; smoke on Node.js ${case#no-optional-node}, identical" ;;
      no-optional) p=wasm32-wasi; text="npm install --omit=optional" ;;
      packing)
        results+=("(packing)|every package: scripts/pack-plugin.sh --all|the workflow's pack command|$result")
        failed=$((failed + 1))
        continue ;;
      *) p="$case"; text="$case" ;;
    esac
    [ "$result" = passed ] && ran "$p" "$text" 0 || ran "$p" "$text: $result" 1
  done < <(grep '^install ' "$logs/install.log")
  grep -q '^install ' "$logs/install.log" || { ran linux-x64-gnu "pack and install (see $logs/install.log)" 1; }
fi

if [ -n "${how[wasm32-wasi]:-}" ]; then
  built+=(wasm32-wasi)
  file_check[wasm32-wasi]="$( [ -f "$binding/prehook.wasm32-wasi.wasm" ] && echo "WebAssembly, $(stat -c %s "$binding/prehook.wasm32-wasi.wasm") bytes, in the plugin package (lib/binding/)" || echo "none")"
fi
PLATFORMS+=(wasm32-wasi)
for platform in "${PLATFORMS[@]}"; do
  is_built "$platform" || continue
  desc="${how[$platform]:-}"
  [ -n "$desc" ] && desc="$desc; "
  if [ "${file_check[$platform]}" = FAILED ]; then
    outcome[$platform]=FAILED; desc="${desc}file check FAILED"
  else
    desc="${desc}file: ${file_check[$platform]}"
  fi
  record "$platform" "$desc" "${outcome[$platform]:-passed}"
done

commit="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- crates platforms scripts Cargo.lock || echo '+changes')"
date="$(date -u +%Y-%m-%d)"
{
  echo "| platform | package | how it was tested | outcome | date | commit |"
  echo "| --- | --- | --- | --- | --- | --- |"
  for r in "${results[@]}"; do
    IFS='|' read -r platform package tested result <<<"$r"
    echo "| $platform | \`$package\` | $tested | $result | $date | $commit |"
  done
  echo "| (workflow) | \`.github/workflows/release.yml\` | actionlint $(actionlint -version 2>/dev/null | head -n1) | $lint | $date | $commit |"
} >"$work/PLATFORMS.table.md"

# PLATFORMS.md: the table between its markers, with this run's figures (commit it).
{
  cat "$work/PLATFORMS.table.md"
  echo
  echo "Run of \`make test-platforms\` on $date at $commit: $(( ${#results[@]} + 1 - failed )) passed, $failed failed;"
  echo "$((SECONDS / 60)) min $((SECONDS % 60)) s for scripts/test-platforms.sh on $(nproc) cores (load $(cut -d' ' -f1-3 /proc/loadavg))."
} >"$work/PLATFORMS.section.md"
python3 - "$root/PLATFORMS.md" "$work/PLATFORMS.section.md" <<'PY'
import sys
path, section = sys.argv[1], open(sys.argv[2]).read()
text = open(path).read()
start, end = "<!-- written by scripts/test-platforms.sh: from here -->\n", "<!-- to here -->"
head, rest = text.split(start, 1)
open(path, "w").write(head + start + section + rest[rest.index(end):])
PY

say "make test-platforms summary"
cat "$work/PLATFORMS.table.md"
echo "test-platforms: $(( ${#results[@]} + 1 - failed )) passed, $failed failed (table: target/platforms/PLATFORMS.table.md)"
[ "$failed" -eq 0 ]
