#!/usr/bin/env bash
# Smoke run of the arm64 hook zip on an x86_64 machine: builds dist/hook/prehook-<version>-arm64.zip
# (scripts/build-hook.sh arm64), then runs its `bootstrap` under qemu-aarch64 against the local
# Lambda Runtime, CodeDeploy and Lambda Invoke endpoints of prehook-localaws, twice: a function
# answering 200 (expects Succeeded) and one answering 500 (expects Failed). Exits 0 only when
# both verdicts are the expected ones, so the zip's binary starts, talks to the Runtime API,
# calls AWS through the SDK and reports, on its own architecture.
#
# Not part of `make test` (the arm64 release build takes minutes): `make smoke-hook-arm64`, for
# the release workflow and `make test-platforms`. `--no-build` reuses the zip in dist/hook/.
# Installs qemu-user and the arm64 glibc (Debian packages) with apt-get when they are missing.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
work="$root/target/smoke-arm64"
sysroot="/usr/aarch64-linux-gnu"
function_name="smoke-dev-web"

die() { printf 'smoke-hook-arm64: %s\n' "$*" >&2; exit 1; }

build=1
case "${1:-}" in
  --no-build) build=0 ;;
  "") ;;
  *) die "usage: scripts/smoke-hook-arm64.sh [--no-build]" ;;
esac

# qemu-user runs the binary; the cross glibc and libgcc_s are its dynamic loader and libraries.
qemu="$(command -v qemu-aarch64 || command -v qemu-aarch64-static || true)"
if [ -z "$qemu" ] || [ ! -e "$sysroot/lib/ld-linux-aarch64.so.1" ] || [ ! -e "$sysroot/lib/libgcc_s.so.1" ]; then
  command -v apt-get >/dev/null 2>&1 || die "needs qemu-aarch64 and an arm64 glibc in $sysroot, and there is no apt-get to install them"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  echo "smoke-hook-arm64: apt-get install qemu-user libc6-arm64-cross libgcc-s1-arm64-cross"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq qemu-user libc6-arm64-cross libgcc-s1-arm64-cross >/dev/null
  qemu="$(command -v qemu-aarch64 || command -v qemu-aarch64-static)" || die "qemu-aarch64 still missing after apt-get"
fi

version="$(node -p 'require("./npm/serverless-prehook/package.json").version')"
zip="$root/dist/hook/prehook-$version-arm64.zip"
if [ "$build" = 1 ]; then
  scripts/build-hook.sh arm64
fi
[ -f "$zip" ] || die "${zip#"$root"/} missing: run scripts/build-hook.sh arm64"

rm -rf "$work"
mkdir -p "$work"
python3 - "$zip" "$work" <<'PY'
import sys, zipfile
zip_path, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(zip_path) as z:
    info = z.getinfo("bootstrap")
    mode = (info.external_attr >> 16) & 0o777
    if mode != 0o755:
        sys.exit(f"{zip_path}: bootstrap has mode {mode:o}, not 755")
    z.extract(info, out)
PY
chmod 0755 "$work/bootstrap"
machine="$(readelf -h "$work/bootstrap" | sed -n 's/^ *Machine: *//p')"
[ "$machine" = "AArch64" ] || die "the arm64 zip's bootstrap is built for '$machine', not AArch64"

# prehook-localaws runs `--bootstrap` directly: a wrapper hands it to qemu with the arm64 glibc.
cat >"$work/bootstrap-qemu" <<EOF
#!/bin/sh
exec "$qemu" -L "$sysroot" "$work/bootstrap" "\$@"
EOF
chmod 0755 "$work/bootstrap-qemu"
cat >"$work/prehook.json" <<EOF
{ "functions": { "$function_name": { "key": "web", "event": "apigateway", "timeout": 30, "checks": ["GET /healthcheck"] } } }
EOF

localaws="$(scripts/lib/localaws.sh)"

lambda_pid=""
stop_lambda() {
  [ -z "$lambda_pid" ] || { kill "$lambda_pid" 2>/dev/null || true; wait "$lambda_pid" 2>/dev/null || true; }
  lambda_pid=""
}
trap stop_lambda EXIT

# One run: a local Lambda API whose versions answer `reply` (it stops when its stdin closes),
# then the arm64 hook against it through `prehook-localaws rehearse`.
run_once() {
  local reply="$1" expect="$2" log="$work/lambda-$2.log"
  mkfifo "$work/stdin-$expect"
  : >"$log" # exists before the server opens it: the wait below reads it from the start
  "$localaws" lambda --function "$function_name" --versions 1,2 --reply "$reply" \
    <"$work/stdin-$expect" >"$log" 2>&1 &
  lambda_pid=$!
  # Held open until the run ends: closing it is what stops the local Lambda API.
  exec {hold}>"$work/stdin-$expect"
  local url="" waited=0
  until url="$(sed -n 's/^lambda //p' "$log")"; [ -n "$url" ]; do
    kill -0 "$lambda_pid" 2>/dev/null || { cat "$log" >&2; die "prehook-localaws lambda stopped"; }
    ((waited++ < 100)) || die "prehook-localaws lambda did not start within 10 s"
    sleep 0.1
  done
  echo "smoke-hook-arm64: arm64 bootstrap under $(basename "$qemu"), function answering $reply, expecting $expect"
  local status=0
  "$localaws" rehearse --bootstrap "$work/bootstrap-qemu" --config "$work/prehook.json" \
    --function "$function_name" --version 2 --current-version 1 --lambda-endpoint "$url" \
    --timeout 120 --expect "$expect" | sed 's/^/    /' || status=$?
  exec {hold}>&-
  stop_lambda
  return "$status"
}

healthy=0 broken=0
run_once '{"statusCode":200,"body":"ok"}' Succeeded || healthy=$?
run_once '{"statusCode":500,"body":"boom"}' Failed || broken=$?
[ "$healthy" -eq 0 ] && [ "$broken" -eq 0 ] || die "a verdict was not the expected one (healthy exit $healthy, broken exit $broken)"
echo "smoke-hook-arm64: passed: the arm64 bootstrap reported Succeeded for a healthy version and Failed for a broken one"
