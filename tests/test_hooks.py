"""Request callbacks: request id, timing log, the lazy connection, the maintenance switch."""
import io
import logging
import re

import pytest

from app.config import from_env
from app.extensions import db


def test_each_response_gets_a_fresh_request_id(client):
    first, second = client.get("/hello"), client.get("/hello")
    assert re.fullmatch(r"[0-9a-f]{32}", first.headers["X-Request-ID"])
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


def test_server_timing_is_sent_only_when_the_setting_is_on(app, client):
    assert "Server-Timing" not in client.get("/hello").headers  # off by default
    app.config["SERVER_TIMING"] = True
    assert re.fullmatch(r"app;dur=\d+\.\d", client.get("/hello").headers["Server-Timing"])


def test_the_server_timing_setting_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SERVER_TIMING", "true")
    assert from_env(str(tmp_path))["SERVER_TIMING"] is True
    monkeypatch.setenv("SERVER_TIMING", "")
    assert from_env(str(tmp_path))["SERVER_TIMING"] is False


def test_a_request_id_from_the_proxy_is_kept(client):
    assert client.get("/hello", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"


@pytest.mark.parametrize("bad", ["a b", "x" * 200, "<script>", "id\r\nSet-Cookie: x=1"])
def test_an_unsafe_request_id_is_replaced(client, bad):
    assert re.fullmatch(r"[0-9a-f]{32}", client.get("/hello", headers={"X-Request-ID": bad.replace("\r\n", "")}).headers["X-Request-ID"])


def test_a_request_that_went_well_is_left_to_the_web_servers_access_log(app, client):
    stream = io.StringIO()
    app.logger.handlers[0].setStream(stream)
    response = client.get("/hello", headers={"X-Request-ID": "quiet"})
    assert response.headers["X-Request-ID"] == "quiet" and stream.getvalue() == ""


def test_with_access_log_every_request_is_logged_on_stdout_with_its_id_and_duration(app, client):
    app.config["ACCESS_LOG"] = True
    stream = io.StringIO()
    app.logger.handlers[0].setStream(stream)
    client.get("/hello", headers={"X-Request-ID": "log-me"})
    assert re.search(r"INFO \[log-me\] app: GET /hello 200 \d+\.\dms", stream.getvalue())


def test_access_log_is_read_from_the_environment(monkeypatch, tmp_path):
    assert from_env(str(tmp_path))["ACCESS_LOG"] is False
    monkeypatch.setenv("ACCESS_LOG", "true")
    assert from_env(str(tmp_path))["ACCESS_LOG"] is True


def test_errors_are_logged_with_the_request_id_too(app, client):
    stream = io.StringIO()
    app.logger.handlers[0].setStream(stream)
    client.post("/contact", headers={"X-Request-ID": "csrf-fail"})
    assert "[csrf-fail] app: POST /contact 400" in stream.getvalue()


@pytest.mark.parametrize("method", ["GET", "OPTIONS"])
def test_a_query_string_that_is_not_utf8_is_logged_not_a_500(app, client, method):
    app.config["ACCESS_LOG"] = True
    stream = io.StringIO()
    app.logger.handlers[0].setStream(stream)
    # Raw bytes, not percent-encoded, as Apache and nginx pass them on: request.full_path cannot decode them.
    response = client.open("/search", method=method, environ_overrides={"QUERY_STRING": "wd=\xe8\xd1"})
    assert response.status_code < 500
    assert "/search?wd=%E8%D1" in stream.getvalue()


def test_a_newline_in_the_path_cannot_forge_a_log_line(app, client):
    stream = io.StringIO()
    app.logger.handlers[0].setStream(stream)
    client.get("/no/x%0a2026-01-01 00:00:00,000 ERROR [forged] app: owned")  # a 404: the app logs it
    assert len(stream.getvalue().splitlines()) == 1 and "\\x0a" in stream.getvalue()


def test_the_request_connection_is_opened_lazily_and_always_closed(app, client):
    with app.app_context():
        pool = db.engine.pool
    client.get("/hello")
    body = client.get("/callbacks").get_data(as_text=True)
    assert "counted 0 student(s)" in body
    assert pool.checkedout() == 0


def test_maintenance_flag_answers_503_with_retry_after_but_health_keeps_answering(app, client, runner):
    assert "maintenance is on" in runner.invoke(args=["maintenance", "on"]).output
    page = client.get("/")
    assert page.status_code == 503 and page.headers["Retry-After"] == "60"
    assert "down for maintenance" in page.get_data(as_text=True)
    api = client.get("/api/users/")
    assert api.status_code == 503 and api.json["status"] == 503
    assert client.get("/healthz").status_code == 200
    assert client.get("/static/hello.js").status_code == 200
    assert "maintenance is off" in runner.invoke(args=["maintenance", "off"]).output
    assert client.get("/").status_code == 200


def test_an_unexpected_error_is_a_plain_500_logged_with_its_traceback(app, client):
    stream = io.StringIO()
    app.logger.handlers[0].setStream(stream)
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("kaboom")

    response = client.get("/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500 and "Internal Server Error" in body
    assert "kaboom" not in body and "Traceback" not in body
    assert "RuntimeError: kaboom" in stream.getvalue()


def test_logging_level_comes_from_log_level(app):
    assert app.logger.level == logging.INFO
