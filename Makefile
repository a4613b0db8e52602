# Two commands for a newcomer: `make run` and `make test`. Everything else is a detail.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-12)
PORT ?= 8000
CHROMIUM := /usr/bin/chromium

.DEFAULT_GOAL := help
.PHONY: help install browser services migrate demo run totp test bench sentiment-models lint format stop

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP) ## Create .venv and install the pinned requirements

browser: $(CHROMIUM) ## Install Debian's chromium for the browser tests (apt-get, once)

# Playwright drives Debian's chromium, never a downloaded browser. Lists are refreshed only when
# apt knows no chromium or the install fails on stale ones; sudo only when not root.
$(CHROMIUM):
	@sudo=$$(test "$$(id -u)" = 0 || echo sudo); \
	export DEBIAN_FRONTEND=noninteractive; \
	install="$$sudo apt-get install --yes --quiet --no-install-recommends chromium"; \
	if apt-cache show chromium >/dev/null 2>&1 && $$install; then exit 0; fi; \
	$$sudo apt-get update --quiet && $$install

services: install ## Start embedded PostgreSQL/Redis where DATABASE_URL/REDIS_URL are unset
	@$(PY) -c "import os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings.dev'); import django; django.setup()"

migrate: services ## Apply database migrations
	$(PY) manage.py migrate --no-input

demo: migrate ## Load the demo clients, brands, people, approval rules and saved replies (idempotent)
	$(PY) manage.py seed_demo

run: demo ## Start web, Celery worker and beat with demo data (http://localhost:8000; PORT=... for another)
	@echo
	@echo "  Varde is starting on http://localhost:$(PORT)"
	@echo "  Demo logins (password: varde-demo-2026):"
	@echo "    admin@varde.demo      agency admin (two-factor: code from 'make totp')"
	@echo "    lead@varde.demo       account lead of every client (two-factor: code from 'make totp')"
	@echo "    responder@varde.demo  responder   analyst@varde.demo  analyst"
	@echo "    viewer@havbris.demo   client viewer   approver@havbris.demo  client approver"
	@echo
	@# Links in e-mails point where the site runs: the worker sends them, and honcho gives each
	@# process its own PORT, so the web's address is passed to all of them.
	SITE_URL="$${SITE_URL:-http://localhost:$(PORT)}" $(VENV)/bin/honcho start --port $(PORT)

totp: services ## Print the current two-factor code of the demo admin and lead
	@$(PY) manage.py demo_totp

test: install browser ## Run the whole test suite in parallel, browser tests included (and ruff's and the layers' checks)
	$(VENV)/bin/ruff check --quiet .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/pytest --numprocesses 2

bench: migrate ## Run the benchmarks in bench/ (one JSON line per figure)
	@for script in bench/bench_*.py; do $(PY) $$script || exit 1; done

sentiment-models: install ## Re-derive the sentiment models from data that may ship (needs ../shared; fetches the English sets)
	$(PY) -m pip install --quiet -r requirements-train.txt
	@mkdir -p .local/sentiment-sources
	$(PY) -m pip download --quiet --no-deps --no-binary :all: -d .local/sentiment-sources vaderSentiment==3.3.2
	cd .local/sentiment-sources && npm pack --silent sentiment@5.0.2
	$(PY) apps/listening/enrichment/sentiment_models/train.py ../shared/data/sentiment-dev.csv .local/sentiment-sources

lint: install ## Check style, common bugs (ruff) and that imports only go down the layers (import-linter)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: install ## Format the code (ruff)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

stop: install ## Stop the embedded PostgreSQL and Redis (data is kept in .local/)
	$(PY) -m config.embedded stop
