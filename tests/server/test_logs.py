"""The app's logs are in the journal under one name, and nowhere as noise in the web server's error log."""
import re
import time
import uuid

from tests.stacks.server.controls import ACCESS_LOG, APP_UNITS

ERROR_LOGS = {"apache": "/var/log/apache2/flask-reference.error.log", "gunicorn": "/var/log/nginx/flask-reference.error.log",
              "fastcgi": "/var/log/nginx/flask-reference.error.log"}


def test_the_apps_log_lines_are_in_the_journal(stack):
    marker = uuid.uuid4().hex[:12]
    answer = stack.request("GET", f"/no/such/{marker}")  # an answer >= 400: the app logs it (issue 19)
    assert answer.status == 404
    deadline = time.monotonic() + 10
    while marker not in (journal := stack.journal("flask-reference")) and time.monotonic() < deadline:
        time.sleep(0.3)
    line = next((line for line in journal.splitlines() if f"/no/such/{marker} 404" in line), None)
    assert line and f"INFO [{answer.headers['x-request-id']}]" in line, journal[-1500:]


def test_a_request_that_went_well_is_logged_once_in_the_web_servers_access_log_with_its_id(stack):
    marker = uuid.uuid4().hex[:12]
    answer = stack.request("GET", f"/hello/{marker}")
    assert answer.status == 200
    deadline = time.monotonic() + 10
    while not (lines := [line for line in stack.exec("cat", ACCESS_LOG[stack.frontend], check=False).stdout.splitlines()
                         if marker in line]) and time.monotonic() < deadline:
        time.sleep(0.3)
    assert len(lines) == 1 and lines[0].endswith(" " + answer.headers["x-request-id"]), lines
    time.sleep(1)  # neither the app nor gunicorn logs it again, in the journal or anywhere under /var/log
    assert marker not in stack.journal("flask-reference") + "".join(stack.journal(unit) for unit in APP_UNITS[stack.frontend])
    assert stack.exec("grep", "-rl", "--exclude-dir=journal", marker, "/var/log", check=False).stdout.split() == [ACCESS_LOG[stack.frontend]]


def test_the_web_servers_error_log_holds_no_app_log_line(stack):
    marker = uuid.uuid4().hex[:12]
    stack.request("GET", f"/hello/{marker}")
    log = stack.exec("cat", ERROR_LOGS[stack.frontend], check=False).stdout
    assert marker not in log
    # What mod_wsgi itself reports (WSGI0117 on a graceful restart, …) stays; a line of the app's
    # own output there would be tagged [wsgi:error] with no mod_wsgi code.
    noise = [line for line in log.splitlines() if "[wsgi:error]" in line and not re.search(r"\bWSGI\d{4}:", line)]
    assert noise == [], noise[:5]
