# The two commands of the README: `make run` (the product on the local stack) and `make test`.
# Both bootstrap .venv on a fresh clone and reuse it while pyproject.toml is unchanged.

# Python 3.13: Lambda's python3.13 runtime (Amazon Linux 2023) runs the functions, and the tests,
# the layer's and the functions' bytecode use the same version. Each candidate is run, not just
# looked up: a pyenv shim for a version that is installed but not selected fails when run.
PYTHON_VERSION := 3.13
comma := ,
# `python -c "$(CHECK_VERSION)"` fails unless it is that version.
CHECK_VERSION := import sys; sys.exit(sys.version_info[:2] != ($(subst .,$(comma),$(PYTHON_VERSION))))
is_python = $(shell $(1) -c '$(CHECK_VERSION)' 2>/dev/null && $(1) -c 'import sys; print(sys.executable)')
ifeq ($(origin PYTHON),undefined)
PYTHON := $(firstword $(foreach candidate,python$(PYTHON_VERSION) \
	$(wildcard $(HOME)/.pyenv/versions/$(PYTHON_VERSION)*/bin/python$(PYTHON_VERSION)) python3,\
	$(call is_python,$(candidate))))
endif
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
# A .venv made by another Python (say, the 3.11 this project used before) is made again.
VENV_IS_CURRENT := $(BIN)/python -c '$(CHECK_VERSION)'

.PHONY: run test lint typecheck pytest bench venv clean web web-check web-api web-api-check \
	web-lint web-unit browser deploy-web

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python $(PYTHON_VERSION) is needed (Lambda's python$(PYTHON_VERSION) runs \
	the functions): install it, or set PYTHON=/path/to/python$(PYTHON_VERSION)" >&2; exit 2; }
	@$(VENV_IS_CURRENT) 2>/dev/null || { rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

venv: $(STAMP)

# The whole stack, a live demonstration through the public API (about 90 s), then the API keeps
# serving until Ctrl-C.
run: $(STAMP) web
	$(BIN)/sniper local --demo

test: lint typecheck sam-cli contracts-if-missing web-check pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# The browser tests need the built app and a Chromium. The unit suite runs first, alone, so its
# last line says how long it took (seconds: it runs on fakes, tests/fakes), then everything else.
pytest: $(STAMP) web browser
	$(BIN)/python -m pytest -q tests/unit
	$(BIN)/python -m pytest -q --ignore=tests/unit

# eBay's contract files (OpenAPI/AsyncAPI), which the contract checks hold the client and the
# simulator to. Found in $$SNIPER_CONTRACTS_DIR, ../shared/contracts/ebay, or the user's cache
# (~/.cache/ebay-sniper/contracts), which `make contracts` fills from eBay's developer site
# (EBAY_CONTRACTS_URL overrides where from). `make test` tries that once when none are found,
# and without them (offline) only the contract checks skip: the run ends with a line saying so.
.PHONY: contracts contracts-if-missing
contracts: $(STAMP)
	$(BIN)/python -m tests.support.fetch_ebay_contracts

contracts-if-missing: $(STAMP)
	@$(BIN)/python -m tests.support.fetch_ebay_contracts --if-missing

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .aws-sam web/node_modules web/dist \
		test-artifacts

# ---------------------------------------------------------------- the web app (web/)
# pnpm, pinned (package.json's packageManager), installed beside the venv when the machine has
# none of its own; then the lockfile's packages; the build only when a source changed.
PNPM_VERSION := 10.34.9
NODE_TOOLS := $(VENV)/node-tools
PNPM := $(CURDIR)/$(NODE_TOOLS)/node_modules/.bin/pnpm
WEB_DEPS := web/node_modules/.modules.yaml
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html \
	web/vite.config.ts web/tsconfig.json web/tsconfig.app.json web/tsconfig.node.json
GEN := $(CURDIR)/.venv/web-generated

$(PNPM):
	npm install --silent --no-audit --no-fund --prefix $(NODE_TOOLS) pnpm@$(PNPM_VERSION)

$(WEB_DEPS): web/package.json web/pnpm-lock.yaml | $(PNPM)
	cd web && $(PNPM) install --frozen-lockfile --reporter=append-only
	@touch $@

web/dist/index.html: $(WEB_DEPS) $(WEB_SOURCES)
	cd web && $(PNPM) run build

web: web/dist/index.html

# The API's OpenAPI document (from the route declarations) and the client generated from it,
# made again and compared with the committed ones: the UI cannot drift from the API.
web-api-check: $(STAMP) $(WEB_DEPS)
	@rm -rf $(GEN) && mkdir -p $(GEN)
	$(BIN)/python web/scripts/export_openapi.py $(GEN)/openapi.json
	cd web && $(PNPM) exec openapi-typescript $(GEN)/openapi.json --default-non-nullable false \
		-o $(GEN)/schema.d.ts --silent
	@diff -u web/openapi.json $(GEN)/openapi.json && diff -u web/src/api/schema.d.ts $(GEN)/schema.d.ts \
		|| { echo "the generated API client is stale: run 'make web-api' and commit" >&2; exit 1; }

# Regenerate both after changing the API.
web-api: $(STAMP) $(WEB_DEPS)
	$(BIN)/python web/scripts/export_openapi.py web/openapi.json
	cd web && $(PNPM) run gen:api

web-lint: $(WEB_DEPS)
	cd web && $(PNPM) run typecheck && $(PNPM) run lint

web-unit: $(WEB_DEPS)
	cd web && $(PNPM) run test

web-check: web-api-check web-lint web-unit

# Deployed without FrontendRepository, the stack's Amplify app has nothing to build from: this
# uploads the built app with a config.json made from the stack's outputs (AWS credentials needed).
STACK_NAME ?= $(shell sed -n 's/^stack_name *= *"\(.*\)"/\1/p' samconfig.toml | head -1)
deploy-web: $(STAMP) web
	$(BIN)/python web/scripts/deploy_web.py --stack $(STACK_NAME)

# Browser tests drive Debian's Chromium (Playwright cannot download its own here). Installed
# when missing if this runs as root; otherwise the command says how and stops.
CHROMIUM ?= $(or $(SNIPER_CHROMIUM),$(shell command -v chromium 2>/dev/null))
browser:
	@if [ -n "$(CHROMIUM)" ] && [ -x "$(CHROMIUM)" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		echo "installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "No Chromium, and installing it needs root: run 'sudo apt-get install chromium'" \
			"(or set SNIPER_CHROMIUM to a Chromium binary), then 'make test' again." >&2; \
		exit 1; \
	fi

# ---------------------------------------------------------------- deploying with SAM
# `sam build` runs `make build-<LogicalId>` (BuildMethod: makefile) with ARTIFACTS_DIR set. Each
# function gets the `sniper` package only: no tests, no .venv, and not the local stack or the
# eBay simulator (they need moto/PyYAML, which the layer does not carry, and never run on Lambda).
# The dependencies come from DependenciesLayer (layers/dependencies/Makefile).
SAM_FUNCTIONS := UserManagementFunction EbayOAuthFunction WishlistSyncFunction \
	BidManagementFunction BidHistoryFunction BidExecutorFunction NotificationHandlerFunction \
	TokenRefreshFunction
SAM_BUILD_TARGETS := $(addprefix build-,$(SAM_FUNCTIONS))
# /var/task is read-only on Lambda: bytecode not shipped is compiled again at every cold start.
# It must be compiled by the runtime's Python version (python3.13).
LAMBDA_PYTHON ?= $(PYTHON)
# SAM CLI, if not installed: its own venv (its pinned botocore conflicts with aioboto3's).
SAM_CLI_VENV := $(VENV)/sam-cli
SAM ?= $(or $(shell command -v sam 2>/dev/null),$(SAM_CLI_VENV)/bin/sam)

.PHONY: $(SAM_BUILD_TARGETS) sam-build sam-validate lock-layer

# What never runs on Lambda, left out of every function's build: the development stack (local
# stack, eBay simulator, demo) and the command line (its rich/pycognito are not in the layer).
NOT_SHIPPED := sniper/devstack sniper/cli

$(SAM_BUILD_TARGETS):
	@test -n "$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set (run through sam build)" >&2; exit 2; }
	@$(LAMBDA_PYTHON) -c '$(CHECK_VERSION)' || { echo "function bytecode needs Python \
	$(PYTHON_VERSION) (Lambda python$(PYTHON_VERSION)); set LAMBDA_PYTHON=" >&2; exit 2; }
	mkdir -p "$(ARTIFACTS_DIR)"
	tar -cf - --exclude=__pycache__ --exclude='*.pyc' $(addprefix --exclude=,$(NOT_SHIPPED)) \
		sniper | tar -xf - -C "$(ARTIFACTS_DIR)"
	$(LAMBDA_PYTHON) -m compileall -q --invalidation-mode checked-hash \
		-s "$(ARTIFACTS_DIR)" -p /var/task "$(ARTIFACTS_DIR)/sniper"

$(SAM_CLI_VENV)/bin/sam:
	$(PYTHON) -m venv $(SAM_CLI_VENV)
	$(SAM_CLI_VENV)/bin/python -m pip install --quiet aws-sam-cli

# `make test` runs `sam validate --lint` and `sam build` when SAM CLI can be had: installed on
# first use when the package index is reachable; without it those two checks skip, saying why.
.PHONY: sam-cli
sam-cli:
	@test -x "$(SAM)" || $(MAKE) --no-print-directory $(SAM_CLI_VENV)/bin/sam || \
		echo "SAM CLI could not be installed (no package index?): sam validate/build checks will skip"

sam-validate: $(SAM)
	$(SAM) validate --lint

# Needs the package index (the layer's pip install); deploy with `sam deploy --guided` after it.
sam-build: $(SAM)
	$(SAM) build

# Re-lock the layer from the versions installed in .venv (after changing the dependencies).
lock-layer: $(STAMP)
	$(BIN)/python layers/dependencies/lock.py
