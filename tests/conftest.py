"""Fixtures: the app on a real PostgreSQL (SQLite as an extra fast layer), a real SMTP sink, a real
S3-compatible store for uploads (moto), a client."""
import os
import re

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from app import create_app
from app.extensions import db
from tests.services import unavailable
from tests.stacks.native.postgres import PostgresCluster, find_bindir
from tests.services.s3 import S3Server
from tests.services.sentry import SentryReceiver
from tests.services.smtp import SmtpSink

API_TOKEN = "test-token"


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server for the whole session: TEST_DATABASE_URL if given, else a throwaway cluster."""
    if os.environ.get("TEST_DATABASE_URL"):
        yield os.environ["TEST_DATABASE_URL"], None
        return
    bindir = find_bindir()
    if bindir is None:
        unavailable("PostgreSQL is not installed (apt-get install postgresql, or set TEST_DATABASE_URL)")
    cluster = PostgresCluster(bindir).start()
    try:
        yield cluster.create_database("app_test"), cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres):
    return postgres[0]


@pytest.fixture(scope="session")
def smtp_sink():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def sentry_receiver():
    """Where error reports go (SENTRY_DSN=sentry_receiver.dsn): a Sentry ingest endpoint on loopback."""
    receiver = SentryReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="session")
def s3_server():
    server = S3Server().start()
    yield server
    server.stop()


@pytest.fixture
def upload_store(request):
    """Where the app keeps uploads: "local" (UPLOAD_FOLDER); modules parametrize it to run on "s3" too."""
    return getattr(request, "param", "local")


@pytest.fixture
def upload_settings(request, upload_store):
    """The app's settings for that store: for s3, a fresh bucket of the session's server."""
    if upload_store != "s3":
        return {}
    server = request.getfixturevalue("s3_server")
    return server.settings(server.create_bucket())


@pytest.fixture
def backend(request):
    """Which database the app uses; modules parametrize it to run on SQLite as well."""
    return getattr(request, "param", "postgresql")


@pytest.fixture
def app(request, backend, upload_settings, tmp_path):
    url = request.getfixturevalue("postgres_url") if backend == "postgresql" else f"sqlite:///{tmp_path / 'test.sqlite3'}"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": url,
            "UPLOAD_FOLDER": str(tmp_path / "uploads"),
            "MAINTENANCE_FILE": str(tmp_path / "maintenance"),
            "MAIL_SUPPRESS_SEND": True,
            "API_TOKEN": API_TOKEN,
            "CORS_ORIGINS": ["https://allowed.example"],
            **upload_settings,
        }
    )
    with app.app_context():
        upgrade()  # the schema comes from the migrations, as in production
    yield app
    with app.app_context():
        if backend == "postgresql":
            db.session.execute(text("TRUNCATE students, users, outbox, idempotency_keys RESTART IDENTITY CASCADE"))
            db.session.commit()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


CSRF_FIELD = re.compile(r'name="csrf[-_]token"[^>]*? (?:content|value)="([^"]+)"')


def csrf_token(client, page: str = "/login") -> str:
    """The token a browser would take from the page: a form's hidden field, or the meta tag of a
    page whose script posts. Other pages have none, as they make no session (test_sessions.py)."""
    match = CSRF_FIELD.search(client.get(page).get_data(as_text=True))
    assert match, f"no CSRF token on {page}"
    return match.group(1)


@pytest.fixture
def post_form(client):
    """POST a form the way a browser does: with the CSRF token from a page.

    The token is fetched once, from the login form: every page shows pending flashed messages,
    and fetching a page before each post would consume them.
    """
    tokens = []

    def post(path, data=None, **kwargs):
        if not tokens:
            tokens.append(csrf_token(client))
        data = {"csrf_token": tokens[0], **(data or {})}
        return client.post(path, data=data, **kwargs)

    return post


@pytest.fixture
def api_headers():
    return {"Authorization": f"Bearer {API_TOKEN}"}
