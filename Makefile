# Entry points for contributors and CI. `make test` runs everything CI runs (`.ci/run`);
# each part also runs alone. Every target installs what it needs first (scripts/setup.sh,
# quick when already done).

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

export SLS_TELEMETRY_DISABLED := 1
export SLS_NOTIFICATIONS_MODE := off
# CI builds from a clean clone once: incremental compilation data would only be written, never
# reused (and it slows the debug build). Contributors keep cargo's default.
ifeq ($(CI),true)
export CARGO_INCREMENTAL := 0
endif

# The parts of `make test`, in the order make starts them (see `test` below: they run side by
# side): the hook's release build first, as it heads the longest chain. The release builds
# are parts of their own so that the summary shows what takes the time.
# `build-hook` is the x86_64 zip only, the one e2e and the rehearsal run: the arm64 zip is
# built and smoke-run under qemu by `make build-hook-all` / `make smoke-hook-arm64` (releases).
# `setup-npm` is the npm half of scripts/setup.sh: `make test` runs the tools half first, then
# this beside the Rust builds, which do not need it.
TEST_PARTS := build-hook setup-npm build-addon lint test-rust check-binding test-js test-e2e rehearse

.PHONY: help setup setup-npm demo rehearse test $(TEST_PARTS) build-hook build-hook-all smoke-hook-arm64 build-addon check-binding fuzz bench bench-plugin test-platforms

help:
	@echo 'make demo        the offline rehearsal of a deploy (examples/website, healthy then broken)'
	@echo 'make test        everything CI runs: $(TEST_PARTS)'
	@echo 'make setup       install the tools (requirements-dev.txt, rust targets, npm ci)'
	@echo 'make lint        cargo fmt --check, clippy -D warnings (in the test build: scripts/cargo-test.sh --no-run), actionlint'
	@echo 'make test-rust   cargo test for the workspace, linted by clippy as it builds (scripts/cargo-test.sh)'
	@echo 'make test-js     node --test: the plugin against a real Serverless instance, the examples'
	@echo 'make test-e2e    the packed plugin in the examples: serverless@3 and osls package, cfn-lint'
	@echo 'make build-hook  dist/hook/prehook-<version>-x86_64.zip (what make test runs)'
	@echo 'make build-hook-all  dist/hook/prehook-<version>-{x86_64,arm64}.zip (what a release packs)'
	@echo 'make smoke-hook-arm64  the arm64 bootstrap under qemu-aarch64 against local endpoints (not in make test)'
	@echo 'make build-addon the napi addon for this machine (npm/platforms/<platform>) and the wasm fallback (lib/binding)'
	@echo 'make check-binding  the committed generated loader (lib/binding/index.js, .d.ts) is what napi build writes'
	@echo 'make rehearse    the rehearsal as a test (same as make demo)'
	@echo 'make fuzz        cargo-fuzz runs of the core parsers, 60 s each (nightly; not in make test)'
	@echo 'make test-platforms  every platform package built and run under qemu/wine or its file checked; PLATFORMS.md (not in make test)'
	@echo 'make bench       our hook against hand-written Python/Node.js hooks; writes bench/RESULTS.md (not in make test)'
	@echo 'make bench-plugin  what the plugin adds to serverless package, native and wasm; its part of bench/RESULTS.md'

# Runs once per make invocation, whatever the number of targets that need it.
setup:
	@[ "$(SETUP_DONE)" = 1 ] || scripts/setup.sh

setup-npm:
	scripts/setup.sh npm

# The release builds the parts below need first, unless `make test` built them already
# (BUILDS_DONE=1: they are parts of their own there, done before): building them again would
# rewrite the generated loader while the parts running beside it load it, and napi build
# recompiles the addon each time (about a minute of CPU per part).
# The rehearsal builds its own unless told --no-build.
BUILDS := $(if $(filter 1,$(BUILDS_DONE)),,build-hook build-addon)

# The rehearsal runs its own setup (scripts/rehearse, step 1: the tools, then only the npm
# installs it uses, beside its builds) unless `make test` ran it already. In `make test` it
# runs the test build's prehook-localaws; alone it builds just that binary.
demo rehearse:
	@$(if $(filter 1,$(SETUP_DONE)),PREHOOK_SKIP_SETUP=1 )$(if $(filter 1,$(BUILDS_DONE)),PREHOOK_LOCALAWS_OF_TESTS=1 )scripts/rehearse $(if $(BUILDS),,--no-build)

# Clippy lints our crates as it compiles them for the tests (scripts/cargo-test.sh says why): the
# same lints as `cargo clippy --workspace --all-targets -- -D warnings`, without a second build
# of the dependencies. In `make test` this part builds, test-rust then finds it all built.
lint: setup
	cargo fmt --all --check
	scripts/cargo-test.sh --no-run
	actionlint

test-rust: setup
	scripts/cargo-test.sh

# The plugin's tests run twice: on the native addon, and on the wasm fallback (`error`: the
# loader takes the wasm build or fails, never native), so that the fallback cannot rot.
# test/secrets.test.js runs the local SSM and Secrets Manager of `prehook-localaws`: the binary the
# Rust tests build (scripts/lib/localaws.sh builds it, or waits for make lint's build of it).
test-js: setup $(filter build-addon,$(BUILDS))
	localaws="$$(scripts/lib/localaws.sh)"; \
	  cd npm/serverless-prehook && PREHOOK_LOCALAWS="$$localaws" node --test \
	  && PREHOOK_LOCALAWS="$$localaws" NAPI_RS_FORCE_WASI=error node --test
	cd examples/website && node --test test/
	cd examples/worker && node --test test/

test-e2e: setup $(BUILDS)
	e2e/run.sh

build-hook: setup
	scripts/build-hook.sh x86_64

build-hook-all: setup
	scripts/build-hook.sh x86_64 arm64

# Not part of `make test`: a release check (the arm64 build alone takes minutes).
smoke-hook-arm64: setup
	scripts/smoke-hook-arm64.sh

build-addon: setup
	scripts/build-addon.sh

# The loader and its types are generated by `napi build` (scripts/build-addon.sh) and committed;
# after a build they must be unchanged. Cheap: it only compares what the last build-addon wrote
# (in `make test`, the part before this one).
check-binding:
	@git diff --exit-code --stat -- npm/serverless-prehook/lib/binding/ \
	  || { echo 'check-binding: napi build regenerated npm/serverless-prehook/lib/binding/ differently: commit what it wrote (never edit it by hand)' >&2; exit 1; }
	@untracked="$$(git ls-files --others --exclude-standard -- npm/serverless-prehook/lib/binding/)"; \
	  [ -z "$$untracked" ] || { echo "check-binding: generated but not committed: $$untracked" >&2; exit 1; }

# Not part of `make test`: needs nightly, and its value grows with time spent, not with CI runs.
fuzz:
	scripts/fuzz.sh
# Not part of `make test`: seven cross builds, qemu-user and wine (scripts/setup-platforms.sh
# installs them); CI keeps to linux-x64 and the wasm fallback.
# build-hook-all and build-addon: the plugin's release tarball (both hook zips, wasm build) for
# the install test; the arm64 hook is smoke-run under qemu here too.
test-platforms: setup build-hook-all build-addon
	scripts/setup-platforms.sh
	scripts/smoke-hook-arm64.sh --no-build
	scripts/test-platforms.sh
# Not part of `make test`: it takes minutes and its figures are not pass/fail.
bench: setup build-hook build-addon
	BENCH_COMMAND='make bench' bench/run.sh
bench-plugin: setup build-hook build-addon
	BENCH_COMMAND='make bench-plugin' bench/plugin-cost.sh

# Installs the tools once, then runs the parts side by side, TEST_JOBS at a time, each as soon
# as the parts it needs are done (the `part/...` rules below); every part runs even after one
# failed. Each part's output is printed in one piece when it ends (scripts/lib/test-part.sh),
# then a table of how long each took and a `make-test: N passed, N failed` line.
#
# Why side by side: on 2 cores the release builds spend minutes on one core (fat LTO, one
# codegen unit) and the JS and e2e parts mostly wait on one Node.js process at a time; four
# jobs keep both cores busy (once the builds are done, e2e, test-js, the rehearsal and
# test-rust run together). The three Rust builds use three build directories: target/debug
# (lint builds the tests, test-rust runs them), target/<triple>/release (the hook) and
# target/addon; e2e and the rehearsal wait at cargo's lock of target/debug until the local
# endpoints they run are built (scripts/lib/localaws.sh).
TEST_JOBS ?= 4

test:
	@all_start=$$SECONDS; scripts/setup.sh tools; setup_seconds=$$((SECONDS - all_start)); \
	rm -rf target/make-test; \
	$(MAKE) --no-print-directory -j$(TEST_JOBS) $(addprefix part/,$(TEST_PARTS)) SETUP_DONE=1 || true; \
	scripts/lib/test-summary.sh "$$setup_seconds" "$$((SECONDS - all_start))" $(TEST_PARTS)

# What each part needs first. The release builds come first in TEST_PARTS' order too: make
# starts parts in that order, and the hook build heads the longest chain (hook, e2e). The addon
# builds beside it, in a target directory of its own (scripts/build-addon.sh says why).
# test-rust runs what lint built (scripts/cargo-test.sh): after it, not beside it at cargo's lock.
# Everything but the Rust builds and their tests needs the npm installs (setup-npm): the addon
# is built by napi's CLI from npm/serverless-prehook/node_modules.
part/test-rust: part/lint
part/build-addon: part/setup-npm
part/check-binding: part/build-addon
part/test-js: part/build-addon
part/test-e2e: part/build-hook part/build-addon
part/rehearse: part/build-hook part/build-addon
# The release builds head the longest chain (hook and addon, then e2e): the test build (lint)
# runs beside them at a lower priority and takes what CPU they leave (the hook's fat-LTO link
# uses one core for its last minute). e2e runs at that same lower priority, so that once the
# release builds are done the test build gets its share beside e2e: starved, it would end last,
# and what needs it (test-rust, the rehearsal's hook runs, e2e's check and SAM files) would then
# run alone on one core at the end.
BACKGROUND_PARTS := lint test-e2e
part/%:
	@scripts/lib/test-part.sh $* $(if $(filter $*,$(BACKGROUND_PARTS)),background)
