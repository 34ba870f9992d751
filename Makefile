# The two commands of the README: `make run` (the product on the local stack) and `make test`.
# Both bootstrap .venv on a fresh clone and reuse it while pyproject.toml is unchanged.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test lint typecheck pytest bench venv clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

venv: $(STAMP)

# The whole stack, a live demonstration through the public API (about 90 s), then the API keeps
# serving until Ctrl-C.
run: $(STAMP)
	$(BIN)/sniper local --demo

test: lint typecheck sam-cli pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .aws-sam

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
# It must be compiled by the runtime's Python (python3.11).
LAMBDA_PYTHON ?= $(shell command -v python3.11 || command -v python3)
# SAM CLI, if not installed: its own venv (its pinned botocore conflicts with aioboto3's).
SAM_CLI_VENV := $(VENV)/sam-cli
SAM ?= $(or $(shell command -v sam 2>/dev/null),$(SAM_CLI_VENV)/bin/sam)

.PHONY: $(SAM_BUILD_TARGETS) sam-build sam-validate lock-layer

$(SAM_BUILD_TARGETS):
	@test -n "$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set (run through sam build)" >&2; exit 2; }
	@$(LAMBDA_PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || \
		{ echo "function bytecode needs Python 3.11 (Lambda python3.11); set LAMBDA_PYTHON=" >&2; exit 2; }
	mkdir -p "$(ARTIFACTS_DIR)"
	tar -cf - --exclude=__pycache__ --exclude='*.pyc' --exclude=sniper/local \
		--exclude=sniper/ebaysim sniper | tar -xf - -C "$(ARTIFACTS_DIR)"
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
