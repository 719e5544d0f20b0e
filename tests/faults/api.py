"""The JSON API as a fault case calls it: the stack's bearer token, a JSON body, an optional Idempotency-Key."""
import json
from collections import Counter

from tests.stacks import Response, Stack


def api(stack: Stack, method: str, path: str, body: dict | None = None, key: str | None = None) -> Response:
    return stack.request(method, path, None if body is None else json.dumps(body).encode(), api_headers(stack, key))


def api_headers(stack: Stack, key: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {stack.api_token}", "Content-Type": "application/json"}
    return headers if key is None else {**headers, "Idempotency-Key": key}


def counts(statuses) -> dict:
    """How many of each status (or error name), in order: {201: 48, 409: 2}."""
    return dict(sorted(Counter(statuses).items(), key=lambda item: str(item[0])))
