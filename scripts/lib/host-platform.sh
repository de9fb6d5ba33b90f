#!/usr/bin/env bash
# Prints this machine's napi platform name (linux-x64-gnu, linux-arm64-musl, darwin-arm64,
# win32-x64-msvc, ...), spelt as the generated loader and npm/platforms/ spell it. One place
# for build-addon.sh (what to build) and pack-plugin.sh (what to pack).
set -euo pipefail
node -p '
  const { platform, arch } = process;
  platform === "linux" ? `linux-${arch}-${process.report.getReport().header.glibcVersionRuntime ? "gnu" : "musl"}`
    : platform === "win32" ? `win32-${arch}-msvc` : `${platform}-${arch}`'
