"""Health: /healthz says the process answers, /readyz says the database does."""
import pytest

from app import create_app
from tests.services import free_port


def test_readyz_checks_the_database(client):
    assert client.get("/readyz").json == {"status": "ok", "database": "ok"}


def test_healthz_touches_neither_the_database_nor_the_mail_server(app, client, monkeypatch):
    """What makes its reserved threads enough (deploy/health.py): nothing it does can wait on another."""
    import smtplib

    from sqlalchemy import event

    from app.extensions import db

    checkouts = []

    def checked_out(*args):
        checkouts.append(args)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "checkout", checked_out)
    monkeypatch.setattr(smtplib.SMTP, "connect", lambda *args, **kwargs: pytest.fail("/healthz talked to SMTP"))
    with client.session_transaction() as session:
        session["username"] = "ann"  # a signed-in user's check loads nobody from the database either
    try:
        assert client.get("/healthz").json == {"status": "ok"}
    finally:
        event.remove(engine, "checkout", checked_out)
    assert checkouts == []


def test_without_a_database_readyz_is_503_json_and_healthz_and_pages_still_answer(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"postgresql://postgres@127.0.0.1:{free_port()}/none",
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}},
            "UPLOAD_FOLDER": str(tmp_path),
        }
    )
    client = app.test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json["status"] == "unavailable"
    assert client.get("/healthz").json == {"status": "ok"}
    assert client.get("/hello").status_code == 200


def unreachable_database_app(tmp_path):
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"postgresql://postgres@127.0.0.1:{free_port()}/none",
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}},
            "UPLOAD_FOLDER": str(tmp_path),
        }
    )


def test_a_page_that_needs_the_database_answers_503_with_retry_after_when_it_is_gone(tmp_path):
    client = unreachable_database_app(tmp_path).test_client()
    page = client.get("/students/", headers={"Accept": "text/html"})
    assert page.status_code == 503 and page.headers["Retry-After"] == "5"
    assert "The database is not answering" in page.get_data(as_text=True)
    api = client.get("/api/users/")
    assert api.status_code == 503 and api.json["status"] == 503 and api.headers["Retry-After"] == "5"


def test_a_statement_that_runs_too_long_is_cancelled_by_postgresql(postgres_url, tmp_path, monkeypatch):
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from app.extensions import db

    monkeypatch.setenv("DATABASE_URL", postgres_url)
    monkeypatch.setenv("DATABASE_STATEMENT_TIMEOUT", "200")
    app = create_app({"TESTING": True, "UPLOAD_FOLDER": str(tmp_path)})
    with app.app_context():
        try:
            with pytest.raises(OperationalError, match="statement timeout"):
                db.session.execute(text("SELECT pg_sleep(2)"))
        finally:
            db.session.rollback()
            db.engine.dispose()


def test_a_database_lost_after_the_view_answered_does_not_turn_the_answer_into_a_500(postgres_url, tmp_path, monkeypatch):
    """PostgreSQL ends the connection between the view and the teardown's rollback (a restart)."""
    import psycopg2
    from sqlalchemy import text

    from app.extensions import db

    monkeypatch.setenv("DATABASE_URL", postgres_url)
    app = create_app({"TESTING": True, "UPLOAD_FOLDER": str(tmp_path)})

    @app.get("/pid-then-lost")
    def pid_then_lost():
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        other = psycopg2.connect(postgres_url)
        other.autocommit = True
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", (pid,))
        other.close()
        return "answered"

    client = app.test_client()
    try:
        assert client.get("/pid-then-lost").get_data(as_text=True) == "answered"
        assert client.get("/readyz").status_code == 200  # the pool let the dead connection go
    finally:
        with app.app_context():
            db.engine.dispose()


def test_a_full_connection_pool_answers_503_with_retry_after_not_500(postgres_url, tmp_path, monkeypatch):
    from sqlalchemy import text

    from app.extensions import db

    monkeypatch.setenv("DATABASE_URL", postgres_url)
    monkeypatch.setenv("DATABASE_POOL_SIZE", "1")
    monkeypatch.setenv("DATABASE_MAX_OVERFLOW", "0")
    monkeypatch.setenv("DATABASE_POOL_TIMEOUT", "1")
    app = create_app({"TESTING": True, "UPLOAD_FOLDER": str(tmp_path)})
    with app.app_context():
        held = db.engine.connect()  # the only connection, busy elsewhere
        held.execute(text("SELECT 1"))
    try:
        api = app.test_client().get("/api/users/")
        assert api.status_code == 503 and api.headers["Retry-After"] == "5"
    finally:
        held.close()
        with app.app_context():
            db.engine.dispose()


def migrated_app(url: str, tmp_path):
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "UPLOAD_FOLDER": str(tmp_path)})


@pytest.fixture
def fresh_database(postgres):
    url, cluster = postgres
    if cluster is None:
        pytest.skip("needs a throwaway cluster")
    return cluster.create_database(f"schema_{free_port()}")


def test_readyz_is_503_until_the_schema_is_migrated(fresh_database, tmp_path):
    from flask_migrate import upgrade

    app = migrated_app(fresh_database, tmp_path)
    client = app.test_client()
    empty = client.get("/readyz")
    assert empty.status_code == 503 and empty.json["schema"].startswith("not migrated")
    with app.app_context():
        upgrade(revision="0003")
    behind = client.get("/readyz")
    assert behind.status_code == 503 and behind.json["schema"].startswith("at 0003, code expects")
    with app.app_context():
        upgrade()
    assert client.get("/readyz").json == {"status": "ok", "database": "ok"}


def test_readyz_stays_ready_on_a_schema_newer_than_the_code(fresh_database, tmp_path):
    """A rolling deploy migrates first; the replicas still on the old code keep serving."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app.extensions import db

    app = migrated_app(fresh_database, tmp_path)
    with app.app_context():
        upgrade()
        db.session.execute(text("UPDATE alembic_version SET version_num = '9999_from_newer_code'"))
        db.session.commit()
    assert app.test_client().get("/readyz").status_code == 200
