"""A session and its CSRF token made on one app host are good on the others (one SECRET_KEY)."""
import urllib.parse

from tests.faults.mail import CSRF, QUEUED


def test_a_session_and_csrf_token_from_one_host_work_on_another(stack, figures):
    page = stack.request("GET", "/mail")
    cookie = page.headers["set-cookie"].split(";")[0]
    token = CSRF.search(page.body).group(1).decode()
    made_on = stack.host_of(page.headers["x-request-id"])
    answered, results = [], []
    for n in range(4):  # round robin: the next posts land on the other hosts
        form = {"csrf_token": token, "recipient": f"hosts{n}@example.com", "subject": f"hosts session {n}", "body": "Hello."}
        headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded",
                   "Referer": urllib.parse.urljoin(stack.url, "/mail")}
        posted = stack.request("POST", "/mail", urllib.parse.urlencode(form).encode(), headers)
        cookie = posted.headers.get("set-cookie", cookie).split(";")[0]
        shown = stack.request("GET", urllib.parse.urlsplit(posted.headers.get("location", "/mail")).path, headers={"Cookie": cookie})
        answered.append(stack.host_of(posted.headers["x-request-id"]))
        results.append((posted.status, QUEUED in shown.body))
    figures(session_made_on=made_on, posts_answered_by=answered)
    assert results == [(303, True)] * 4
    assert set(answered) - {made_on}, "every post went to the host that made the session"
