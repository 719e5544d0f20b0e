# The commands a newcomer needs. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
# Debian's own interpreter when there is one: Apache's daemon user can read it (a pyenv build
# under /root cannot be read by www-data), so the same venv serves mod_wsgi.
BASE_PYTHON ?= $(shell [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || command -v python3)
export BASE_PYTHON
PIP := $(VENV)/bin/python -m pip
FLASK := $(VENV)/bin/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=
FAULTS_ARGS ?=
BENCH_ARGS ?=
FRONTEND ?= gunicorn
# up-native takes PORT=… as the issue and README say; make run keeps PORT for the dev server.
NATIVE_PORT ?= $(if $(filter command line,$(origin PORT)),$(PORT),8080)
HTTPS_PORT ?= 8443
BASE_URL ?= https://127.0.0.1:8443
# The CA to trust for BASE_URL: by default the one the running compose stack made; up-native prints its own.
CA ?=
QUICK_PORT ?= 8000

COMPOSE ?= $(shell docker compose version >/dev/null 2>&1 && echo "docker compose" || echo docker-compose)
PROFILE ?= gunicorn
ALL_PROFILES := --profile apache --profile gunicorn --profile fastcgi

.PHONY: help run test venv quick up-native down-native smoke up down logs e2e faults bench upgrade-deps clean

help: ## Show the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  make %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

run: venv ## Dev server on http://127.0.0.1:5000 (SQLite in instance/, mail logged, not sent)
	FLASK_DEBUG=1 $(FLASK) db upgrade
	FLASK_DEBUG=1 $(FLASK) run --host $(HOST) --port $(PORT)

test: ## Install what the tests need (apt on Debian as root), then run the whole suite
	scripts/system-deps test
	@$(MAKE) --no-print-directory venv $(VENV)/.mod_wsgi
	$(VENV)/bin/pytest $(PYTEST_ARGS)

quick: ## The app through mod_wsgi-express on http://127.0.0.1:8000 (QUICK_PORT=…)
	scripts/system-deps apache
	@$(MAKE) --no-print-directory venv $(VENV)/.mod_wsgi
	scripts/quick $(QUICK_PORT)

up-native: ## Start FRONTEND=apache|gunicorn|fastcgi [PORT=8080 HTTPS_PORT=8443] with PostgreSQL and mail
	scripts/system-deps native
	@$(MAKE) --no-print-directory venv $(if $(filter apache,$(FRONTEND)),$(VENV)/.mod_wsgi)
	$(VENV)/bin/python -m stack up --frontend $(FRONTEND) --port $(NATIVE_PORT) --https-port $(HTTPS_PORT)

down-native: ## Stop what up-native started (by pid, nothing else)
	@if [ -x $(VENV)/bin/python ]; then $(VENV)/bin/python -m stack down; fi

smoke: ## Request every route of the route table from BASE_URL (default the compose stack, https://127.0.0.1:8443; CA=…)
	@ca="$(CA)"; if [ -z "$$ca" ] && [ "$(BASE_URL)" = "https://127.0.0.1:8443" ]; then ca=$$(scripts/compose-ca); fi; \
	env $${ca:+SSL_CERT_FILE=$$ca} python3 scripts/smoke.py $(BASE_URL)

up: ## docker compose: build and start PROFILE=gunicorn|apache|fastcgi on https://localhost:8443
	@test -f .env || { echo "copy .env.example to .env and set SECRET_KEY first"; exit 1; }
	$(COMPOSE) --profile $(PROFILE) up -d --build

down: ## docker compose: stop every profile (volumes are kept)
	$(COMPOSE) $(ALL_PROFILES) down

logs: ## docker compose: follow the logs of every service
	$(COMPOSE) $(ALL_PROFILES) logs -f --tail 100

e2e: ## Build the images, then up, smoke, server checks and down for every profile
	scripts/e2e

faults: ## The fault suite: each fault provoked through every native front end, one table (FAULTS_ARGS=--case …)
	scripts/system-deps native
	@$(MAKE) --no-print-directory venv $(VENV)/.mod_wsgi
	$(VENV)/bin/python -m faults $(FAULTS_ARGS)

bench: ## Benchmark every front end against bare gunicorn, its peers and nginx alone; bench/results/<time>/ (BENCH_ARGS=--only …)
	scripts/system-deps bench
	@$(MAKE) --no-print-directory venv $(VENV)/.mod_wsgi $(VENV)/.bench
	$(VENV)/bin/python -m bench $(BENCH_ARGS)

venv: $(VENV)/.installed ## Create .venv with the pinned packages

$(VENV)/.installed: pyproject.toml constraints.txt
	scripts/system-deps run
	$(BASE_PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -c constraints.txt -e '.[test,deploy]'
	touch $@

# mod_wsgi compiles against Apache (apxs) and this venv's Python; a cached wheel built for
# another interpreter would load the wrong libpython, hence --no-cache-dir.
$(VENV)/.mod_wsgi: $(VENV)/.installed
	$(PIP) install -q --no-cache-dir -c constraints.txt -e '.[apache]'
	touch $@

# The bench's peers; uWSGI compiles against this venv's Python like mod_wsgi, hence --no-cache-dir too.
$(VENV)/.bench: $(VENV)/.installed
	$(PIP) install -q --no-cache-dir -c constraints.txt -e '.[bench]'
	touch $@

upgrade-deps: ## Re-resolve constraints.txt from the pins in pyproject.toml (then run make test)
	rm -rf .venv-upgrade
	$(BASE_PYTHON) -m venv .venv-upgrade
	.venv-upgrade/bin/python -m pip install -q --upgrade pip
	.venv-upgrade/bin/python -m pip install -q '.[test,deploy,apache]'
	.venv-upgrade/bin/python -m pip freeze --exclude-editable | grep -v '^flask-reference-app' > constraints.txt
	rm -rf .venv-upgrade

clean: ## Remove the venv and caches (instance/ with your data stays)
	rm -rf $(VENV) .pytest_cache build *.egg-info
