#!/usr/bin/env bash
# Builds the hook Lambda (`bootstrap`) with cargo-zigbuild against glibc 2.17 and writes
# dist/hook/prehook-<version>-<arch>.zip, each holding only `bootstrap` (mode 0755, fixed
# timestamp: the same binary always gives the same zip).
#
#   scripts/build-hook.sh              both architectures (what a release packs)
#   scripts/build-hook.sh x86_64       one architecture (`make test` builds x86_64 only)
#
# glibc 2.17 is the floor of the napi addon too (scripts/build-addon.sh): one floor for every
# Linux binary we ship; the hook itself runs on provided.al2023 (glibc 2.34).
# Needs cargo-zigbuild and ziglang: `pip install -r requirements-dev.txt`.
# Respects CARGO_TARGET_DIR. Fails if a binary needs a glibc symbol newer than 2.17.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

max_glibc="2.17"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
out_dir="$root/dist/hook"

arches=("$@")
[ "${#arches[@]}" -gt 0 ] || arches=(x86_64 arm64)
for arch in "${arches[@]}"; do
    case "$arch" in
        x86_64 | arm64) ;;
        *) echo "build-hook: unknown architecture '$arch' (x86_64 or arm64)" >&2; exit 1 ;;
    esac
done

if ! command -v cargo-zigbuild >/dev/null 2>&1; then
    echo "build-hook: cargo-zigbuild not found; run: pip install -r requirements-dev.txt" >&2
    exit 1
fi
for tool in readelf python3; do
    command -v "$tool" >/dev/null 2>&1 || { echo "build-hook: $tool not found" >&2; exit 1; }
done

version="$(python3 -c 'import tomllib; print(tomllib.load(open("Cargo.toml", "rb"))["workspace"]["package"]["version"])')"
mkdir -p "$out_dir"

for arch in "${arches[@]}"; do
    case "$arch" in
        x86_64) triple="x86_64-unknown-linux-gnu" ;;
        arm64) triple="aarch64-unknown-linux-gnu" ;;
    esac
    echo "build-hook: building bootstrap for $arch ($triple.$max_glibc)"
    started=$(date +%s)
    # The workspace's release profile: a small, fully optimised binary (opt-level "s", fat LTO,
    # one codegen unit, strip) that keeps `panic = "unwind"` (a panic while checking becomes a
    # Failed report, not a silent crash).
    cargo zigbuild --locked --release --package prehook-hook --bin bootstrap --target "$triple.$max_glibc"
    seconds=$(( $(date +%s) - started ))
    binary="$target_dir/$triple/release/bootstrap"
    [ -f "$binary" ] || { echo "build-hook: $binary was not built" >&2; exit 1; }

    # readelf reads any architecture's ELF; objdump on the host may not know aarch64.
    newest="$(readelf -W --dyn-syms "$binary" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)"
    if [ -n "$newest" ] && [ "$(printf '%s\n%s\n' "$newest" "$max_glibc" | sort -V | tail -1)" != "$max_glibc" ]; then
        echo "build-hook: $arch bootstrap needs GLIBC_$newest, newer than the $max_glibc floor" >&2
        exit 1
    fi

    zip_path="$out_dir/prehook-$version-$arch.zip"
    python3 - "$binary" "$zip_path" <<'PY'
import sys, zipfile
binary, zip_path = sys.argv[1], sys.argv[2]
# A fixed timestamp keeps the zip byte-identical across builds of the same binary.
info = zipfile.ZipInfo("bootstrap", date_time=(1980, 1, 1, 0, 0, 0))
info.create_system = 3  # Unix, so the mode below is honoured
info.external_attr = (0o100755 << 16)
info.compress_type = zipfile.ZIP_DEFLATED
with open(binary, "rb") as f, zipfile.ZipFile(zip_path, "w") as z:
    z.writestr(info, f.read(), compresslevel=9)
PY
    printf 'build-hook: %s: bootstrap %s bytes, zip %s bytes, newest GLIBC_%s, built in %ss\n' \
        "$arch" "$(stat -c %s "$binary")" "$(stat -c %s "$zip_path")" "${newest:-none}" "$seconds"
done
ls -l "$out_dir"
