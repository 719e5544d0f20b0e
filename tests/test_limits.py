"""Timeouts and limits: the shipped defaults agree with each other and with PostgreSQL.

The fault suite (make faults FAULTS_ARGS="-k 'overload or slow_clients'") proves them under load; these
catch a default changed in one place and not in the other.
"""
import importlib
import os
import re

import pytest

from app.config import from_env
from deploy import render, sizing
from deploy.gunicorn import conf as gunicorn_conf
from tests.stacks.native.frontends import DEPLOY

DEFAULTS = render.defaults()
CORES = (1, 2, 8, 64)


def flup_back_ends() -> int:
    with open(os.path.join(DEPLOY, "nginx", "fastcgi-site.conf.template")) as site:
        return len(re.findall(r"^\s*server \$\{FASTCGI_UPSTREAM", site.read(), re.MULTILINE))


def app_processes_and_threads(frontend: str, cores: int = 2) -> tuple[int, int]:
    counts = sizing.settings({}, core_count=cores)
    if frontend == "gunicorn":
        return counts["WEB_CONCURRENCY"], counts["GUNICORN_THREADS"]
    if frontend == "apache":
        return counts["WSGI_PROCESSES"], counts["WSGI_THREADS"]
    return flup_back_ends(), counts["FCGI_MAX_THREADS"]


@pytest.fixture
def engine_options(monkeypatch, tmp_path):
    for name in ("DATABASE_POOL_SIZE", "DATABASE_MAX_OVERFLOW", "DATABASE_POOL_TIMEOUT", "DATABASE_STATEMENT_TIMEOUT",
                 "DATABASE_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://app@db/app")
    return from_env(str(tmp_path))["SQLALCHEMY_ENGINE_OPTIONS"]


@pytest.mark.parametrize("cores", CORES)
@pytest.mark.parametrize("frontend", ["gunicorn", "apache", "fastcgi"])
def test_app_servers_never_open_more_database_connections_than_postgresql_allows(engine_options, frontend, cores):
    processes, threads = app_processes_and_threads(frontend, cores)
    processes += frontend == "apache"  # mod_wsgi's daemon for request bodies, of the same size
    per_process = min(threads, engine_options["pool_size"] + engine_options["max_overflow"])
    budget = sizing.POSTGRES_MAX_CONNECTIONS - sizing.SUPERUSER_RESERVED - sizing.OTHER_CLIENTS
    assert processes * per_process <= budget


@pytest.mark.parametrize("frontend", ["gunicorn", "apache"])
def test_app_servers_run_a_process_per_core_and_never_fewer_than_two(frontend):
    assert [app_processes_and_threads(frontend, cores)[0] for cores in (1, 2, 4)] == [2, 2, 4]


def test_the_formula_gives_way_to_a_number_in_the_environment():
    counts = sizing.settings({"WEB_CONCURRENCY": "3", "WSGI_THREADS": "6", "FCGI_MAX_THREADS": "9"}, core_count=8)
    assert (counts["WEB_CONCURRENCY"], counts["WSGI_THREADS"], counts["FCGI_MAX_THREADS"]) == (3, 6, 9)


def test_a_smaller_postgresql_caps_the_processes():
    assert sizing.settings({"DATABASE_MAX_CONNECTIONS": "40"}, core_count=64)["WSGI_PROCESSES"] == 1  # 32 // 15, less the bodies' daemon


def test_gunicorn_mod_wsgi_and_flup_take_their_counts_from_the_one_formula(monkeypatch):
    """Each consumer, as if this host had 3 cores (the affinity the formula reads), nothing set by hand."""
    for name in ("WEB_CONCURRENCY", "GUNICORN_THREADS", "WSGI_PROCESSES", "WSGI_THREADS", "FCGI_MAX_THREADS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2})
    try:
        importlib.reload(gunicorn_conf)  # gunicorn reads its config module once, at start
        assert (gunicorn_conf.workers, gunicorn_conf.threads) == (3, 4)
    finally:
        monkeypatch.undo()
        importlib.reload(gunicorn_conf)
    apache = render.settings({}, core_count=3)
    assert (apache["WSGI_PROCESSES"], apache["WSGI_THREADS"]) == ("3", "15")
    with open(os.path.join(DEPLOY, "fastcgi", "fcgi_server.py")) as server:
        assert 'sizing.settings()["FCGI_MAX_THREADS"]' in server.read()


@pytest.mark.parametrize("frontend", ["gunicorn", "apache", "fastcgi"])
def test_no_app_thread_waits_for_a_database_connection(engine_options, frontend):
    _, threads = app_processes_and_threads(frontend)
    assert threads <= engine_options["pool_size"] + engine_options["max_overflow"]


def test_the_web_servers_wait_for_the_app_longer_than_any_query_may_run(engine_options):
    statement_ms = int(re.search(r"statement_timeout=(\d+)", engine_options["connect_args"]["options"]).group(1))
    response = int(DEFAULTS["APP_RESPONSE_TIMEOUT"])
    # PostgreSQL cancels a statement before the app gives up on the server, and the app has given
    # up on it (and waited for a pooled connection) well before the web server gives up on the app.
    database, pool = int(DEFAULTS["DATABASE_TIMEOUT"]), int(DEFAULTS["DATABASE_POOL_TIMEOUT"])
    assert statement_ms / 1000 < database and engine_options["pool_timeout"] == pool
    assert pool + database <= 5 < response
    # The backstops that kill a stuck worker come after the web server has answered.
    assert gunicorn_conf.timeout >= response
    assert int(DEFAULTS["WSGI_REQUEST_TIMEOUT"]) >= response
    # A request shed from mod_wsgi's queue gets its 503 before it could have timed out.
    assert int(DEFAULTS["WSGI_QUEUE_TIMEOUT"]) < response


def test_apache_starts_a_thread_for_every_request_worker_with_room_for_a_graceful_restart():
    processes = int(DEFAULTS["APACHE_PROCESSES"])
    assert int(DEFAULTS["APACHE_MAX_REQUEST_WORKERS"]) == processes * int(DEFAULTS["APACHE_THREADS"])
    assert 2 * processes <= 16  # Apache's ServerLimit: the old generation finishes beside the new


def test_nginx_may_open_a_file_for_every_connection():
    assert int(DEFAULTS["NGINX_WORKER_RLIMIT_NOFILE"]) >= int(DEFAULTS["NGINX_WORKER_CONNECTIONS"])
