"""Retried writes: every API write sent again with its Idempotency-Key, and a students form posted twice.

A client whose answer was lost (a timeout, a dropped connection) sends the write again. With the
same key it must get the first answer back, byte for byte, and never a second row:
- 20 POST keys sent three times in a row;
- 50 POST keys sent three times at once (a send that finds its key still in progress gets 409
  with Retry-After and is sent again, as a client would, until it gets the answer);
- 10 POSTs whose connection the client drops as soon as the request is out (its answer lost),
  then sent again with the key: the retry learns whether the first one was committed;
- 10 DELETE keys sent three times.
A students form double submitted (one after the other, and three at once) makes one row. No
answer is a 5xx.
"""
import http.client
import json
import re
import secrets
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

from tests.stacks import Stack

from .api import api, api_headers, counts

SEQUENTIAL_KEYS, CONCURRENT_KEYS, ABANDONED_KEYS, DELETE_KEYS, SENDS = 20, 50, 10, 10, 3
RETRIES = 20  # sends of a key still in progress (409), before the case gives up on it
CSRF = re.compile(rb'name="csrf_token" type="hidden" value="([^"]+)"')
SUBMISSION = re.compile(rb'name="submission" type="hidden" value="([^"]+)"')


def test_writes_retried_with_their_key_make_one_row_and_get_the_first_answer(stack, result):
    client = RetryingClient(stack, run=secrets.token_hex(4))  # the run tells its users and keys from any other
    sequential = {key: [client.send(key, body) for _ in range(SENDS)] for key, body in client.jobs("seq", SEQUENTIAL_KEYS)}
    concurrent = client.at_once(client.jobs("par", CONCURRENT_KEYS))
    abandoned = {key: [client.abandon(key, body), client.until_answered(key, body)]
                 for key, body in client.jobs("lost", ABANDONED_KEYS)}
    deletes = {key: [client.send(key, method="DELETE", path=path) for _ in range(SENDS)] for key, path in client.doomed(DELETE_KEYS)}
    form_rows = FormBrowser(stack).double_submit(f"Retry {client.run}")

    answers = client.answers
    made = {**sequential, **concurrent, **{key: sent[1:] for key, sent in abandoned.items()}}
    expected = {json.loads(body)["username"] for kind, count in (("seq", SEQUENTIAL_KEYS), ("par", CONCURRENT_KEYS),
                                                                  ("lost", ABANDONED_KEYS)) for _, body in client.jobs(kind, count)}
    rows = dict(stack.sql("SELECT username, count(*) FROM users WHERE username LIKE %s GROUP BY username", (f"retry-{client.run}-%",)))
    differing = [key for key, sent in {**made, **deletes}.items() if len({(r.status, r.body, r.headers.get("location")) for r in sent}) != 1]
    wrong = [key for key, sent in made.items() if sent[0].status != 201] + [key for key, sent in deletes.items() if sent[0].status != 204]
    duplicates = sum(n - 1 for n in rows.values() if n > 1) + sum(n - 1 for n in form_rows.values() if n > 1)
    server_errors = [r for r in answers if r.status >= 500]
    learned = sum(1 for sent in abandoned.values() if sent[1].headers.get("idempotent-replayed") == "true")

    result.sent = len(answers) + ABANDONED_KEYS + FormBrowser.POSTS
    result.failed = len(server_errors)
    result.slowest = max(r.seconds for r in answers)
    result.details += [
        f"{len(answers)} API writes for {len(made) + len(deletes)} keys: {counts(r.status for r in answers)}; "
        f"{client.in_progress} sends found their key in progress (409 + Retry-After, sent again)",
        f"{ABANDONED_KEYS} POSTs abandoned before their answer: {learned} had been committed (the retry got the stored 201), "
        f"{ABANDONED_KEYS - learned} ran on the retry",
        f"users: {len(rows)} of {len(expected)} expected, {duplicates} duplicate rows; "
        f"{len(differing)} keys with differing answers; students form rows: {sorted(form_rows.values())}",
    ]
    result.expect(not server_errors, f"{len(server_errors)} answers 5xx: {counts(r.status for r in server_errors)}")
    result.expect(not wrong, f"{len(wrong)} keys whose first answer was not 201/204: {wrong[:5]}")
    result.expect(not differing, f"{len(differing)} keys got differing answers: {differing[:5]}")
    result.expect(set(rows) == expected and duplicates == 0, f"users: {rows}, want one row each for {len(expected)} names")
    result.expect(sorted(form_rows.values()) == [1, 1], f"students form rows: {form_rows}")
    assert result.problems == []


class RetryingClient:
    """An API client that sends each write with a key and keeps every answer it got."""

    def __init__(self, stack: Stack, run: str):
        self.stack, self.run = stack, run
        self.answers = []  # every Response, the in-progress 409s included
        self.in_progress = 0

    def jobs(self, kind: str, count: int) -> list[tuple[str, str]]:
        """(key, JSON body) of `count` new users."""
        return [(f"{self.run}-{kind}-{n}", json.dumps({"username": f"retry-{self.run}-{kind}{n}", "email": f"r{n}@example.com"}))
                for n in range(count)]

    def send(self, key: str | None, body: str | None = None, method: str = "POST", path: str = "/api/users/"):
        response = api(self.stack, method, path, None if body is None else json.loads(body), key)
        self.answers.append(response)
        return response

    def until_answered(self, key: str, body: str):
        for _ in range(RETRIES):
            response = self.send(key, body)
            if not (response.status == 409 and "retry-after" in response.headers):
                return response
            self.in_progress += 1
            time.sleep(0.05)
        return response

    def at_once(self, jobs) -> dict:
        """Each job's sends side by side in a pool: key -> the answer each send ended with."""
        with ThreadPoolExecutor(max_workers=SENDS * 8) as pool:
            final = list(pool.map(lambda job: (job[0], self.until_answered(*job)), [job for job in jobs for _ in range(SENDS)]))
        sent: dict = {}
        for key, response in final:
            sent.setdefault(key, []).append(response)
        return sent

    def abandon(self, key: str, body: str) -> None:
        """Send the write and drop the connection at once: the answer is lost, as to a timeout."""
        connection = http.client.HTTPSConnection(self.stack.host, self.stack.port, context=self.stack.ssl, timeout=10)
        try:
            connection.request("POST", "/api/users/", body.encode(), api_headers(self.stack, key))
        finally:
            connection.close()
        time.sleep(0.2)  # the client's back-off before it tries again

    def doomed(self, count: int) -> list[tuple[str, str]]:
        """(key, path) of `count` users made once, without a key, to be deleted."""
        made = [self.send(None, body) for _, body in self.jobs("doomed", count)]
        return [(f"{self.run}-del-{n}", r.headers["location"]) for n, r in enumerate(made)]


class FormBrowser:
    """A browser on the students form: it shows the form, posts it twice; shows it again, posts it three times at once."""

    POSTS = 5

    def __init__(self, stack: Stack):
        self.stack, self.cookie = stack, ""

    def shown_form(self) -> dict:
        page = self.stack.request("GET", "/students/new", headers={"Cookie": self.cookie})
        if "set-cookie" in page.headers:
            self.cookie = page.headers["set-cookie"].split(";")[0]
        return {"csrf_token": CSRF.search(page.body).group(1).decode(), "submission": SUBMISSION.search(page.body).group(1).decode()}

    def post(self, form: dict) -> int:
        headers = {"Cookie": self.cookie, "Content-Type": "application/x-www-form-urlencoded",
                   "Referer": urllib.parse.urljoin(self.stack.url, "/students/new")}
        return self.stack.request("POST", "/students/new", urllib.parse.urlencode(form).encode(), headers).status

    def double_submit(self, tag: str) -> dict:
        """Rows per student name: one posted twice in a row, one posted three times at once."""
        student = {"city": "Oslo", "addr": "1 Main St", "pin": "0150"}
        twice = {**self.shown_form(), "name": f"{tag} twice", **student}
        statuses = [self.post(twice) for _ in range(2)]
        at_once = {**self.shown_form(), "name": f"{tag} at once", **student}
        with ThreadPoolExecutor(max_workers=3) as pool:
            statuses += list(pool.map(lambda _: self.post(at_once), range(3)))
        assert statuses == [303] * self.POSTS, f"students form answers: {statuses}"
        return dict(self.stack.sql("SELECT name, count(*) FROM students WHERE name LIKE %s GROUP BY name", (f"{tag} %",)))
