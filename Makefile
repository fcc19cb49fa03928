# OkPuja: `make run` brings the whole system up on SQLite with demo data;
# `make test` installs what it needs and runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)

.PHONY: help install run test lint format demo bench clean

help:
	@echo "make run    - start web server, PhonePe sandbox and reconciler (SQLite, demo data)"
	@echo "make test   - run the whole test suite (unit, views, sandbox, Playwright)"
	@echo "make lint   - ruff check"

$(STAMP): requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
		|| { echo "OkPuja needs Python 3.11 or newer (found $$($(PYTHON) --version 2>&1))."; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

run: install
	DJANGO_DEBUG=true $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=true $(BIN)/python manage.py load_demo_data
	DJANGO_DEBUG=true $(BIN)/python manage.py create_demo_staff
	@echo
	@echo "  OkPuja:            http://127.0.0.1:8000/"
	@echo "  Admin:             http://127.0.0.1:8000/admin/"
	@echo "  PhonePe sandbox:   http://127.0.0.1:8001/apis/pg-sandbox"
	@echo "  Stop everything with Ctrl-C."
	@echo
	DJANGO_DEBUG=true PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho -f Procfile start

test: install
	@$(BIN)/python tests/e2e/browser.py --ensure
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .venv-sdk staticfiles test-artifacts .pytest_cache
