# Pause. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed
HOST ?= 127.0.0.1
PORT ?= 8000
# npm test tooling (see "Quality gates" below); a prerequisite of `make test` when npm is present.
NODE_STAMP := node_modules/.installed
NODE_DEPS := $(if $(shell command -v npm),$(NODE_STAMP))

.PHONY: help run test lint format migrate seed worker beat serve bench bench-search audit load lock clean

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-14s %s\n", $$1, $$2}'

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || { echo "Python 3.11 is needed (found $$($(PYTHON) --version))."; exit 1; }
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  rm -rf $(VENV); \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's python3-venv (needed to create .venv)"; \
	    apt-get install -y -qq python3-venv >/dev/null || { apt-get update -qq && apt-get install -y -qq python3-venv; }; \
	    $(PYTHON) -m venv $(VENV); \
	  else echo "Cannot create a virtual environment: run 'sudo apt-get install python3-venv' and try again."; exit 1; fi; }
	$(VENV)/bin/pip install --quiet --upgrade pip

$(RUNTIME_STAMP): requirements.txt | $(VENV)/bin/python
	$(VENV)/bin/pip install --quiet -r requirements.txt
	@touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	@touch $@ $(RUNTIME_STAMP)

migrate: $(RUNTIME_STAMP) ## Apply database migrations
	$(PY) manage.py migrate --noinput

seed: migrate ## Load the real national services and the postcode gazetteer (safe to re-run)
	$(PY) manage.py load_seed_data

run: seed ## Set up everything and serve the site on http://127.0.0.1:8000
	@echo "Serving on http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	$(PY) manage.py runserver $(HOST):$(PORT)

test: $(DEV_STAMP) $(NODE_DEPS) ## Run the whole suite (lint, migrations check, tests)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	@$(PY) -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: that is a failure."; exit 1; fi; exit $$rc

lint: $(DEV_STAMP) ## Lint and format-check
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(DEV_STAMP) ## Format the code and fix what ruff can
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

serve: $(RUNTIME_STAMP) ## Serve with gunicorn as in production (set the production variables first)
	$(PY) manage.py collectstatic --noinput
	$(VENV)/bin/gunicorn -c config/gunicorn.conf.py config.wsgi

worker: $(RUNTIME_STAMP) ## Run a Celery worker (needs REDIS_URL)
	$(VENV)/bin/celery -A config worker --loglevel=INFO

beat: $(RUNTIME_STAMP) ## Run Celery beat; run exactly one (needs REDIS_URL)
	$(VENV)/bin/celery -A config beat --loglevel=INFO

bench: $(DEV_STAMP) ## Page-weight and throughput benchmarks (see docs/performance.md)
	$(PY) -m benchmarks.page_weight
	$(PY) -m benchmarks.throughput

# --- services directory: search benchmark (see docs/performance.md) ---
BENCH_N ?= 500000
bench-search: $(DEV_STAMP) ## Directory search p50/p95 over BENCH_N synthetic listings (PostgreSQL)
	$(PY) manage.py load_gazetteer
	$(PY) manage.py generate_listings --delete $(BENCH_N)
	$(PY) manage.py bench_search --explain

lock: ## Re-resolve requirements*.in into exact pins
	rm -rf /tmp/pause-lock && $(PYTHON) -m venv /tmp/pause-lock
	/tmp/pause-lock/bin/pip install --quiet -r requirements.in
	{ echo "# Exact pins of requirements.in and everything it pulls in. Regenerate with \`make lock\`."; \
	  /tmp/pause-lock/bin/pip freeze --exclude-editable; } > requirements.txt
	/tmp/pause-lock/bin/pip install --quiet -r requirements-dev.in
	{ echo "# Exact pins of requirements-dev.in (tests and tooling). Regenerate with \`make lock\`."; echo "-r requirements.txt"; \
	  /tmp/pause-lock/bin/pip freeze --exclude-editable | grep -vxFf <(tail -n +2 requirements.txt); } > requirements-dev.txt

clean: ## Remove the virtual environment, the SQLite database and collected static files
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .ruff_cache

# --- Quality gates (issue 9): npm test tooling, page weight and Lighthouse, load -------------------
# axe-core (browser accessibility tests) and Lighthouse (make audit) come from npm into ./node_modules;
# nothing from npm is served. `make test` installs them when npm is present (CI always has it).
.PHONY: node

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

node: $(NODE_STAMP) ## Install the npm test tooling (axe-core, Lighthouse) into node_modules

audit: $(DEV_STAMP) $(NODE_STAMP) ## Page-weight budgets and Lighthouse = 100 in production mode (docs/performance.md)
	$(PY) -m benchmarks.audit

load: $(DEV_STAMP) ## Two-minute locust load test, 50 users, gunicorn + PostgreSQL + Redis (not in CI)
	$(PY) -m benchmarks.load
