#!/usr/bin/env bash
# End-to-end tests of the packed plugin: copies examples/ services into e2e/.work/, installs
# serverless-prehook there from the tarball scripts/pack-plugin.sh produces, and runs the real
# `serverless package` with serverless@3 and with osls (both from e2e/package-lock.json), the
# real serverless-plugin-canary-deployments, with the two plugins listed both ways round.
# Assertions and cfn-lint runs are in e2e/tests/; e2e/corpus/ holds real-world services that
# e2e/tests/corpus.test.js packages without and with the plugin.
#
# `serverless prehook check` runs against the real serverless-offline and, for the deployed
# path, a local Lambda API (`prehook-localaws lambda`, built here in debug).
#
# Needs: the addon (scripts/build-addon.sh), the hook zips (scripts/build-hook.sh), cfn-lint
# (requirements-dev.txt), e2e's npm packages (scripts/setup.sh runs npm ci here), cargo (for
# prehook-localaws, the local endpoints of the SAM example's test).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off SLS_INTERACTIVE_SETUP_DISABLE=1

[ -d e2e/node_modules/serverless ] || (cd e2e && npm ci --no-audit --no-fund --loglevel=error)
command -v cfn-lint >/dev/null || { echo "e2e: cfn-lint not found: run scripts/setup.sh" >&2; exit 1; }

tarball="$(scripts/pack-plugin.sh | tail -1)"
work="$root/e2e/.work"
rm -rf "$work"
mkdir -p "$work/bin"
# A copy: a shared CARGO_TARGET_DIR may see another checkout build over the binary meanwhile.
cargo build --quiet --locked --bin prehook-localaws
cp "${CARGO_TARGET_DIR:-$root/target}/debug/prehook-localaws" "$work/bin/"
export PREHOOK_LOCALAWS="$work/bin/prehook-localaws"
# Services copied under .work/ find serverless-prehook in .work/node_modules and the framework
# and the canary plugin in e2e/node_modules, as a user's project finds its own installs.
printf '{ "private": true }\n' >"$work/package.json"
npm install --prefix "$work" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "$tarball"

# The local CodeDeploy/Lambda endpoints the SAM example's hook runs against (`cargo test
# --workspace` has built it already in CI: this is quick).
cargo build --quiet --locked --bin prehook-localaws
localaws="${CARGO_TARGET_DIR:-$root/target}/debug/prehook-localaws"

# Every test file by default; `e2e/run.sh e2e/tests/corpus.test.js` runs only the ones named.
PREHOOK_E2E_WORK="$work" PREHOOK_LOCALAWS="$localaws" node --test --test-concurrency=1 "${@:-e2e/tests/}"
