"""Replicas started together against an empty database migrate it once: `flask db upgrade` on
every app host at once; one takes the advisory lock and migrates, the others wait and then find
the schema at head.

"At once" is made certain: the test holds the migration lock itself until every host's upgrade
waits for it, then lets go, so all of them race for it in the same instant."""
import secrets
import time

import psycopg2

from app.schema import MIGRATION_LOCK
from tests.stacks.hosts import APP_HOSTS

WAITERS = ("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
           " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")


def test_replicas_started_together_migrate_once(stack, figures):
    name = f"fresh_{secrets.token_hex(3)}"
    stack.sql(f'CREATE DATABASE "{name}"')
    url = stack.database_url.rsplit("/", 1)[0] + "/" + name
    barrier = psycopg2.connect(url, connect_timeout=3)
    barrier.autocommit = True
    try:
        with barrier.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
            started = [stack.flask_on(host, "db", "upgrade", env={**stack.env, "DATABASE_URL": url}) for host in APP_HOSTS]
            deadline = time.monotonic() + 60
            while _count(cursor, WAITERS) < len(APP_HOSTS) and time.monotonic() < deadline and all(p.poll() is None for p in started):
                time.sleep(0.05)
            waiting = _count(cursor, WAITERS)
            cursor.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))
        outputs = [process.communicate(timeout=180)[0].decode(errors="replace") for process in started]
        codes = [process.returncode for process in started]
        upgrades = {host: output.count("Running upgrade") for host, output in zip(APP_HOSTS, outputs)}
        with barrier.cursor() as cursor:
            versions = _count(cursor, "SELECT count(*) FROM alembic_version")
        figures(waiting_together=waiting, exit_codes=codes, upgrade_steps_run=upgrades)
        assert waiting == len(APP_HOSTS)
        assert codes == [0] * len(APP_HOSTS), "\n".join(outputs)
        assert len([host for host, steps in upgrades.items() if steps]) == 1, upgrades
        assert versions == 1
    finally:
        barrier.close()
        stack.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _count(cursor, query: str) -> int:
    cursor.execute(query)
    return cursor.fetchone()[0]
