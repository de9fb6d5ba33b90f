#!/usr/bin/env bash
# End-to-end tests of the packed plugin: copies examples/ services into e2e/.work/, installs
# serverless-prehook there from the tarballs scripts/pack-plugin.sh produces (this platform's
# package and the root package, as npm would pick them), and runs the real
# `serverless package` with serverless@3 and with osls (both from e2e/package-lock.json), the
# real serverless-plugin-canary-deployments, with the two plugins listed both ways round.
# Assertions and cfn-lint runs are in e2e/tests/; e2e/corpus/ holds real-world services that
# e2e/tests/corpus.test.js packages without and with the plugin.
#
# `serverless prehook check` runs against the real serverless-offline and, for the deployed
# path, a local Lambda API (`prehook-localaws lambda`: the debug binary `cargo test --workspace`
# builds, scripts/lib/localaws.sh, so that nothing is compiled twice; the tests that need it ask
# for it, e2e/lib/harness.js `localaws()`, and wait for that build only then).
#
# Needs: the addon (scripts/build-addon.sh), the x86_64 hook zip (scripts/build-hook.sh x86_64), cfn-lint
# (requirements-dev.txt), e2e's npm packages (scripts/setup.sh runs npm ci here), cargo (for
# prehook-localaws, the local endpoints of the SAM example's test).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off SLS_INTERACTIVE_SETUP_DISABLE=1

[ -d e2e/node_modules/serverless ] || (cd e2e && npm ci --prefer-offline --no-audit --no-fund --loglevel=error)
command -v cfn-lint >/dev/null || { echo "e2e: cfn-lint not found: run scripts/setup.sh" >&2; exit 1; }

# A test pack (the x86_64 hook zip is enough: `make test` builds only that one): this platform's
# package and the root package, installed together.
packed="$(scripts/pack-plugin.sh --test)"
mapfile -t tarballs <<<"$packed"
work="$root/e2e/.work"
rm -rf "$work"
mkdir -p "$work/bin"
# Services copied under .work/ find serverless-prehook in .work/node_modules and the framework
# and the canary plugin in e2e/node_modules, as a user's project finds its own installs.
printf '{ "private": true }\n' >"$work/package.json"
npm install --prefix "$work" --no-save --no-package-lock --no-audit --no-fund --prefer-offline --loglevel=error "${tarballs[@]}"

# Every test file by default, the longest first (each is mostly one `serverless package` or
# cfn-lint process after another: one started last would run alone at the end);
# `e2e/run.sh e2e/tests/corpus.test.js` runs only the ones named.
# Three files at a time (PREHOOK_E2E_JOBS): on 2 cores, two would leave one idle whenever a file
# waits on a process's start or on its plugins' I/O. Files keep apart: each copies services
# under its own names (e2e/lib/harness.js) and takes free ports.
if [ $# -eq 0 ]; then
  # CPU s of each alone (2026-12-03): isolation 38, package 34, corpus 33.5, defaults 33,
  # check 28.5 (it also waits for prehook-localaws), bad-config 22, the others 4-10.
  longest=(isolation package corpus defaults bad-config)
  files=()
  for name in "${longest[@]}"; do files+=("e2e/tests/$name.test.js"); done
  for file in e2e/tests/*.test.js; do
    [[ " ${files[*]} " == *" $file "* ]] || files+=("$file")
  done
  set -- "${files[@]}"
fi
PREHOOK_E2E_WORK="$work" node --test --test-concurrency="${PREHOOK_E2E_JOBS:-3}" "$@"
