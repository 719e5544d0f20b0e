"""What a client sends, made safe to parse: a hostile request gets a 400, never a 500.

Werkzeug assumes a percent-encoded query string and Python's json has no depth limit; a client may
send neither. Found by the hostile-input fault case (tests/faults/test_hostile.py).
"""
import re

from flask import Flask, Request
from flask.json.provider import DefaultJSONProvider

# No real document of this app nests past a few levels; deeper JSON is refused as malformed.
MAX_JSON_DEPTH = 64
# Bytes a URL may not hold as they are. Apache and nginx pass them on in the query string, and
# request.args (like request.full_path) decodes it as strict UTF-8: a UnicodeDecodeError, a 500.
NOT_URL_SAFE = re.compile(rb"[^\x21-\x7e]")


class ClientRequest(Request):
    def __init__(self, environ, *args, **kwargs):
        super().__init__(environ, *args, **kwargs)
        # Percent-encoded, the bytes are kept: request.args shows invalid UTF-8 as %XX, as in a path.
        self.query_string = NOT_URL_SAFE.sub(lambda byte: b"%%%02X" % byte.group()[0], self.query_string)


class ClientJSONProvider(DefaultJSONProvider):
    """JSON nested too deeply is a 400 (get_json() turns a ValueError into one), not a RecursionError
    in the parser or, for a document just under Python's limit, when a view echoes it back."""

    def loads(self, s, **kwargs):
        try:
            value = super().loads(s, **kwargs)
        except RecursionError as error:
            raise ValueError("JSON nested too deeply") from error
        if not nested_within(value, MAX_JSON_DEPTH):
            raise ValueError("JSON nested too deeply")
        return value


def nested_within(value, limit: int) -> bool:
    pending = [(value, 0)]  # iterative: the check itself must not recurse
    while pending:
        item, depth = pending.pop()
        if isinstance(item, (dict, list)):
            if depth == limit:
                return False
            pending.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return True


def init_app(app: Flask) -> None:
    app.request_class = ClientRequest
    app.json = ClientJSONProvider(app)
