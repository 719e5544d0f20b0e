"""The app's logs are in the journal under one name, and nowhere as noise in the web server's error log."""
import re
import time
import uuid

ERROR_LOGS = {"apache": "/var/log/apache2/flask-reference.error.log", "gunicorn": "/var/log/nginx/flask-reference.error.log",
              "fastcgi": "/var/log/nginx/flask-reference.error.log"}


def test_the_apps_log_lines_are_in_the_journal(stack):
    marker = uuid.uuid4().hex[:12]
    assert stack.request("GET", f"/hello/{marker}").status == 200
    deadline = time.monotonic() + 10
    while marker not in (journal := stack.journal("flask-reference")) and time.monotonic() < deadline:
        time.sleep(0.3)
    line = next((line for line in journal.splitlines() if f"/hello/{marker} 200" in line), None)
    assert line and "INFO [" in line, journal[-1500:]


def test_the_web_servers_error_log_holds_no_app_log_line(stack):
    marker = uuid.uuid4().hex[:12]
    stack.request("GET", f"/hello/{marker}")
    log = stack.exec("cat", ERROR_LOGS[stack.frontend], check=False).stdout
    assert marker not in log
    # What mod_wsgi itself reports (WSGI0117 on a graceful restart, …) stays; a line of the app's
    # own output there would be tagged [wsgi:error] with no mod_wsgi code.
    noise = [line for line in log.splitlines() if "[wsgi:error]" in line and not re.search(r"\bWSGI\d{4}:", line)]
    assert noise == [], noise[:5]
