"""Forged forwarded headers, one at a time and all at once, through every front end.

A client may send any X-Forwarded-* (or Forwarded, X-Real-IP, X-Request-ID) it likes; only what
the web server itself sets may reach a link, a redirect, the client address or the request id.
Every answer is checked for the forged values: in /request/info (what the app believes), in a
redirect's Location, in the links of the index page, and in the X-Request-ID answered. Also a
`next` holding a newline, which once answered 500: it must be refused as a target, not sent.
"""
import json
import re
import urllib.parse

from tests.stacks import Stack

EVIL_HOST, EVIL_ADDR, EVIL_PORT, EVIL_ID = "evil.example", "203.0.113.66", "6666", "forged-request-id"
FORGED = {
    "X-Forwarded-For": EVIL_ADDR,
    "X-Forwarded-Proto": "http",
    "X-Forwarded-Host": EVIL_HOST,
    "X-Forwarded-Port": EVIL_PORT,
    "X-Forwarded-Prefix": f"//{EVIL_HOST}",
    "X-Forwarded-Server": EVIL_HOST,
    "X-Forwarded-Ssl": "on",
    "X-Forwarded-Protocol": "ssl",
    "Forwarded": f"for={EVIL_ADDR};host={EVIL_HOST};proto=http",
    "X-Real-IP": EVIL_ADDR,
    "X-Original-URL": "/admin-greeting",
    "X-Request-ID": EVIL_ID,
}
# What must never show in an answer: the forged host, address, port, prefix, id, or a plain-http link.
TELLTALES = (EVIL_HOST, EVIL_ADDR, f":{EVIL_PORT}", EVIL_ID, "http://127.0.0.1")
CSRF = re.compile(r'name="csrf[-_]token"[^>]*? (?:content|value)="([^"]+)"')


def test_forged_forwarded_headers_never_reach_a_link_a_redirect_or_the_client_address(stack, result):
    cases = [{name: value} for name, value in FORGED.items()] + [dict(FORGED)]
    problems: list[str] = []
    for headers in cases:
        label = "all at once" if len(headers) > 1 else next(iter(headers))
        problems += [f"{label}: {problem}" for problem in check(stack, headers)]
        result.sent += 3
    next_problem = newline_in_next(stack)
    result.sent += 2
    problems += [next_problem] if next_problem else []

    result.failed = len(problems)
    result.details.append(f"{len(FORGED)} headers forged one at a time and all at once: {len(cases)} × "
                          f"(/request/info, a redirect, the index page); POST /login?next=%2F%0Aenv")
    for problem in problems:
        result.expect(False, problem)
    assert result.problems == []


def check(stack: Stack, headers: dict) -> list[str]:
    own = f"https://{stack.host}:{stack.port}/"
    problems = []
    info = stack.request("GET", "/request/info", headers=headers)
    if info.status != 200:
        return [f"/request/info answered {info.status}"]
    seen = json.loads(info.body)
    expected = {"remote_addr": stack.host, "scheme": "https", "host": f"{stack.host}:{stack.port}", "external_index": own}
    problems += [f"the app believes {key}={seen[key]!r}, not {value!r}" for key, value in expected.items() if seen[key] != value]
    redirect = stack.request("GET", "/python", headers=headers)
    location = redirect.headers.get("location", "")
    if redirect.status not in (301, 308) or location not in ("/python/", f"{own}python/"):
        problems.append(f"/python answered {redirect.status} Location {location!r}")
    index = stack.request("GET", "/", headers=headers)
    text = index.body.decode("utf-8", "replace")
    if index.status != 200:
        problems.append(f"/ answered {index.status}")
    for response, where in ((info, "/request/info"), (redirect, "/python"), (index, "/")):
        answered = json.dumps(response.headers) + response.body.decode("utf-8", "replace")
        problems += [f"{telltale!r} in the answer of {where}" for telltale in TELLTALES if telltale in answered]
    if 'href="//' in text:
        problems.append("a protocol-relative link on the index page")
    return problems


def newline_in_next(stack: Stack) -> str | None:
    """POST /login?next=%2F%0Aenv as a browser would: the login must go to /, not answer 500."""
    page = stack.request("GET", "/login")
    cookie = page.headers.get("set-cookie", "").split(";")[0]
    token = CSRF.search(page.body.decode()).group(1)
    form = urllib.parse.urlencode({"csrf_token": token, "username": "ann"}).encode()
    answer = stack.request("POST", "/login?next=%2F%0Aenv", form, {
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded",
        "Referer": stack.url})  # same origin for Flask-WTF; redirect_url()'s fallback after `next`
    location = answer.headers.get("location", "")
    if answer.status not in (302, 303) or urllib.parse.urlsplit(location).path != "/" or "\n" in location:
        return f"POST /login?next=%2F%0Aenv answered {answer.status} Location {location!r}"
    return None
