#!/usr/bin/env bash
# One part of `make test`, run by the Makefile's `part/<name>` rules, several at a time.
#
#   scripts/lib/test-part.sh <part>
#
# Runs `make <part>` (BUILDS_DONE=1: the release builds are parts of their own, which the
# Makefile's part/ rules run first) with its output kept in target/make-test/<part>.log, records the outcome
# and the wall time in target/make-test/<part>.result ("passed 123" or "FAILED 123"), then
# prints the whole log in one piece, so that parts running side by side never interleave
# their lines. Exits 0 even when the part failed: the parts that depend on it still run (as
# `make test` always did, every part runs), and scripts/lib/test-summary.sh decides the
# status of the whole run from the .result files.
set -uo pipefail

part="$1"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dir="$root/target/make-test"
mkdir -p "$dir"
log="$dir/$part.log"

# One lock for the terminal: a part prints its log only while no other part prints.
say() { flock "$dir/.print" cat; }

printf '=== make %s: started (%s)\n' "$part" "$(date -u +%H:%M:%S)" | say
start=$SECONDS
# The part runs one recipe line at a time: it needs no jobserver of the parent make.
if MAKEFLAGS= make --no-print-directory -C "$root" "$part" SETUP_DONE=1 BUILDS_DONE=1 PREHOOK_SKIP_SETUP=1 >"$log" 2>&1; then
  outcome=passed
else
  outcome=FAILED
fi
seconds=$((SECONDS - start))
printf '%s %s\n' "$outcome" "$seconds" >"$dir/$part.result"
{
  printf '\n=== make %s: %s in %ss; its output:\n' "$part" "$outcome" "$seconds"
  cat "$log"
} | say
exit 0
