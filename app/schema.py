"""The schema on several replicas: migrated by one at a time, served on only when current enough."""
import functools
import logging

from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import text

# alembic.ini prints this logger's INFO lines, as it does Alembic's own.
logger = logging.getLogger("alembic.env")
# Any fixed number, the same for every replica: pg_advisory_lock() takes a bigint key.
MIGRATION_LOCK = 7_242_053_101


def one_migrator_at_a_time(connection) -> None:
    """Replicas that start together all run `flask db upgrade`: the first takes this lock and
    migrates, the others wait for it here, then find the schema at head and do nothing. A
    session-level lock on the driver's connection, so Alembic's transaction is untouched; it goes
    with the connection, which is closed (invalidated) after the run, or with a killed migrator's
    backend. No wait bound: env.py set statement_timeout to 0 on this connection."""
    raw = connection.connection.dbapi_connection
    with raw.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", (MIGRATION_LOCK,))
        if not cursor.fetchone()[0]:
            logger.info("Another replica is migrating; waiting for it to finish.")
            cursor.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
    raw.commit()


VERSION_QUERY = text("SELECT version_num FROM alembic_version")


def database_revision(connection) -> str | None:
    return connection.execute(VERSION_QUERY).scalar()


def is_missing_table(error) -> bool:
    """No alembic_version yet: PostgreSQL's undefined_table (42P01), SQLite's "no such table"."""
    code = getattr(error.orig, "pgcode", None)
    return code == "42P01" or "no such table" in str(error.orig)


@functools.cache
def _revisions(directory: str) -> tuple[str, frozenset[str]]:
    """(head, every older revision) of the migrations this code ships: read once per process."""
    scripts = ScriptDirectory(directory)
    head = scripts.get_current_head()
    return head, frozenset(s.revision for s in scripts.walk_revisions() if s.revision != head)


def behind(revision: str | None) -> str | None:
    """Why the schema is too old for this code, or None when it is at head or newer.

    A revision this code does not know comes from newer code that migrated already: serving on it
    is what expand-then-contract migrations are for."""
    head, older = _revisions(current_app.extensions["migrate"].directory)
    if revision is None:
        return f"not migrated (code expects {head})"
    if revision in older:
        return f"at {revision}, code expects {head}"
    return None
