"""Timeouts and limits: the shipped defaults agree with each other and with PostgreSQL.

The fault suite (python -m faults --case overload|slow_clients) proves them under load; these
catch a default changed in one place and not in the other.
"""
import os
import re

import pytest

from app.config import from_env
from stack.frontends import DEPLOY, render

# PostgreSQL's own defaults (Debian's and the compose image's): max_connections, and the slots
# kept for superusers. Besides the app servers: the outbox sender, a migration, an operator's psql.
POSTGRES_MAX_CONNECTIONS = 100
SUPERUSER_RESERVED = 3
OTHER_CLIENTS = 5
DEFAULTS = render.defaults()


def source_default(path: str, name: str) -> int:
    """The default a deploy/ Python file gives an environment variable: os.environ.get("NAME", "N")."""
    with open(os.path.join(DEPLOY, path)) as source:
        return int(re.search(rf'os\.environ\.get\("{name}", "(\d+)"\)', source.read()).group(1))


def flup_back_ends() -> int:
    with open(os.path.join(DEPLOY, "nginx", "fastcgi-site.conf.template")) as site:
        return len(re.findall(r"^\s*server \$\{FASTCGI_UPSTREAM", site.read(), re.MULTILINE))


def app_processes_and_threads(frontend: str) -> tuple[int, int]:
    if frontend == "gunicorn":
        config = "gunicorn/gunicorn.conf.py"
        return source_default(config, "WEB_CONCURRENCY"), source_default(config, "GUNICORN_THREADS")
    if frontend == "apache":
        return int(DEFAULTS["WSGI_PROCESSES"]), int(DEFAULTS["WSGI_THREADS"])
    return flup_back_ends(), source_default("fastcgi/fcgi_server.py", "FCGI_MAX_THREADS")


@pytest.fixture
def engine_options(monkeypatch, tmp_path):
    for name in ("DATABASE_POOL_SIZE", "DATABASE_MAX_OVERFLOW", "DATABASE_POOL_TIMEOUT", "DATABASE_STATEMENT_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://app@db/app")
    return from_env(str(tmp_path))["SQLALCHEMY_ENGINE_OPTIONS"]


@pytest.mark.parametrize("frontend", ["gunicorn", "apache", "fastcgi"])
def test_app_servers_never_open_more_database_connections_than_postgresql_allows(engine_options, frontend):
    processes, threads = app_processes_and_threads(frontend)
    per_process = min(threads, engine_options["pool_size"] + engine_options["max_overflow"])
    assert processes * per_process <= POSTGRES_MAX_CONNECTIONS - SUPERUSER_RESERVED - OTHER_CLIENTS


@pytest.mark.parametrize("frontend", ["gunicorn", "apache", "fastcgi"])
def test_no_app_thread_waits_for_a_database_connection(engine_options, frontend):
    _, threads = app_processes_and_threads(frontend)
    assert threads <= engine_options["pool_size"] + engine_options["max_overflow"]


def test_the_web_servers_wait_for_the_app_longer_than_any_query_may_run(engine_options):
    statement_ms = int(re.search(r"statement_timeout=(\d+)", engine_options["connect_args"]["options"]).group(1))
    response = int(DEFAULTS["APP_RESPONSE_TIMEOUT"])
    assert statement_ms / 1000 < response
    # The backstops that kill a stuck worker come after the web server has answered.
    assert source_default("gunicorn/gunicorn.conf.py", "GUNICORN_TIMEOUT") >= response
    assert int(DEFAULTS["WSGI_REQUEST_TIMEOUT"]) >= response
    # A request shed from mod_wsgi's queue gets its 503 before it could have timed out.
    assert int(DEFAULTS["WSGI_QUEUE_TIMEOUT"]) < response


def test_apache_starts_a_thread_for_every_request_worker_with_room_for_a_graceful_restart():
    processes = int(DEFAULTS["APACHE_PROCESSES"])
    assert int(DEFAULTS["APACHE_MAX_REQUEST_WORKERS"]) == processes * int(DEFAULTS["APACHE_THREADS"])
    assert 2 * processes <= 16  # Apache's ServerLimit: the old generation finishes beside the new


def test_nginx_may_open_a_file_for_every_connection():
    assert int(DEFAULTS["NGINX_WORKER_RLIMIT_NOFILE"]) >= int(DEFAULTS["NGINX_WORKER_CONNECTIONS"])
