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
HOSTS_ARGS ?=
BENCH_ARGS ?=
FRONTEND ?= gunicorn
# up-native takes PORT=… as the issue and README say; make run keeps PORT for the dev server.
NATIVE_PORT ?= $(if $(filter command line,$(origin PORT)),$(PORT),8080)
HTTPS_PORT ?= 8443
# A stack make smoke should ask instead of the running native or compose one, and the CA to trust for it.
BASE_URL ?=
CA ?=
QUICK_PORT ?= 8000
JUDGES := tests/judges

COMPOSE ?= $(shell docker compose version >/dev/null 2>&1 && echo "docker compose" || echo docker-compose)
PROFILE ?= gunicorn
ALL_PROFILES := --profile apache --profile gunicorn --profile fastcgi

.PHONY: help run test venv quick up-native down-native smoke up down logs backup restore e2e server-test faults hosts-test bench upgrade-deps clean

help: ## Show the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  make %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

run: venv ## Dev server on http://127.0.0.1:5000 (SQLite in instance/, mail logged, not sent)
	FLASK_DEBUG=1 $(FLASK) db upgrade
	FLASK_DEBUG=1 $(FLASK) run --host $(HOST) --port $(PORT)

test: ## Install what the tests need (apt on Debian as root), then run the whole suite
	scripts/system-deps test
	@$(MAKE) --no-print-directory venv $(VENV)/.mod_wsgi $(JUDGES)/node_modules/.installed $(CHECKOV_VENV)/.installed
	$(VENV)/bin/pytest $(PYTEST_ARGS)

quick: ## The app through mod_wsgi-express on http://127.0.0.1:8000 (QUICK_PORT=…)
	scripts/system-deps apache
	@$(MAKE) --no-print-directory venv $(VENV)/.mod_wsgi
	scripts/quick $(QUICK_PORT)

up-native: ## Start FRONTEND=apache|gunicorn|fastcgi [PORT=8080 HTTPS_PORT=8443] with PostgreSQL and mail
	scripts/system-deps native
	@$(MAKE) --no-print-directory venv $(if $(filter apache,$(FRONTEND)),$(VENV)/.mod_wsgi)
	$(VENV)/bin/python -m tests.stacks.native up --frontend $(FRONTEND) --port $(NATIVE_PORT) --https-port $(HTTPS_PORT)

down-native: ## Stop what up-native started (by pid, nothing else)
	@if [ -x $(VENV)/bin/python ]; then $(VENV)/bin/python -m tests.stacks.native down; fi

smoke: venv ## Every route of the route table through the running stack: native, compose, or BASE_URL=… [CA=…]
	@BASE_URL="$(BASE_URL)" CA="$(CA)" $(VENV)/bin/pytest -q -p no:cacheprovider -m smoke tests/smoke

up: ## docker compose: build and start PROFILE=gunicorn|apache|fastcgi on https://localhost:8443
	@test -f .env || { echo "copy .env.example to .env and set SECRET_KEY first"; exit 1; }
	$(COMPOSE) --profile $(PROFILE) up -d --build

down: ## docker compose: stop every profile (volumes are kept)
	$(COMPOSE) $(ALL_PROFILES) down

logs: ## docker compose: follow the logs of every service
	$(COMPOSE) $(ALL_PROFILES) logs -f --tail 100

# Backups of the compose stack (README "Backups"), in BACKUP_DIR (default instance/backups, newest
# BACKUP_KEEP=7 kept): deploy/backup/ writes, checks and prunes; the dump comes from pg_dump in the
# db container (a client on this host could be older than the server), the uploads from the app's.
UPLOADS := /var/lib/flask-reference/uploads
# The PostgreSQL tools in the db container, logged in as its own settings say (a password or its file):
# the official image trusts local connections, others (CI's stand-in) ask for the password.
DB_SH = $(COMPOSE) exec -T db sh -c 'PGPASSWORD="$${POSTGRES_PASSWORD:-$$(cat "$$POSTGRES_PASSWORD_FILE" 2>/dev/null)}" PGUSER="$$POSTGRES_USER" PGDATABASE="$$POSTGRES_DB" exec "$$@"' sh
backup: export DUMP_FROM_DB = $(DB_SH) pg_dump --format=custom
# An upload still being written is a hidden .upload-* file, hard-linked to its name when complete.
backup: export TAR_FROM_APP = $(COMPOSE) exec -T $(PROFILE) tar -C $(UPLOADS) --exclude='.upload-*' --hard-dereference -cf - .
backup: venv ## docker compose: the database and uploads into BACKUP_DIR (instance/backups), a folder per backup
	$(VENV)/bin/python -m deploy.backup create --database-from "$$DUMP_FROM_DB" --uploads-from "$$TAR_FROM_APP"

# Restore with the app stopped (make down, the volumes removed): db and the outbox sender come up
# (the sender migrates nothing: MIGRATE=0, so no tables are made first), the sender's container
# checks and fills the uploads volume, then stops (--dbname: a connection string whose database is
# the container's PGDATABASE). Not `compose run`: docker-compose 1.29 cannot run
# a one-off container on the host network. A database with tables makes pg_restore fail in its
# single transaction, so nothing of it is changed.
restore: venv ## docker compose: restore FILE=instance/backups/<time> into an empty database and uploads volume
	@test -n "$(FILE)" || { echo "usage: make restore FILE=instance/backups/<time> (make backup wrote them)"; exit 2; }
	$(VENV)/bin/python -m deploy.backup verify $(FILE)
	$(COMPOSE) up -d --no-build db outbox
	@$(COMPOSE) exec -T outbox sh -c '[ -z "$$(ls -A $(UPLOADS))" ]' \
	  || { echo "restore: the uploads volume is not empty: make down, docker volume rm <project>_uploads, then again"; exit 1; }
	$(DB_SH) pg_restore --exit-on-error --single-transaction --no-owner --dbname application_name=restore < $(FILE)/database.dump
	$(COMPOSE) exec -T outbox tar -C $(UPLOADS) -xf - < $(FILE)/uploads.tar
	$(COMPOSE) stop outbox

e2e: ## Build the images once, then per compose profile: up, route table, server checks, each server stopped, down
	@$(MAKE) --no-print-directory venv
	.ci/e2e-images
	@start=$$SECONDS; $(VENV)/bin/pytest -m e2e tests/e2e $(PYTEST_ARGS); rc=$$?; echo "e2e: pytest -m e2e took $$((SECONDS - start)) s"; exit $$rc

server-test: ## Build the server image and wheelhouse once, then per front end: a fresh Debian server, deploy/install, checks
	scripts/system-deps server
	@$(MAKE) --no-print-directory venv
	.ci/server-image
	@start=$$SECONDS; $(VENV)/bin/pytest -m server tests/server $(PYTEST_ARGS); rc=$$?; echo "server-test: pytest -m server took $$((SECONDS - start)) s"; exit $$rc

faults: ## The fault suite: each fault through every native front end, one table (FAULTS_ARGS="-k 'reloads and apache'" FAULTS_KEEP=1)
	scripts/system-deps faults
	@$(MAKE) --no-print-directory venv $(VENV)/.mod_wsgi
	$(VENV)/bin/pytest -m faults -v tests/faults $(FAULTS_ARGS)

hosts-test: ## Several hosts in network namespaces (balancer, 3 app hosts, database, mail, storage), per front end; prints its figures (HOSTS_ARGS="-k gunicorn" HOSTS_KEEP=1)
	scripts/system-deps hosts
	@$(MAKE) --no-print-directory venv $(VENV)/.mod_wsgi
	@start=$$SECONDS; $(VENV)/bin/pytest -m hosts -rA tests/hosts $(HOSTS_ARGS); rc=$$?; echo "hosts-test: pytest -m hosts took $$((SECONDS - start)) s"; exit $$rc

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

# The pages' judges (tests/frontends/test_judges.py): the Nu Html Checker and axe-core, exactly as
# the lock says. --ignore-scripts: vnu-jar's postinstall would download a Java of its own; Debian's runs it.
$(JUDGES)/node_modules/.installed: $(JUDGES)/package.json $(JUDGES)/package-lock.json
	npm ci --prefix $(JUDGES) --no-audit --no-fund --ignore-scripts
	touch $@

# checkov, the policy check of deploy/kubernetes/ (tests/kubernetes/): about 100 dependencies,
# so a venv of its own; its whole tree is pinned in CHECKOV_REQUIREMENTS, which says how to upgrade.
CHECKOV_VENV ?= .venv-checkov
CHECKOV_REQUIREMENTS := deploy/kubernetes/checkov-requirements.txt
export CHECKOV_VENV
$(CHECKOV_VENV)/.installed: $(CHECKOV_REQUIREMENTS)
	rm -rf $(CHECKOV_VENV)
	$(BASE_PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install -q --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install -q -r $(CHECKOV_REQUIREMENTS)
	touch $@

# The bench's peers; uWSGI compiles against this venv's Python like mod_wsgi, hence --no-cache-dir too.
$(VENV)/.bench: $(VENV)/.installed
	$(PIP) install -q --no-cache-dir -c constraints.txt -e '.[bench]'
	touch $@

# Every extra, the bench's peers included, so that none of their pins drops out of constraints.txt;
# mod_wsgi and uWSGI compile here too, hence system-deps bench and --no-cache-dir as above.
upgrade-deps: ## Re-resolve constraints.txt from the pins in pyproject.toml (then run make test)
	scripts/system-deps bench
	rm -rf .venv-upgrade
	$(BASE_PYTHON) -m venv .venv-upgrade
	.venv-upgrade/bin/python -m pip install -q --upgrade pip
	.venv-upgrade/bin/python -m pip install -q --no-cache-dir '.[test,deploy,apache,bench]'
	.venv-upgrade/bin/python -m pip freeze --exclude-editable | grep -v '^flask-reference-app' > constraints.txt.new
	mv constraints.txt.new constraints.txt
	rm -rf .venv-upgrade

clean: ## Remove the venv and caches (instance/ with your data stays)
	rm -rf $(VENV) $(CHECKOV_VENV) .pytest_cache build *.egg-info $(JUDGES)/node_modules
