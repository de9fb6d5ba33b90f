#!/usr/bin/env bash
# Installs everything the build, the tests and the rehearsal need, from the project's own
# files: Python tools from requirements-dev.txt, Rust targets from rust-toolchain.toml, npm
# packages from the committed package-lock.json of each folder they run in. Safe to run
# again: steps that are already done are skipped quickly.
#
#   scripts/setup.sh         everything
#   scripts/setup.sh tools   the Python tools and the Rust targets: what the Rust builds need
#   scripts/setup.sh npm     the npm installs: what the addon build, the JS tests, e2e and the
#                            rehearsal need
#   scripts/setup.sh npm <folder>...   only those of them (`make demo`: the plugin's and
#                            examples/website's, scripts/rehearse)
#
# `make test` runs the two halves apart: its Rust builds start after the quick first one, while
# the npm installs (half a minute from a clean clone) run beside them.
set -euo pipefail

phase="${1:-all}"
case "$phase" in
  all | tools | npm) ;;
  *) printf 'setup: unknown phase %s (tools, npm, or none for both)\n' "$phase" >&2; exit 2 ;;
esac
# Only `npm` takes more words (its folders): anything after another phase would be ignored.
if [ "$phase" != npm ] && [ $# -gt 1 ]; then
  printf 'setup: %s takes no folders (only `npm <folder>...` does), got: %s\n' "$phase" "${*:2}" >&2
  exit 2
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# The npm installs `make test` and `make demo` use: the plugin's (its tests, napi), e2e's (the
# frameworks and the corpus's plugins) and examples/website's (the rehearsal packages a copy of
# it, as a user's project). Not examples/worker: e2e copies it without node_modules, and its
# own tests need none (a user of the example runs `npm ci` there). bench/ and platforms/
# install their own (bench/run.sh, scripts/setup-platforms.sh).
npm_dirs=(npm/serverless-prehook e2e examples/website)
if [ "$phase" = npm ] && [ $# -gt 1 ]; then
  npm_dirs=("${@:2}")
  for dir in "${npm_dirs[@]}"; do
    [ -f "$dir/package-lock.json" ] || { printf 'setup: %s has no package-lock.json\n' "$dir" >&2; exit 2; }
  done
fi

say() { printf '==> %s\n' "$*"; }
die() { printf 'setup: %s\n' "$*" >&2; exit 1; }

need() {
  command -v "$1" >/dev/null 2>&1 || die "$1 not found: $2"
}

need node "install Node.js 20.19 or newer (22.13 or newer on the 22 line)"
need npm "install npm (ships with Node.js)"
need python3 "install Python 3.11 or newer with pip"
need cargo "install Rust with rustup (https://rustup.rs)"
need rustup "install Rust with rustup (https://rustup.rs)"
need git "install git"

# The floor of npm/serverless-prehook's `engines`: ^20.19.0 || ^22.13.0 || >=23.5.0, what the
# WebAssembly fallback's runtime (@napi-rs/wasm-runtime) and @napi-rs/cli need.
node -e '
  const [major, minor] = process.versions.node.split(".").map(Number);
  const ok = (major === 20 && minor >= 19) || (major === 22 && minor >= 13) || (major === 23 && minor >= 5) || major >= 24;
  process.exit(ok ? 0 : 1);
' || die "Node.js ^20.19.0 || ^22.13.0 || >=23.5.0 is needed, found $(node -v)"
python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || die "Python 3.11 or newer is needed, found $(python3 --version)"

# Debian packages: only what a fresh Debian machine lacks (unzip/zip are not needed,
# Python's zipfile reads and writes the artifacts).
missing_debs=()
command -v make >/dev/null 2>&1 || missing_debs+=(make)
if [ "${#missing_debs[@]}" -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || die "missing ${missing_debs[*]} and no apt-get to install them"
  say "apt-get install ${missing_debs[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing_debs[@]}" >/dev/null
fi

# The installs below are independent and mostly wait on the network or the disk: they run side
# by side, each with its output kept until it ends (printed in one piece), and setup fails if
# any of them failed.
logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT
jobs_started=()
in_background() {
  local name="$1"
  shift
  ("$@") >"$logs/$name" 2>&1 &
  jobs_started+=("$!:$name")
}

python_tools() {
  say "Python tools (requirements-dev.txt)"
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore -r requirements-dev.txt
}

rust_targets() {
  say "Rust targets and components (rust-toolchain.toml)"
  # `channel = "stable"` keeps the machine's toolchain; only the targets are added.
  local targets components installed t c
  targets="$(sed -n 's/^targets *= *\[\(.*\)\]/\1/p' rust-toolchain.toml | tr -d '" ' | tr ',' ' ')"
  components="$(sed -n 's/^components *= *\[\(.*\)\]/\1/p' rust-toolchain.toml | tr -d '" ' | tr ',' ' ')"
  installed="$(rustup target list --installed)"
  for t in $targets; do
    grep -qx "$t" <<<"$installed" || rustup target add "$t"
  done
  installed="$(rustup component list --installed)"
  for c in $components; do
    grep -q "^$c" <<<"$installed" || rustup component add "$c"
  done
}

# npm ci wipes node_modules, so it runs only when the lock changed since the last install.
npm_ci() {
  local dir="$1" stamp="$1/node_modules/.prehook-setup-stamp" sum
  sum="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then
    return 0
  fi
  say "npm ci in $dir"
  (cd "$dir" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error)
  printf '%s\n' "$sum" >"$stamp"
}

if [ "$phase" != npm ]; then
  in_background python-tools python_tools
  in_background rust-targets rust_targets
fi
if [ "$phase" != tools ]; then
  for dir in "${npm_dirs[@]}"; do
    in_background "npm-${dir//\//-}" npm_ci "$dir"
  done
fi

failed=()
for job in "${jobs_started[@]}"; do
  pid="${job%%:*}" name="${job#*:}"
  if wait "$pid"; then cat "$logs/$name"; else cat "$logs/$name"; failed+=("$name"); fi
done
[ "${#failed[@]}" -eq 0 ] || die "failed: ${failed[*]} (output above)"

say "setup done$([ "$phase" = all ] || printf " (%s)" "$phase")"
