# Entry points for operators, CI and developers. `make demo` and `make test` do all set-up on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

NODE      ?= node
TSX       := $(NODE) --import tsx
BASE      := $(NODE) bin/base.mjs
TESTBED   := deploy/testbed/testbed.sh
WORKERS   ?= 1

# Unit tests need nothing but Node; integration tests (*.itest.ts) need the test bed and run one file at a time.
UNIT_TESTS        = $(shell find reconciler submitter challenge-template deploy -name '*.test.ts' -not -path '*/node_modules/*' | sort)
INTEGRATION_TESTS = $(shell find reconciler submitter challenge-template deploy -name '*.itest.ts' -not -path '*/node_modules/*' | sort)
BENCHMARKS        = $(shell find reconciler submitter -name '*.bench.ts' -not -path '*/node_modules/*' | sort)

.PHONY: help setup typecheck generate unit integration test bench demo demo-down release testbed-up testbed-down testbed-status

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

setup: node_modules/.installed ## Install the npm dependencies (npm ci)

# The lock keeps parallel make invocations (tests run side by side) from racing two npm ci's.
node_modules/.installed: package.json package-lock.json
	flock /tmp/base-npm-install.lock npm ci --no-audit --no-fund
	@touch $@

generate: setup ## Regenerate TypeScript types from schemas/
	$(TSX) reconciler/desired-state/generate-types.ts

typecheck: setup ## Strict TypeScript check (tsc --noEmit)
	npx tsc --noEmit

unit: setup ## Unit tests (no Docker needed)
	$(NODE) --import tsx --test --test-reporter=spec --test-concurrency=2 $(UNIT_TESTS)

integration: setup testbed-up ## Integration tests against the real test bed
	$(NODE) --import tsx --test --test-reporter=spec --test-concurrency=1 $(INTEGRATION_TESTS)

test: ## Everything: typecheck, unit tests, then integration tests on the test bed (brings it up itself)
	$(MAKE) --no-print-directory typecheck
	$(MAKE) --no-print-directory unit
	$(MAKE) --no-print-directory integration

bench: setup testbed-up ## Benchmarks, printed as JSON
	@if [ -z "$(strip $(BENCHMARKS))" ]; then echo '{"benchmarks":[],"note":"no benchmarks yet"}'; fi
	@for b in $(BENCHMARKS); do $(TSX) $$b || exit 1; done

demo: setup ## Local Swarm, two challenges from the template, base apply, miners, a sealed epoch; HTTP on :18080
	deploy/demo/demo.sh up

demo-down: ## Remove what make demo made (services, secrets, network, its volumes and images, its state folder)
	deploy/demo/demo.sh down

release: setup ## Release artifacts: dist/base-submitter.mjs (+ .sha256), the master image pushed by digest, dist/release.json
	deploy/release/release.sh

testbed-up: ## Bring up (idempotently) Docker, Swarm, registry, PostgreSQL, base image, workers
	$(TESTBED) up --workers $(WORKERS)

testbed-down: ## Remove what the test bed created, and only that
	$(TESTBED) down

testbed-status: ## Show what the test bed runs
	$(TESTBED) status
