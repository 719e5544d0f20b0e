"""The mail cases' client and proof: a browser's way through the mail form, and what the SMTP server got."""
import email.parser
import re
import time
import urllib.parse

from tests.stacks import Stack

CSRF = re.compile(rb'name="csrf[-_]token"[^>]*? (?:content|value)="([^"]+)"')
QUEUED = b"your message is queued"


class Answer:
    def __init__(self, queued: bool, seconds: float, what: str):
        self.queued, self.seconds, self.what = queued, seconds, what


class FormSession:
    """A browser's way through the mail form over HTTPS: session cookie, CSRF token, Referer."""

    def __init__(self, stack: Stack):
        self.stack, self.cookie, self.token = stack, "", None

    def _request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        response = self.stack.request(method, path, body, {"Cookie": self.cookie, **(headers or {})})
        if "set-cookie" in response.headers:
            self.cookie = response.headers["set-cookie"].split(";")[0]
        return response

    def open(self) -> "FormSession":
        """The form's page, as a browser shows it before the user posts: the cookie and the CSRF token."""
        self.token = CSRF.search(self._request("GET", "/mail").body).group(1).decode()
        return self

    def send(self, tag: str, count: int, first: int = 0) -> list[Answer]:
        """Post messages `first` … `first + count - 1` of a run, one after the other."""
        return [self.post(tag, n) for n in range(first, first + count)]

    def post(self, tag: str, n: int) -> Answer:
        """Message n: the POST, then the page its redirect leads to, where the flashed message shows."""
        try:
            if self.token is None:
                self.open()
            form = {"csrf_token": self.token, "recipient": f"outage{n}@example.com", "subject": f"{tag} {n}",
                    "body": f"Message {n} of a mail fault case.", "attach": "y"}
            headers = {"Content-Type": "application/x-www-form-urlencoded", "Referer": urllib.parse.urljoin(self.stack.url, "/mail")}
            posted = self._request("POST", "/mail", urllib.parse.urlencode(form).encode(), headers)
            if posted.status != 303:
                return Answer(False, posted.seconds, f"POST answered {posted.status}")
            page = self._request("GET", urllib.parse.urlsplit(posted.headers["location"]).path)
        except OSError as error:
            return Answer(False, 0.0, type(error).__name__)
        seconds = posted.seconds + page.seconds
        return Answer(page.status == 200 and QUEUED in page.body, seconds, f"page {page.status} without 'queued'")


def delivered(stack: Stack, tag: str) -> list[str]:
    """The Message-ID of every message of this run the mail server received, duplicates kept."""
    heads = (email.parser.BytesHeaderParser().parsebytes(raw) for raw in stack.delivered())
    return [head["Message-ID"] for head in heads if (head["Subject"] or "").startswith(tag + " ")]


def wait_for_delivery(stack: Stack, tag: str, count: int, deadline: float) -> tuple[list[str], float | None]:
    """What arrived, and when the count-th message was first seen (None: never before the deadline)."""
    while True:
        arrived = delivered(stack, tag)
        if len(set(arrived)) >= count:
            return arrived, time.monotonic()
        if time.monotonic() > deadline:
            return arrived, None
        time.sleep(0.1)


def duplicates(arrived: list[str]) -> int:
    return len(arrived) - len(set(arrived))
