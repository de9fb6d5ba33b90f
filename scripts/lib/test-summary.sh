#!/usr/bin/env bash
# The end of `make test`: a table of every part (outcome, wall time, when it ran) from the
# target/make-test/<part>.result files scripts/lib/test-part.sh wrote, the total, and the line
# `make-test: N passed, N failed`. A part with no .result never ran (its make rule failed
# before it): it counts as failed. Exits 1 unless every part passed.
#
#   scripts/lib/test-summary.sh <setup seconds> <total seconds> <part>...
set -uo pipefail

setup_seconds="$1" total_seconds="$2"
shift 2
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dir="$root/target/make-test"

echo
echo '=== make test summary (parts run side by side: their times overlap)'
printf '  %-14s %-7s %5ss\n' setup done "$setup_seconds"
passed=0 failed=0
for part in "$@"; do
  if read -r outcome seconds <"$dir/$part.result" 2>/dev/null; then :; else outcome='NOT RUN' seconds='-'; fi
  printf '  %-14s %-7s %5ss\n' "$part" "$outcome" "$seconds"
  if [ "$outcome" = passed ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
printf '  %-22s %5ss\n' 'total (wall)' "$total_seconds"
echo "make-test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
