#!/usr/bin/env python3
"""Request every route of tests/route_table.py from a running stack and check what it answers.

Usage: scripts/smoke.py [BASE_URL]   (default $BASE_URL or http://127.0.0.1:8080)
Standard library only, so it runs on an operator's laptop against a real server.
Prints one line per route, then 'N passed, N failed'; exits 1 on any failure.
"""
import http.client
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests"))

from route_table import ROUTES  # noqa: E402


def request(base: urllib.parse.SplitResult, route) -> tuple[int, str]:
    """One request, redirects not followed, as the table expects."""
    connection_class = http.client.HTTPSConnection if base.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(base.hostname, base.port, timeout=30)
    try:
        headers = {"Accept": "text/html", **route.headers}
        connection.request(route.method, base.path.rstrip("/") + route.path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", errors="replace")
    finally:
        connection.close()


def check(base, route) -> str | None:
    """None when the route answers as the table says, else why not."""
    try:
        status, body = request(base, route)
    except OSError as error:
        return f"no answer: {error}"
    if status != route.status:
        return f"status {status}, expected {route.status}"
    if route.contains not in body:
        return f"body lacks {route.contains!r}"
    if "Traceback" in body:
        return "body shows a traceback"
    return None


def report(results) -> int:
    """Print a line per (name, problem or None), then 'N passed, N failed'; the exit status."""
    passed = failed = 0
    for name, problem in results:
        if problem is None:
            passed += 1
            print(f"ok    {name}", flush=True)
        else:
            failed += 1
            print(f"FAIL  {name}: {problem}", flush=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def main() -> int:
    base_url = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("BASE_URL") or "http://127.0.0.1:8080"
    base = urllib.parse.urlsplit(base_url)
    return report((route, check(base, route)) for route in ROUTES)


if __name__ == "__main__":
    sys.exit(main())
