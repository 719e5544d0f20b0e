"""The schema comes from Alembic migrations (`flask db upgrade`), and they match the models."""
import os
import subprocess
import sys

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from app.extensions import db

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def flask_cli(*args, database_url):
    env = {**os.environ, "DATABASE_URL": database_url, "FLASK_DEBUG": "1"}
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


def test_models_and_migrations_agree(app):
    with app.app_context(), db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == [], "run `flask --app app db migrate` and commit the new revision"
