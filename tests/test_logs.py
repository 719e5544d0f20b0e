"""Log lines: the text format as it always was, and LOG_FORMAT=json's schema (app/logs.py)."""
import io
import json
import logging
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from app import logs
from app.config import from_env
from tests.stacks.native.postgres import free_port

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


@pytest.fixture
def backend():
    """Logging needs no database server: SQLite keeps these tests quick."""
    return "sqlite"


@pytest.fixture
def json_app(monkeypatch, request):
    monkeypatch.setenv("LOG_FORMAT", "json")
    return request.getfixturevalue("app")


def lines_of(app, do) -> list[dict]:
    stream = io.StringIO()
    app.logger.handlers[0].setStream(stream)
    do()
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_log_format_is_text_unless_the_environment_says_json(monkeypatch, tmp_path):
    assert from_env(str(tmp_path))["LOG_FORMAT"] == "text"
    monkeypatch.setenv("LOG_FORMAT", "JSON")
    assert from_env(str(tmp_path))["LOG_FORMAT"] == "json"


def test_an_unknown_log_format_stops_start_up_saying_what_to_use():
    with pytest.raises(SystemExit, match="use text or json"):
        logs.formatter("yaml")


def test_the_text_line_is_unchanged_by_the_request_fields(app, client):
    stream = io.StringIO()
    app.logger.handlers[0].setStream(stream)
    client.get("/no/such/page?q=1", headers={"X-Request-ID": "text-id"})
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO \[text-id\] app: GET /no/such/page\?q=1 404 \d+\.\dms\n",
                        stream.getvalue())


def test_a_request_line_in_json_carries_the_request_fields(json_app, client):
    json_app.config["ACCESS_LOG"] = True
    [line] = lines_of(json_app, lambda: client.get("/hello?token=secret", headers={"X-Request-ID": "json-id"}))
    assert TIME.fullmatch(line.pop("time"))
    assert isinstance(line.pop("duration_ms"), float)
    assert line == {"level": "INFO", "logger": "app", "message": line["message"], "request_id": "json-id",
                    "method": "GET", "path": "/hello", "status": 200, "remote_addr": "127.0.0.1"}
    assert re.fullmatch(r"GET /hello\?token=secret 200 \d+\.\dms", line["message"])


def test_a_line_outside_a_request_has_no_request_fields_and_a_dash_for_its_id(json_app):
    [line] = lines_of(json_app, lambda: json_app.logger.warning("disk %s%% full", 93))
    assert set(line) == {"time", "level", "logger", "message", "request_id"}
    assert (line["level"], line["message"], line["request_id"]) == ("WARNING", "disk 93% full", "-")


def test_an_exception_is_one_string_in_the_same_object(json_app, client):
    json_app.config["PROPAGATE_EXCEPTIONS"] = False

    @json_app.get("/boom")
    def boom():
        raise RuntimeError("kaboom")

    lines = lines_of(json_app, lambda: client.get("/boom"))
    error = next(line for line in lines if "exception" in line)
    assert error["level"] == "ERROR" and error["exception"].endswith("RuntimeError: kaboom")
    assert error["request_id"] == lines[-1]["request_id"] and lines[-1]["status"] == 500


def test_a_newline_or_line_separator_in_the_path_stays_inside_its_json_line(json_app, client):
    stream = io.StringIO()
    json_app.logger.handlers[0].setStream(stream)
    client.get("/no/x%0a{\"level\":\"ERROR\"}%E2%80%A8\"")
    [raw] = stream.getvalue().splitlines()
    assert "\u2028" not in raw
    assert json.loads(raw)["path"] == "/no/x\n{\"level\":\"ERROR\"}\u2028\""


def test_the_syslog_destination_keeps_its_tag_before_the_json():
    record = logging.LogRecord("app", logging.INFO, __file__, 1, "hello", None, None)
    tagged = logs.formatter("json", syslog=True).format(record)
    assert tagged.startswith(logs.SYSLOG_TAG) and json.loads(tagged[len(logs.SYSLOG_TAG):])["message"] == "hello"


def test_gunicorn_writes_its_error_and_access_lines_in_the_schema_whatever_the_path(tmp_path):
    """A real gunicorn with LOG_FORMAT=json (deploy/gunicorn/json_logger.py): a quote, a backslash and
    a newline in the decoded path, which gunicorn's own atoms would let through, stay in one line."""
    port = free_port()
    env = {**os.environ, "LOG_FORMAT": "json", "GUNICORN_ACCESS_LOG": "-", "GUNICORN_BIND": f"127.0.0.1:{port}",
           "WEB_CONCURRENCY": "1", "GUNICORN_THREADS": "1", "SECRET_KEY": "x" * 32, "METRICS_DIR": str(tmp_path / "metrics"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'app.sqlite3'}", "SENTRY_DSN": ""}
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    with open(tmp_path / "gunicorn.log", "w") as log:
        server = subprocess.Popen([gunicorn, "-c", "python:deploy.gunicorn.conf"], cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        answer = answer_of(f"http://127.0.0.1:{port}/no/a%5C%22b%0a?q=1", headers={"X-Request-ID": "from-proxy"})
    finally:
        server.terminate()
        server.wait(30)
    assert answer == 404
    lines = [json.loads(line) for line in (tmp_path / "gunicorn.log").read_text().splitlines()]
    errors = [line["message"] for line in lines if line["logger"] == "gunicorn.error"]
    assert errors[0].startswith("Starting gunicorn") and errors[-1] == "Shutting down: Master"
    [access] = [line for line in lines if line["logger"] == "gunicorn.access"]
    assert TIME.fullmatch(access["time"]) and isinstance(access.pop("duration_ms"), float)
    assert {k: v for k, v in access.items() if k not in ("time", "message")} == {
        "level": "INFO", "logger": "gunicorn.access", "request_id": "from-proxy", "method": "GET",
        "path": '/no/a\\"b\n', "status": 404, "remote_addr": "127.0.0.1"}


def answer_of(url: str, headers: dict, timeout: float = 30) -> int:
    """The status of a GET, retried while the server is still starting."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5).status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
