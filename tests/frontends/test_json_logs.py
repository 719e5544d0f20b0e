"""LOG_FORMAT=json through every front end: each line the web server and the app servers wrote is
one JSON object in the schema of app/logs.py, and a request's lines share its id.

Not parsed: the web servers' error logs (nginx-error.log, and apache-error.log apart from the app's
lines in it), which nginx and Apache write in their own text format; mod_wsgi writes the app's
stdout into Apache's error log, each line behind Apache's prefix, so there the JSON is what follows it.
The native runner's supervisor (tests/stacks/native/supervise.py, systemd's part on a server) writes
its "supervise:" lines into flup's logs; they are the test machinery's, not flup's, and are skipped.
"""
import datetime
import json
import os
import shutil
import tempfile
import re
import time
import uuid

import pytest

from tests.frontends.conftest import SERVERS, plain_http_port
from tests.services import unavailable
from tests.stacks import FRONTENDS
from tests.stacks.native import NativeStack
from tests.stacks.native.postgres import free_port
from tests.stacks.native.tls import make_certificates

WEB_LOG = {"apache": "apache-access.log", "gunicorn": "nginx-access.log", "fastcgi": "nginx-access.log"}
APP_LOGS = {"apache": ["apache-error.log"], "gunicorn": ["gunicorn.log"], "fastcgi": ["fastcgi-1.log", "fastcgi-2.log"]}
WEB_LOGGER = {"apache": "apache.access", "gunicorn": "nginx.access", "fastcgi": "nginx.access"}
BASE = {"time", "level", "logger", "message", "request_id"}
REQUEST = {"method", "path", "status", "duration_ms", "remote_addr"}


@pytest.fixture(scope="module")
def json_stacks():
    """One more stack per front end, started with LOG_FORMAT=json, and ACCESS_LOG=true so the app
    logs every request too."""
    missing = sorted({s for servers in SERVERS.values() for s in servers if not shutil.which(s)})
    if missing:
        unavailable(f"{', '.join(missing)} not installed")
    root = tempfile.mkdtemp(prefix="json-logs-")
    os.chmod(root, 0o755)  # the postgres and www-data users work inside
    tls = make_certificates(os.path.join(root, "tls"))
    started = {}
    try:
        with pytest.MonkeyPatch.context() as env:
            env.setenv("LOG_FORMAT", "json")
            env.setenv("ACCESS_LOG", "true")
            env.setenv("SSL_CERT_FILE", tls["ca"])
            for frontend in FRONTENDS:
                started[frontend] = NativeStack.start(frontend, os.path.join(root, frontend), plain_http_port(),
                                                      https_port=free_port(), tls_dir=os.path.dirname(tls["ca"]))
            yield started
    finally:
        for stack in started.values():
            stack.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(params=FRONTENDS)
def driven(request, json_stacks):
    """A front end after a page, a 404, a static file and a POST refused with 400: (stack, marker,
    their answers by kind)."""
    stack = json_stacks[request.param]
    marker = uuid.uuid4().hex[:12]
    answers = {"page": stack.request("GET", f"/hello/{marker}"), "missing": stack.request("GET", f"/no/such/{marker}"),
               "static": stack.request("GET", "/static/css/site.css"),
               "refused": stack.request("POST", f"/methods?m={marker}", b"{not json",
                                        {"Content-Type": "application/json"})}
    assert [a.status for a in answers.values()] == [200, 404, 200, 400]
    time.sleep(0.5)  # the app servers write their line after the answer is sent
    return stack, marker, answers


def json_lines(stack, name: str) -> list[dict]:
    """Every line of a log, parsed; in Apache's error log only the app's lines, from their '{'."""
    with open(os.path.join(stack.state, name), encoding="utf-8") as log:
        lines = [line.rstrip("\n") for line in log if line.strip() and not line.startswith("supervise: ")]
    if name == "apache-error.log":
        lines = [line[line.index("{"):] for line in lines if "[wsgi:error]" in line and "{" in line]
    parsed = []
    for line in lines:
        try:
            parsed.append(json.loads(line))
        except ValueError:
            pytest.fail(f"{stack.frontend} {name}: not JSON: {line!r}")
    return parsed


def check_schema(entry: dict) -> None:
    assert BASE <= set(entry) <= BASE | REQUEST | {"exception"}, entry
    assert datetime.datetime.fromisoformat(entry["time"]).utcoffset() is not None, entry
    assert entry["level"] in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}, entry
    if REQUEST & set(entry):
        assert REQUEST <= set(entry), entry
        assert isinstance(entry["status"], int) and isinstance(entry["duration_ms"], (int, float)), entry


def test_every_line_of_the_web_and_app_servers_is_json_in_the_schema(driven):
    stack, _, _ = driven
    for name in [WEB_LOG[stack.frontend], *APP_LOGS[stack.frontend]]:
        entries = json_lines(stack, name)
        assert entries, f"{stack.frontend}: nothing in {name}"
        for entry in entries:
            check_schema(entry)


def test_the_web_servers_line_carries_the_request_fields(driven):
    stack, marker, answers = driven
    web = [e for e in json_lines(stack, WEB_LOG[stack.frontend]) if e["logger"] == WEB_LOGGER[stack.frontend]]
    [page] = [e for e in web if e["path"] == f"/hello/{marker}"]
    assert (page["method"], page["status"], page["remote_addr"]) == ("GET", 200, "127.0.0.1")
    assert page["request_id"] == answers["page"].headers["x-request-id"]
    # A file the web server serves itself has an id of its own too (no answer header tells it).
    assert any(e["path"] == "/static/css/site.css" and e["status"] == 200 and re.fullmatch(r"[0-9a-f]{32}", e["request_id"])
               for e in web)


def test_the_web_server_gives_each_request_a_32_hex_id_the_app_keeps(driven):
    """nginx's $request_id, Apache's md5 of mod_unique_id's UNIQUE_ID: the app's own id form, which
    the app keeps rather than making its own, and one a client cannot choose."""
    stack, marker, answers = driven
    web = [e for e in json_lines(stack, WEB_LOG[stack.frontend]) if e["logger"] == WEB_LOGGER[stack.frontend]]
    ids = {e["request_id"] for e in web if e["path"] in (f"/hello/{marker}", f"/no/such/{marker}")}
    assert len(ids) == 2 and all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids), ids
    assert answers["page"].headers["x-request-id"] in ids


def test_one_requests_web_server_line_and_app_line_share_its_id(driven):
    stack, marker, answers = driven
    request_id = answers["missing"].headers["x-request-id"]
    web = [e for e in json_lines(stack, WEB_LOG[stack.frontend]) if e.get("path") == f"/no/such/{marker}"]
    app = [e for name in APP_LOGS[stack.frontend] for e in json_lines(stack, name)
           if e["logger"] == "app" and e.get("path") == f"/no/such/{marker}"]
    assert [e["request_id"] for e in web] == [request_id] and [e["status"] for e in web] == [404]
    assert [(e["request_id"], e["status"], e["method"]) for e in app] == [(request_id, 404, "GET")]


def test_a_refused_posts_web_server_line_and_app_line_share_its_id(driven):
    stack, _, answers = driven
    request_id = answers["refused"].headers["x-request-id"]
    web = [e for e in json_lines(stack, WEB_LOG[stack.frontend]) if e["request_id"] == request_id]
    app = [e for name in APP_LOGS[stack.frontend] for e in json_lines(stack, name)
           if e["logger"] == "app" and e["request_id"] == request_id]
    assert [(e["method"], e["path"], e["status"]) for e in web] == [("POST", "/methods", 400)]
    assert [(e["method"], e["path"], e["status"], e["remote_addr"]) for e in app] == [("POST", "/methods", 400, "127.0.0.1")]
