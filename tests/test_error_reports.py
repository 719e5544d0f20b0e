"""Error reports: SENTRY_DSN sends each unhandled error once, with its request id, and nothing of the
user's (cookies, form, credentials), to a real ingest endpoint on loopback (tests/services/sentry.py).
Through the front ends: tests/frontends/test_error_reports.py."""
import json
import os
import socket
import subprocess
import sys
import time

import pytest
import sentry_sdk
from sqlalchemy import text

from app import config, create_app, error_reports
from app.extensions import db
from tests.conftest import csrf_token
from tests.services.sentry import FORM_SECRET, TOKEN_SECRET, USER

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def app(app, sentry_receiver):
    """The test app with error reports on, set up as create_app does when SENTRY_DSN is set, and the
    route that fails on purpose (ERROR_TEST_ROUTE); the SDK is closed after each test."""
    app.config.update(SENTRY_DSN=sentry_receiver.dsn, PROPAGATE_EXCEPTIONS=False)
    error_reports.init_app(app)
    app.register_blueprint(error_reports.bp)
    yield app
    close_sdk()


def close_sdk():
    """Send what is queued and forget the client, so no later test of the session reports anything."""
    sentry_sdk.get_client().close(timeout=2)
    sentry_sdk.get_global_scope().set_client(None)


def reports_of(receiver, response) -> list[dict]:
    sentry_sdk.flush(timeout=5)  # every report of the request is sent by now
    return receiver.events_tagged("request_id", response.headers["X-Request-ID"], timeout=0)


@pytest.fixture
def failed_form_post(client, sentry_receiver):
    """A signed-in browser's form post (session cookie, CSRF token in the form and in a header, an
    API token) to a view that fails: the answer, its reports, and the secrets no report may carry."""
    assert client.post("/login", data={"csrf_token": csrf_token(client), "username": USER}).status_code == 302
    token = csrf_token(client)
    cookie = client.get_cookie("session").value
    before = len(sentry_receiver.envelopes)
    response = client.post("/error-test", data={"csrf_token": token, "comment": FORM_SECRET},
                           headers={"Authorization": f"Bearer {TOKEN_SECRET}", "X-CSRFToken": token})
    reports = reports_of(sentry_receiver, response)
    leaked = sentry_receiver.leaked(before, {"session cookie": cookie, "CSRF token": token, "form field": FORM_SECRET,
                                             "API token": TOKEN_SECRET, "user name": USER})
    return response, reports, leaked


def test_error_reports_send_an_unhandled_error_once_with_its_request_id(failed_form_post, app):
    response, reports, _ = failed_form_post
    assert response.status_code == 500 and "Internal Server Error" in response.get_data(as_text=True)  # app/errors.py's page
    assert len(reports) == 1, [report["exception"]["values"][-1]["type"] for report in reports]
    report = reports[0]
    assert report["exception"]["values"][-1]["type"] == "DeliberateError"
    assert report["tags"]["request_id"] == response.headers["X-Request-ID"]
    assert report["release"] == app.config["SENTRY_RELEASE"] and report["environment"] == "production"
    assert report["request"]["url"].endswith("/error-test") and report["request"]["method"] == "POST"


def test_error_reports_carry_no_cookie_form_or_credentials(failed_form_post):
    response, reports, leaked = failed_form_post
    assert reports, "no report came"
    assert leaked == [], f"the report carries the {', '.join(leaked)}"
    headers = {name.lower(): value for name, value in reports[0]["request"]["headers"].items()}
    assert headers["cookie"] == headers["authorization"] == headers["x-csrftoken"] == "[Filtered]"  # the SDK's own filter
    assert "data" not in reports[0]["request"]
    assert "user" not in reports[0] and "cookies" not in reports[0]["request"]


@pytest.mark.parametrize("path, method, status", [("/no-such-page", "GET", 404), ("/error-test", "POST", 400),
                                                  ("/students/", "GET", 503)])
def test_error_reports_leave_out_http_errors(app, client, sentry_receiver, path, method, status):
    """404, a form post without its CSRF token (400), maintenance (503): answers, not errors to report."""
    if status == 503:
        open(app.config["MAINTENANCE_FILE"], "w").close()
    response = client.open(path, method=method)
    assert response.status_code == status
    assert reports_of(sentry_receiver, response) == []


def test_error_reports_show_the_queries_before_the_error_without_their_values(app, client, sentry_receiver):
    @app.get("/query-then-fail")
    def query_then_fail():
        db.session.execute(text("SELECT :value AS echoed"), {"value": FORM_SECRET}).scalar()
        raise error_reports.DeliberateError("after a query")

    response = client.get("/query-then-fail")
    (report,) = reports_of(sentry_receiver, response)
    queries = [crumb["message"] for crumb in report["breadcrumbs"]["values"] if crumb.get("category") == "query"]
    assert any("SELECT" in query and "echoed" in query for query in queries), queries
    assert FORM_SECRET not in json.dumps(report)


def test_sentry_dsn_turns_error_reports_on_when_the_app_is_created(monkeypatch, sentry_receiver, tmp_path):
    monkeypatch.setenv("SENTRY_DSN", sentry_receiver.dsn)
    monkeypatch.setenv("ERROR_TEST_ROUTE", "true")
    try:
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/app.sqlite3"})
        client = sentry_sdk.get_client()
        assert client.is_active() and str(client.dsn) == sentry_receiver.dsn
        assert {"flask", "sqlalchemy"} <= set(client.integrations)
        assert client.options["data_collection"]["provided_by_user"] and client.options["data_collection"]["http_bodies"] == []
        assert "error_reports.error_test" in app.view_functions
    finally:
        close_sdk()


def test_without_sentry_dsn_the_sdk_is_never_loaded(tmp_path):
    """The app as every front end starts it (wsgi.py), in a process of its own: nothing of the SDK
    is imported, so nothing is set up, and no route fails on purpose."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SENTRY_", "ERROR_TEST_ROUTE"))}
    env.update(SECRET_KEY="k", DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite3", UPLOAD_FOLDER=str(tmp_path), APP_ENV_FILE="/dev/null")
    check = ("import sys; from wsgi import application as app;"
             "print(sorted(m for m in sys.modules if m.startswith('sentry_sdk')), '/error-test' in [r.rule for r in app.url_map.iter_rules()])")
    result = subprocess.run([sys.executable, "-c", check], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[] False"


def test_error_reports_name_the_release_from_the_build(monkeypatch):
    monkeypatch.delenv("BUILD_REVISION", raising=False)
    assert config.release() == "flask-reference-app@0.1.0"
    monkeypatch.setenv("BUILD_REVISION", "3f2c1ab")
    assert config.release() == "3f2c1ab"


def test_a_short_lived_process_stops_within_the_shutdown_timeout_when_reports_cannot_go(tmp_path):
    """A command that logged an error, with an ingest endpoint that takes the connection and never
    answers: at exit the SDK waits SENTRY_SHUTDOWN_TIMEOUT for the report, then the process ends."""
    with socket.socket() as black_hole:
        black_hole.bind(("127.0.0.1", 0))
        black_hole.listen()
        env = {k: v for k, v in os.environ.items() if not k.startswith("SENTRY_")}
        env.update(SECRET_KEY="k", DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite3", UPLOAD_FOLDER=str(tmp_path),
                   SENTRY_DSN=f"http://key@127.0.0.1:{black_hole.getsockname()[1]}/1", SENTRY_SHUTDOWN_TIMEOUT="1")
        started = time.monotonic()
        result = subprocess.run([sys.executable, "-c", "from app import create_app; create_app().logger.error('a command failed')"],
                                cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        took = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    print(f"exited {took:.1f} s after it started, with SENTRY_SHUTDOWN_TIMEOUT=1 and a report unsent")
