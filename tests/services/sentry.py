"""A Sentry ingest endpoint on loopback that keeps every envelope the SDK posts, for the tests to read.

The SDK posts to /api/<project>/envelope/ (gzip unless told otherwise). An envelope is
newline-separated JSON: a header, then per item a header (with the payload's length) and the payload
(https://develop.sentry.dev/sdk/data-model/envelopes/). Standard library only: the server is a
ThreadingHTTPServer on a thread of its own, as the SMTP sink is aiosmtpd's.
"""
import gzip
import json
import re
import threading
import time
import zlib
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# What the tests send in a failing request and no report may carry (found anywhere in its bytes).
FORM_SECRET = "form-value-never-reported"
TOKEN_SECRET = "bearer-token-never-reported"
USER = "user-never-reported"
ENVELOPE_PATH = re.compile(r"^/api/(\d+)/envelope/$")
DECODERS = {"": lambda data: data, "identity": lambda data: data, "gzip": gzip.decompress, "deflate": zlib.decompress}


@dataclass
class Envelope:
    project: str
    raw: bytes  # as it was sent, once decompressed: what a leak test searches
    header: dict
    items: list[tuple[dict, bytes]]

    def payloads(self, kind: str) -> list[dict]:
        return [json.loads(payload) for header, payload in self.items if header.get("type") == kind]


def parse(raw: bytes) -> tuple[dict, list[tuple[dict, bytes]]]:
    """Split an envelope into its header and (item header, payload) pairs."""
    header_line, _, rest = raw.partition(b"\n")
    items = []
    while rest.strip():
        item_line, _, rest = rest.partition(b"\n")
        item = json.loads(item_line)
        if "length" in item:
            payload, rest = rest[:item["length"]], rest[item["length"]:]
            rest = rest.removeprefix(b"\n")
        else:  # no length: the payload runs to the end of its line
            payload, _, rest = rest.partition(b"\n")
        items.append((item, payload))
    return json.loads(header_line), items


class SentryReceiver:
    """Start it, give the app `dsn`, read `events()` (the error events, newest last)."""

    def __init__(self, key: str = "public-key", project: str = "1"):
        self.key, self.project = key, project
        self.envelopes: list[Envelope] = []
        self.refused: list[str] = []  # what the receiver could not take, so a test can say why
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                receiver._receive(self)

            def log_message(self, *args):  # quiet: pytest shows what matters
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="sentry-receiver", daemon=True)

    @property
    def dsn(self) -> str:
        return f"http://{self.key}@127.0.0.1:{self.port}/{self.project}"

    def start(self) -> "SentryReceiver":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _receive(self, request: BaseHTTPRequestHandler) -> None:
        body = request.rfile.read(int(request.headers.get("Content-Length") or 0))
        match = ENVELOPE_PATH.match(request.path.split("?")[0])
        encoding = (request.headers.get("Content-Encoding") or "").lower()
        auth = request.headers.get("X-Sentry-Auth", "")
        problem = (None if match else f"POST {request.path}: not an envelope endpoint") or \
                  (None if encoding in DECODERS else f"Content-Encoding {encoding!r} not supported") or \
                  (None if f"sentry_key={self.key}" in auth else f"X-Sentry-Auth without sentry_key={self.key}: {auth!r}")
        if problem:
            self.refused.append(problem)
            request.send_response(400)
            request.end_headers()
            return
        raw = DECODERS[encoding](body)
        header, items = parse(raw)
        self.envelopes.append(Envelope(match.group(1), raw, header, items))
        answer = json.dumps({"id": header.get("event_id")}).encode()
        request.send_response(200)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(answer)))
        request.end_headers()
        request.wfile.write(answer)

    def events(self) -> list[dict]:
        return [event for envelope in list(self.envelopes) for event in envelope.payloads("event")]

    def raw(self, since: int = 0) -> bytes:
        """Every byte received in the envelopes from number `since` on (len(envelopes) before a request)."""
        return b"\n".join(envelope.raw for envelope in self.envelopes[since:])

    def leaked(self, since: int, secrets: dict[str, str]) -> list[str]:
        """The names of the secrets whose value is anywhere in what came from envelope `since` on."""
        sent = self.raw(since)
        return [name for name, value in secrets.items() if value.encode() in sent]

    def events_tagged(self, name: str, value: str, timeout: float = 10.0, settle: float = 1.0) -> list[dict]:
        """The events whose tag `name` is `value`: once one has come (the SDK sends from a thread of
        its own), and `settle` seconds more. A second report of the same error would have been queued
        before the answer left the app, right behind the first on the same thread, so it comes then."""
        deadline = time.monotonic() + timeout
        while not self._tagged(name, value) and time.monotonic() < deadline:
            time.sleep(0.05)
        if self._tagged(name, value):
            time.sleep(settle)
        return self._tagged(name, value)

    def _tagged(self, name: str, value: str) -> list[dict]:
        return [event for event in self.events() if dict(_tags(event)).get(name) == value]


def _tags(event: dict):
    """Tags as the SDK sends them: a dict, or a list of [name, value] pairs."""
    tags = event.get("tags") or {}
    return tags.items() if isinstance(tags, dict) else tags
