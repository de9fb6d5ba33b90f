#!/usr/bin/env bash
# One part of `make test`, run by the Makefile's `part/<name>` rules, several at a time.
#
#   scripts/lib/test-part.sh <part> [background]
#
# Runs `make <part>` (BUILDS_DONE=1: the release builds are parts of their own, which the
# Makefile's part/ rules run first) with its output kept in target/make-test/<part>.log, records the outcome
# its wall time and CPU time (user + system, seconds, of all its processes) in
# target/make-test/<part>.result ("passed 123 201" or "FAILED 123 201"), then
# prints the whole log in one piece, so that parts running side by side never interleave
# their lines. Exits 0 even when the part failed: the parts that depend on it still run (as
# `make test` always did, every part runs), and scripts/lib/test-summary.sh decides the
# status of the whole run from the .result files.
set -uo pipefail

part="$1"
# `background`: at a lower CPU priority (nice 10), for a part that is not what the others wait
# on longest: it then takes the CPU the release builds leave (the Makefile's BACKGROUND_PARTS).
priority=()
[ "${2:-}" != background ] || priority=(nice -n 10)
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dir="$root/target/make-test"
mkdir -p "$dir"
log="$dir/$part.log"

# One lock for the terminal: a part prints its log only while no other part prints.
say() { flock "$dir/.print" cat; }

printf '=== make %s: started (%s)\n' "$part" "$(date -u +%H:%M:%S)" | say
start=$SECONDS
# The part runs one recipe line at a time: it needs no jobserver of the parent make.
if MAKEFLAGS= "${priority[@]}" make --no-print-directory -C "$root" "$part" SETUP_DONE=1 BUILDS_DONE=1 PREHOOK_SKIP_SETUP=1 >"$log" 2>&1; then
  outcome=passed
else
  outcome=FAILED
fi
seconds=$((SECONDS - start))
# `times`' second line: the CPU time of the children that ended (the part's make and all it
# ran), e.g. "3m1.250s 0m12.500s". On 2 cores the parts compete for CPU, so the CPU time says
# what a part costs better than its wall time does.
# (`times` runs in this shell, not in a command substitution's subshell, whose children are others.)
times >"$dir/$part.times"
cpu="$(sed -n 2p "$dir/$part.times" | awk '{ t = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] } printf "%d", t + 0.5 }')"
printf '%s %s %s\n' "$outcome" "$seconds" "$cpu" >"$dir/$part.result"
{
  printf '\n=== make %s: %s in %ss (CPU %ss); its output:\n' "$part" "$outcome" "$seconds" "$cpu"
  cat "$log"
} | say
exit 0
