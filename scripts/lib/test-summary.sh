#!/usr/bin/env bash
# The end of `make test`: a table of every part (outcome, wall time, CPU time) from the
# target/make-test/<part>.result files scripts/lib/test-part.sh wrote, the total, and the line
# `make-test: N passed, N failed`. A part with no .result never ran (its make rule failed
# before it): it counts as failed. Exits 1 unless every part passed.
#
#   scripts/lib/test-summary.sh <setup-tools seconds> <total seconds> <part>...
set -uo pipefail

setup_seconds="$1" total_seconds="$2"
shift 2
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dir="$root/target/make-test"

echo
echo '=== make test summary (parts run side by side: their wall times overlap)'
printf '  %-14s %-7s %6s %6s\n' part outcome wall CPU
printf '  %-14s %-7s %5ss %6s\n' setup-tools done "$setup_seconds" '-'
passed=0 failed=0 cpu_total=0
for part in "$@"; do
  if read -r outcome seconds cpu <"$dir/$part.result" 2>/dev/null; then :; else outcome='NOT RUN' seconds='-' cpu='-'; fi
  printf '  %-14s %-7s %5ss %5ss\n' "$part" "$outcome" "$seconds" "$cpu"
  [[ "$cpu" =~ ^[0-9]+$ ]] && cpu_total=$((cpu_total + cpu))
  if [ "$outcome" = passed ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
printf '  %-22s %5ss %5ss\n' 'total' "$total_seconds" "$cpu_total"
echo "make-test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
