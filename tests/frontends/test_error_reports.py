"""Error reports through every front end: the app servers (gunicorn's workers, mod_wsgi's daemons,
the flup back ends) report to the session's Sentry receiver (tests/frontends/conftest.py gives them
SENTRY_DSN and ERROR_TEST_ROUTE). One failing request, one report, with the request id the web
server gave it, and nothing of the signed-in user's."""
import urllib.parse

from tests.frontends.browser import Browser
from tests.services.sentry import FORM_SECRET, TOKEN_SECRET, USER

SERVED_BY = {"apache": "mod_wsgi", "gunicorn": "gunicorn", "fastcgi": "fcgi_server"}


def test_error_reports_send_one_report_per_error_with_its_request_id_and_nothing_of_the_user(stack, sentry_receiver):
    browser = Browser(stack.url, stack.ssl)
    assert browser.post_form("/login", {"username": USER}).status == 302  # a session cookie with a user in it
    cookie = next(c.value for c in browser.jar if c.name == "session")
    token = browser.csrf_token()
    before = len(sentry_receiver.envelopes)
    body = urllib.parse.urlencode({"csrf_token": token, "comment": FORM_SECRET}).encode()
    answer = browser.open("/error-test", "POST", body, {"Content-Type": "application/x-www-form-urlencoded",
                                                         "Authorization": f"Bearer {TOKEN_SECRET}", "X-CSRFToken": token})
    assert answer.status == 500 and "Back to the start" in answer.text, answer.text[:300]  # the app's own page
    request_id = answer.headers["X-Request-ID"]

    reports = sentry_receiver.events_tagged("request_id", request_id)
    assert len(reports) == 1, f"{len(reports)} reports of request {request_id} through {stack.frontend}"
    assert reports[0]["exception"]["values"][-1]["type"] == "DeliberateError"
    # Sent by the process that served it, whose command line the SDK adds: a mod_wsgi daemon, a
    # gunicorn worker (the master never loads the app), a flup back end.
    assert SERVED_BY[stack.frontend] in reports[0]["extra"]["sys.argv"][0]
    leaked = sentry_receiver.leaked(before, {"session cookie": cookie, "CSRF token": token, "form field": FORM_SECRET,
                                             "API token": TOKEN_SECRET, "user name": USER})
    assert leaked == [], f"the report through {stack.frontend} carries the {', '.join(leaked)}"
    assert request_id in stack.web_access_log(), "the report's id is not the one the web server logged"


def test_error_reports_leave_out_what_the_app_answered_itself(stack, sentry_receiver):
    """A 404 and a form post without its token (400) through the front end: no report. The error
    after them is the mark: its report is in (and a second more), so theirs would have been too."""
    browser = Browser(stack.url, stack.ssl)
    ids = [browser.open(path, method).headers["X-Request-ID"] for path, method in (("/no-such-page", "GET"), ("/error-test", "POST"))]
    failed = browser.open("/error-test")
    assert failed.status == 500
    assert len(sentry_receiver.events_tagged("request_id", failed.headers["X-Request-ID"])) == 1
    assert [event for event in sentry_receiver.events() if event.get("tags", {}).get("request_id") in ids] == []
