"""Each request is logged once, by the web server, with the app's X-Request-ID (issue 19).

The app and gunicorn write no line of their own for an answer that went well; for an answer of 400
and above the app adds its line too, with the same id, so its warnings can be found from the access log.
"""
import os
import time
import uuid

ACCESS_LOG = {"apache": "apache-access.log", "gunicorn": "nginx-access.log", "fastcgi": "nginx-access.log"}
# Where the app's stdout goes: gunicorn's and flup's logs, and Apache's error log for mod_wsgi's daemons.
APP_LOGS = {"apache": ["apache-error.log"], "gunicorn": ["gunicorn.log"], "fastcgi": ["fastcgi-1.log", "fastcgi-2.log"]}


def lines_with(stack, names: list[str], marker: str) -> list[str]:
    found = []
    for name in names:
        path = os.path.join(stack.state, name)
        if os.path.exists(path):
            with open(path, errors="replace") as log:
                found += [line.rstrip("\n") for line in log if marker in line]
    return found


def access_lines(stack, marker: str) -> list[str]:
    deadline = time.monotonic() + 5
    while not (lines := lines_with(stack, [ACCESS_LOG[stack.frontend]], marker)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return lines


def test_a_request_that_went_well_is_logged_once_by_the_web_server_with_its_request_id(stack):
    marker = uuid.uuid4().hex[:12]
    answer = stack.request("GET", f"/hello/{marker}")
    assert answer.status == 200
    [line] = access_lines(stack, marker)
    assert f'"GET /hello/{marker} HTTP/1.1" 200 ' in line and line.endswith(" " + answer.headers["x-request-id"])
    time.sleep(0.3)  # the app server's log is written after the answer is sent
    assert lines_with(stack, APP_LOGS[stack.frontend], marker) == []


def test_an_answer_of_400_and_above_is_logged_by_the_app_too_under_the_same_id(stack):
    marker = uuid.uuid4().hex[:12]
    answer = stack.request("GET", f"/no/such/{marker}")
    assert answer.status == 404
    request_id = answer.headers["x-request-id"]
    [line] = access_lines(stack, marker)
    assert line.endswith(" " + request_id)
    deadline = time.monotonic() + 5
    while not (app_lines := lines_with(stack, APP_LOGS[stack.frontend], marker)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(app_lines) == 1 and f"[{request_id}] app: GET /no/such/{marker} 404" in app_lines[0]
