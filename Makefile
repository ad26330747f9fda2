# Allies in Practice. `make help` lists the targets.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
ALLYSHIP_PORT ?= 8000
# Branch coverage of app/ that `make coverage` requires: the measured figure, rounded down a point.
COVERAGE_FLOOR := 93
export ALLYSHIP_PORT

.DEFAULT_GOAL := help
.PHONY: help run test test-pg test-fast coverage lint format check bench clean

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	@touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	@touch $@ $(STAMP)

run: $(STAMP) ## Install, migrate, load demo data into an empty database, serve on :8000
	$(BIN)/allyship check
	$(BIN)/allyship db upgrade
	$(BIN)/allyship demo --if-empty
	@echo "Open http://127.0.0.1:$(ALLYSHIP_PORT)/ and sign in with a demo account (password allyship-demo):"
	@echo "  learner@example.com  hr@example.com  facilitator@example.com  admin@example.com"
	$(BIN)/allyship serve --port $(ALLYSHIP_PORT) --proxy-headers  # trusts ALLYSHIP_TRUSTED_PROXIES (127.0.0.1)

OIDC_PROVIDER := tests/oidc_provider/node_modules/oidc-provider
PYTEST_COVERED = $(BIN)/pytest --cov=app --cov-branch --cov-report=term:skip-covered --cov-fail-under=$(COVERAGE_FLOOR)

$(OIDC_PROVIDER): tests/oidc_provider/package-lock.json
	cd tests/oidc_provider && npm ci --no-audit --no-fund --loglevel=error

test: $(DEV_STAMP) $(OIDC_PROVIDER) ## Install test tools (and the SSO tests' OpenID provider) and run the whole suite
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo
	$(BIN)/allyship check
	@# With a PostgreSQL server, the two runs go side by side (one core each); PostgreSQL's
	@# output is printed after SQLite's, and either failing fails the target.
	@if [ -n "$$ALLYSHIP_TEST_POSTGRES_URL" ]; then \
	  log=$$(mktemp); \
	  echo "== PostgreSQL run started beside SQLite ($$ALLYSHIP_TEST_POSTGRES_URL); its output follows =="; \
	  ALLYSHIP_TEST_DB=postgresql $(BIN)/pytest -m "not e2e" -p no:cacheprovider >$$log 2>&1 & pg=$$!; \
	  $(BIN)/pytest; sqlite=$$?; \
	  wait $$pg; postgres=$$?; \
	  echo "== the suite on PostgreSQL =="; cat $$log; rm -f $$log; \
	  echo "SQLite exit $$sqlite, PostgreSQL exit $$postgres"; \
	  [ $$sqlite -eq 0 ] && [ $$postgres -eq 0 ]; \
	else \
	  $(BIN)/pytest && echo "(ALLYSHIP_TEST_POSTGRES_URL unset: PostgreSQL run skipped; .ci/run sets it)"; \
	fi

test-pg: $(DEV_STAMP) $(OIDC_PROVIDER) ## Run the suite on a throwaway local PostgreSQL (needs the postgresql package)
	bash -c 'source .ci/postgres.sh start && ALLYSHIP_TEST_DB=postgresql $(BIN)/pytest -m "not e2e"; rc=$$?; bash .ci/postgres.sh stop; exit $$rc'

coverage: $(DEV_STAMP) $(OIDC_PROVIDER) ## Run the suite on SQLite measuring branch coverage of app/ (fails below the floor)
	$(PYTEST_COVERED)

test-fast: $(DEV_STAMP) $(OIDC_PROVIDER) ## Run the suite without browser and multi-process tests
	$(BIN)/pytest -m "not e2e and not slow"

lint: $(DEV_STAMP) ## ruff, mypy and the layering contracts (docs/architecture.md)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo

format: $(DEV_STAMP) ## Format the code
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: $(STAMP) ## Validate the course content
	$(BIN)/allyship check

bench: $(DEV_STAMP) ## Run the benchmarks and write bench/RESULTS.md
	$(BIN)/python -m bench.run

clean: ## Remove the virtualenv and caches (keeps var/ data)
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
