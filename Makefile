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

# The parts of `make test`, in order: cheap static checks first, the rehearsal last. The
# release builds are parts of their own so that the summary shows what takes the time.
# `build-hook` is the x86_64 zip only, the one e2e and the rehearsal run: the arm64 zip is
# built and smoke-run under qemu by `make build-hook-all` / `make smoke-hook-arm64` (releases).
TEST_PARTS := lint test-rust build-hook build-addon test-js test-e2e rehearse

.PHONY: help setup demo rehearse test $(TEST_PARTS) build-hook build-hook-all smoke-hook-arm64 build-addon fuzz bench

help:
	@echo 'make demo        the offline rehearsal of a deploy (examples/website, healthy then broken)'
	@echo 'make test        everything CI runs: $(TEST_PARTS)'
	@echo 'make setup       install the tools (requirements-dev.txt, rust targets, npm ci)'
	@echo 'make lint        cargo fmt --check, cargo clippy -D warnings'
	@echo 'make test-rust   cargo test for the workspace'
	@echo 'make test-js     node --test: the plugin against a real Serverless instance, the examples'
	@echo 'make test-e2e    the packed plugin in the examples: serverless@3 and osls package, cfn-lint'
	@echo 'make build-hook  dist/hook/prehook-<version>-x86_64.zip (what make test runs)'
	@echo 'make build-hook-all  dist/hook/prehook-<version>-{x86_64,arm64}.zip (what a release packs)'
	@echo 'make smoke-hook-arm64  the arm64 bootstrap under qemu-aarch64 against local endpoints (not in make test)'
	@echo 'make build-addon the napi addon into npm/serverless-prehook'
	@echo 'make rehearse    the rehearsal as a test (same as make demo)'
	@echo 'make fuzz        cargo-fuzz runs of the core parsers, 60 s each (nightly; not in make test)'
	@echo 'make bench       our hook against hand-written Python/Node.js hooks; writes bench/RESULTS.md (not in make test)'

# Runs once per make invocation, whatever the number of targets that need it.
setup:
	@[ "$(SETUP_DONE)" = 1 ] || scripts/setup.sh

demo rehearse: setup
	@PREHOOK_SKIP_SETUP=1 scripts/rehearse

lint: setup
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --locked -- -D warnings

test-rust: setup
	cargo test --workspace --locked

test-js: setup build-addon
	cd npm/serverless-prehook && node --test
	cd examples/website && node --test test/
	cd examples/worker && node --test test/

test-e2e: setup build-hook build-addon
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

# Not part of `make test`: needs nightly, and its value grows with time spent, not with CI runs.
fuzz:
	scripts/fuzz.sh
# Not part of `make test`: it takes minutes and its figures are not pass/fail.
bench: setup build-hook build-addon
	BENCH_COMMAND='make bench' bench/run.sh

# Installs the tools once, then runs every part, even after one failed, and prints how long
# each took and a `N passed, N failed` line.
test:
	@all_start=$$SECONDS; start=$$SECONDS; scripts/setup.sh; setup_seconds=$$((SECONDS - start)); \
	results=(); failed=0; \
	for part in $(TEST_PARTS); do \
	  echo; echo "=== make $$part"; start=$$SECONDS; \
	  if PREHOOK_SKIP_SETUP=1 $(MAKE) --no-print-directory "$$part" SETUP_DONE=1; then outcome=passed; else outcome=FAILED; failed=$$((failed + 1)); fi; \
	  results+=("$$(printf '%-12s %-7s %5ss' "$$part" "$$outcome" "$$((SECONDS - start))")"); \
	done; \
	echo; echo '=== make test summary'; \
	printf '  %-12s %-7s %5ss\n' setup done "$$setup_seconds"; printf '  %s\n' "$${results[@]}"; \
	printf '  %-20s %5ss\n' total "$$((SECONDS - all_start))"; \
	total=$(words $(TEST_PARTS)); \
	echo "make-test: $$((total - failed)) passed, $$failed failed"; \
	[ "$$failed" -eq 0 ]
