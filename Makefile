# OkPuja: `make run` brings the whole system up on SQLite with demo data;
# `make test` installs what it needs (venvs; Chromium with apt-get if missing and allowed)
# and runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)
# PhonePe's official SDK pins old requests, so its check runs from a venv of its own.
SDK_VENV := .venv-sdk
SDK_REQUIREMENTS := tests/sandbox/sdk-requirements.txt
SDK_STAMP := $(SDK_VENV)/.installed-$(shell cksum $(SDK_REQUIREMENTS) | cut -d' ' -f1)
# Without the caller's virtualenv or PYTHONPATH leaking into the SDK's venv.
CLEAN_PY_ENV := env -u PYTHONPATH -u PYTHONHOME -u VIRTUAL_ENV

.PHONY: help install sdk-venv run test lint format demo bench clean schema messages

help:
	@echo "make run    - start web server, PhonePe sandbox and reconciler (SQLite, demo data)"
	@echo "make test   - run the whole test suite (unit, views, sandbox, Playwright)"
	@echo "make lint   - ruff check"
	@echo "make sdk-venv - build .venv-sdk (PhonePe's official SDK; make test does it)"
	@echo "make schema - rewrite api/openapi.json after changing the API"
	@echo "make messages - update locale/hi/LC_MESSAGES/django.po from the code, compile the .mo"

$(STAMP): requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
		|| { echo "OkPuja needs Python 3.11 or newer (found $$($(PYTHON) --version 2>&1))."; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) tests/system_packages.py venv
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

$(SDK_STAMP): $(SDK_REQUIREMENTS)
	@echo "Building $(SDK_VENV): PhonePe's official SDK, for its wire check against the sandbox"
	@test -x $(SDK_VENV)/bin/python || $(PYTHON) tests/system_packages.py venv
	@test -x $(SDK_VENV)/bin/python || $(CLEAN_PY_ENV) $(PYTHON) -m venv $(SDK_VENV)
	$(CLEAN_PY_ENV) $(SDK_VENV)/bin/python -m pip install --quiet -r $(SDK_REQUIREMENTS)
	@rm -f $(SDK_VENV)/.installed-*
	@touch $(SDK_STAMP)

sdk-venv: $(SDK_STAMP)

run: install
	DJANGO_DEBUG=true $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=true $(BIN)/python manage.py createcachetable
	DJANGO_DEBUG=true $(BIN)/python manage.py load_demo_data
	DJANGO_DEBUG=true $(BIN)/python manage.py create_demo_staff
	DJANGO_DEBUG=true $(BIN)/python manage.py load_demo_priests
	@echo
	@echo "  OkPuja:            http://127.0.0.1:8000/"
	@echo "  Admin:             http://127.0.0.1:8000/admin/"
	@echo "  PhonePe sandbox:   http://127.0.0.1:8001/apis/pg-sandbox"
	@echo "  Stop everything with Ctrl-C."
	@echo
	DJANGO_DEBUG=true PHONEPE_ALLOW_LOCAL=true PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho -f Procfile start

# Everything the suite needs is installed here, so the test run itself downloads nothing.
test: install sdk-venv
	@$(BIN)/python tests/e2e/browser.py --ensure
	@command -v xgettext >/dev/null || $(PYTHON) tests/system_packages.py gettext || true
	OKPUJA_REQUIRE_SDK_VENV=1 $(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

schema: install
	DJANGO_DEBUG=true $(BIN)/python manage.py api_schema

# Translations: collect the messages of our code and templates into locale/hi
# (translate the new entries, then run it again to compile). The .po and the
# compiled .mo are committed, so run, test and deploy need no gettext; a test
# fails when an entry is untranslated or fuzzy, the .mo lags the .po, or the
# code has a string the .po lacks. What is collected: tests/translations.py.
messages: install
	@$(PYTHON) tests/system_packages.py gettext
	$(BIN)/python tests/translations.py update

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .venv-sdk staticfiles test-artifacts .pytest_cache
