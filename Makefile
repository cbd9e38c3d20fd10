# The one entry point: `make run` serves the app, `make test` runs the suite. CI calls the same targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV   ?= .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000
LOCK   := requirements/lock.txt

# The first interpreter of at least 3.12 wins; pyenv honours .python-version (3.13) inside the repo.
PYTHON ?= $(shell for p in python3.13 python3.12 python3 $$HOME/.pyenv/versions/3.13*/bin/python3 $$HOME/.pyenv/versions/3.12*/bin/python3; do \
	  command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { command -v $$p; break; }; \
	done)

.PHONY: help install run test faults lint format bench screenshots lock clean

help:
	@echo "make run          set everything up and serve the app on http://$(HOST):$(PORT)/"
	@echo "make test         install and run the whole test suite (DATABASE_URL picks the database)"
	@echo "make faults       the fault suite: gunicorn + worker through fault proxies (PostgreSQL, Redis)"
	@echo "make lint         ruff and the migration check"
	@echo "make bench        load test of the production setup: gunicorn, PostgreSQL, Redis, wrk (BENCH_ARGS='--only actions')"
	@echo "make screenshots  PNG screenshots of the key pages into docs/screenshots/"

$(PY):
	@if [ -z "$(PYTHON)" ]; then \
	  echo "error: Python 3.12 or newer is needed; found: $$(python3 --version 2>&1 || echo 'no python3')." >&2; \
	  echo "       Install it (pyenv install 3.13) or run: make PYTHON=/path/to/python3.13 ..." >&2; exit 1; fi
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the lock changes; --require-hashes makes every machine get the same files.
$(VENV)/.installed: $(LOCK) | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r $(LOCK)
	@touch $@

install: $(VENV)/.installed

# Development defaults; anything set in the environment wins.
run: export DEBUG ?= true
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	HOST=$(HOST) PORT=$(PORT) PY=$(PY) bin/dev-server

# Tests run with production-like settings (DEBUG off) on SQLite, or on DATABASE_URL when set.
test: export DEBUG = false
test: export SECRET_KEY ?= insecure-key-for-the-test-suite-only
test: export SECURE_SSL_REDIRECT = false
test: install
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

# The fault suite (docs/infra.md): needs DATABASE_URL (PostgreSQL) and CACHE_URL (Redis).
faults: export DEBUG = false
faults: export SECRET_KEY ?= insecure-key-for-the-test-suite-only
faults: export SECURE_SSL_REDIRECT = false
faults: install
	$(PY) -m pytest tests/faults -m faults -s -q $(PYTEST_ARGS)

lint: export DEBUG ?= true
lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: install
	$(PY) bin/bench $(BENCH_ARGS)

# Same production-like settings as `test`; rewrites the PNGs in docs/screenshots/ (commit them).
screenshots: export DEBUG = false
screenshots: export SECRET_KEY ?= insecure-key-for-the-test-suite-only
screenshots: export SECURE_SSL_REDIRECT = false
screenshots: install
	$(PY) -m pytest tests/browser/test_screenshots.py tests/browser/test_staff_admin.py::test_admin_screenshots -m browser --screenshots

# Regenerate the lock after editing pyproject.toml (needs uv: python -m pip install uv).
lock:
	$(PYTHON) -m uv pip compile pyproject.toml --extra dev --python-version 3.12 --universal --generate-hashes -o $(LOCK)

clean:
	rm -rf $(VENV) db.sqlite3 media/demo
