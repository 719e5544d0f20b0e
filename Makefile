# The commands a newcomer needs. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
# Debian's own interpreter when there is one: Apache's daemon user can read it (a pyenv build
# under /root cannot be read by www-data), so the same venv serves mod_wsgi later.
BASE_PYTHON ?= $(shell [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || command -v python3)
FLASK := $(VENV)/bin/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=

.PHONY: help run test venv upgrade-deps clean

help: ## Show the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

run: venv ## Dev server on http://127.0.0.1:5000 (SQLite in instance/, mail logged, not sent)
	FLASK_DEBUG=1 $(FLASK) db upgrade
	FLASK_DEBUG=1 $(FLASK) run --host $(HOST) --port $(PORT)

test: ## Install what the tests need (apt on Debian as root), then run the whole suite
	scripts/system-deps test
	@$(MAKE) --no-print-directory venv
	$(VENV)/bin/pytest $(PYTEST_ARGS)

venv: $(VENV)/.installed ## Create .venv with the pinned packages

$(VENV)/.installed: pyproject.toml constraints.txt
	scripts/system-deps run
	$(BASE_PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q -c constraints.txt -e '.[test]'
	touch $@

upgrade-deps: ## Re-resolve constraints.txt from the pins in pyproject.toml (then run make test)
	rm -rf .venv-upgrade
	$(BASE_PYTHON) -m venv .venv-upgrade
	.venv-upgrade/bin/python -m pip install -q --upgrade pip
	.venv-upgrade/bin/python -m pip install -q '.[test]'
	.venv-upgrade/bin/python -m pip freeze --exclude-editable | grep -v '^flask-reference-app' > constraints.txt
	rm -rf .venv-upgrade

clean: ## Remove the venv and caches (instance/ with your data stays)
	rm -rf $(VENV) .pytest_cache build *.egg-info
