"""The schema comes from Alembic migrations (`flask db upgrade`), and they match the models."""
import os
import subprocess
import sys
import threading
import time

import psycopg2
import pytest

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from app.extensions import db

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def flask_cli(*args, database_url, **settings):
    env = {**os.environ, "DATABASE_URL": database_url, "FLASK_DEBUG": "1", **settings}
    flask = os.path.join(os.path.dirname(sys.executable), "flask")
    return subprocess.run([flask, "--app", "app", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_flask_db_upgrade_creates_the_schema_on_postgresql_and_downgrade_removes_it(postgres):
    url, cluster = postgres
    if cluster is not None:
        url = cluster.create_database("migrations_check")
    result = flask_cli("db", "upgrade", database_url=url)
    assert result.returncode == 0, result.stderr
    engine = create_engine(url)
    assert {"students", "users", "alembic_version"} <= set(inspect(engine).get_table_names())
    assert flask_cli("db", "downgrade", "base", database_url=url).returncode == 0
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()


def test_a_migration_may_wait_longer_than_a_request_may(postgres):
    """A request gives up after DATABASE_TIMEOUT; a migration waiting for a lock must not."""
    url, cluster = postgres
    if cluster is None:
        pytest.skip("needs a throwaway cluster")
    url = cluster.create_database("migrations_wait")
    assert flask_cli("db", "upgrade", database_url=url).returncode == 0
    holder = psycopg2.connect(url)
    with holder.cursor() as cursor:
        cursor.execute("LOCK TABLE idempotency_keys IN ACCESS EXCLUSIVE MODE")
    release = threading.Timer(3.0, holder.rollback)
    release.start()
    try:
        started = time.monotonic()
        result = flask_cli("db", "downgrade", "0003", database_url=url, DATABASE_TIMEOUT="1")
    finally:
        release.join()
        holder.close()
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started >= 3.0


def test_models_and_migrations_agree(app):
    with app.app_context(), db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == [], "run `flask --app app db migrate` and commit the new revision"


def test_replicas_started_together_migrate_once(postgres):
    """Every replica runs `flask db upgrade` at start: one migrates, the others wait on its
    advisory lock, then find the schema at head. The test holds the lock until all four wait, so
    they really do start together."""
    from app.schema import MIGRATION_LOCK

    url, cluster = postgres
    if cluster is None:
        pytest.skip("needs a throwaway cluster")
    url = cluster.create_database("migrations_race")
    holder = psycopg2.connect(url)
    holder.autocommit = True
    with holder.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
    env = {**os.environ, "DATABASE_URL": url, "FLASK_DEBUG": "1"}
    flask = os.path.join(os.path.dirname(sys.executable), "flask")
    replicas = [subprocess.Popen([flask, "--app", "app", "db", "upgrade"], cwd=ROOT, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(4)]
    try:
        deadline = time.monotonic() + 60
        while waiting_for_advisory_lock(holder) < 4:
            assert time.monotonic() < deadline, "the replicas never queued on the migration lock"
            time.sleep(0.1)
    finally:
        holder.close()  # the lock goes with the session
    outputs = [replica.communicate(timeout=120)[0] for replica in replicas]
    assert [replica.returncode for replica in replicas] == [0] * 4, outputs
    assert sum(output.count("Running upgrade  -> 0001") for output in outputs) == 1, outputs
    assert all("Another replica is migrating" in output for output in outputs), outputs


def waiting_for_advisory_lock(connection) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        return cursor.fetchone()[0]
