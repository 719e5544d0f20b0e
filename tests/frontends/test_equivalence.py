"""The same app behind three front ends answers every route of the table the same way.

Headers such as Server and Date differ by nature and are not compared; per-request values in
bodies (CSRF tokens, request ids, timings, the stack's own port) are masked first.
"""
import re
from urllib.parse import urlsplit

import pytest

from tests.frontends.browser import Browser
from tests.route_table import ROUTES, request

MASKS = [
    (re.compile(r'(name="csrf-token" content=")[^"]+'), r"\1<csrf>"),
    (re.compile(r'(name="csrf_token"[^>]*? value=")[^"]+'), r"\1<csrf>"),
    (re.compile(r'(name="submission"[^>]*? value=")[^"]+'), r"\1<submission>"),  # new for each form shown
    (re.compile(r"\b[0-9a-f]{32}\b"), "<request-id>"),
    (re.compile(r"\(\d+\.\d ms so far\)"), "(<ms> so far)"),
    (re.compile(r"127\.0\.0\.1:\d+"), "<host>"),
]


def normalise(body: str) -> str:
    for pattern, replacement in MASKS:
        body = pattern.sub(replacement, body)
    return body


SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options", "Strict-Transport-Security",
                    "Permissions-Policy")


@pytest.mark.parametrize("path", ["/", "/api/users/", "/no/such/page", "/static/hello.js"], ids=["html", "json", "error", "static"])
def test_security_headers_are_the_same_through_every_front_end(stacks, path):
    seen = {}
    for frontend, info in stacks.items():
        answer = Browser(info.url).open(path)
        seen[frontend] = tuple(answer.headers.get(name) for name in SECURITY_HEADERS)
        assert None not in seen[frontend], (frontend, path, seen[frontend])
        assert re.fullmatch(r"[A-Za-z]*", answer.headers.get("Server", "")), answer.headers["Server"]  # no version
    assert len(set(seen.values())) == 1, seen


def test_every_route_answers_the_same_through_every_front_end(stacks):
    differences = []
    for route in ROUTES:
        answers = {}
        for frontend, info in stacks.items():
            status, body = request(urlsplit(info.url), route)
            answers[frontend] = (status, normalise(body))
        if len(set(answers.values())) > 1:
            differences.append((str(route), {fe: (status, body[:300]) for fe, (status, body) in answers.items()}))
    assert differences == []
