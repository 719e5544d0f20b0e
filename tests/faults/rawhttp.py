"""HTTP/1.x over TLS with nothing checked on the way out: the bytes sent are exactly the bytes given.

http.client refuses what a hostile client sends (raw bytes in a path, a Content-Length that lies,
two Host headers, HTTP/1.0 without Host); this sends it anyway, and h11 reads whatever comes back.
"""
import gzip
import socket
import ssl
import threading
import time
import zlib
from dataclasses import dataclass, field

import h11


@dataclass
class Answer:
    status: int | None  # None: the server closed (or timed out) without a status line
    headers: dict = field(default_factory=dict)  # lower-case names; a repeated header keeps the last
    body: bytes = b""
    seconds: float = 0.0
    error: str = ""


def exchange(host: str, port: int, context: ssl.SSLContext, request: bytes, *, server_hostname: str | None = None,
             head: bool = False, timeout: float = 10, hold: threading.Event | None = None) -> Answer:
    """Send `request` on a fresh TLS connection and read one response (interim 1xx skipped).

    With hold, the connection stays open until that event is set, then whatever came back is read.
    """
    started = time.monotonic()
    try:
        with socket.create_connection((host, port), timeout=timeout) as plain:
            with context.wrap_socket(plain, server_hostname=server_hostname or host) as tls:
                tls.sendall(request)
                if hold is not None:
                    hold.wait(300)
                    tls.settimeout(1)
                answer = _read(tls, head)
    except (OSError, ValueError) as error:  # ssl.SSLError is an OSError
        answer = Answer(None, error=type(error).__name__)
    answer.seconds = time.monotonic() - started
    return answer


def _read(sock, head: bool) -> Answer:
    """One answer, parsed by h11; what came before the parser gave up stays in body (an HTTP/0.9
    answer has no head at all, and its body may still show what it must not)."""
    http = h11.Connection(h11.CLIENT, max_incomplete_event_size=1 << 20)
    # h11 keeps the state of an exchange: tell it what was asked (not sent again: the bytes went raw).
    http.send(h11.Request(method="HEAD" if head else "GET", target="/", headers=[("Host", "raw")]))
    http.send(h11.EndOfMessage())
    received, status, headers, body = b"", None, {}, b""
    try:
        while True:
            event = http.next_event()
            if event is h11.NEED_DATA:
                chunk = _recv(sock)
                received += chunk
                http.receive_data(chunk)
            elif isinstance(event, h11.Response):  # interim 1xx answers are InformationalResponse: skipped
                status = event.status_code
                headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in event.headers}
            elif isinstance(event, h11.Data):
                body += event.data
            elif not isinstance(event, h11.InformationalResponse):  # EndOfMessage: the answer is whole
                break
    except h11.RemoteProtocolError:
        if status is None:
            return Answer(None, body=received, error="not an HTTP answer" if received else "closed without an answer")
    return Answer(status, headers, _decoded(body, headers.get("content-encoding", "")))


def _recv(sock) -> bytes:
    try:
        return sock.recv(65536)
    except (ssl.SSLZeroReturnError, ConnectionResetError):
        return b""


def _decoded(body: bytes, encoding: str) -> bytes:
    """The body as the client will read it, so that a check sees through gzip."""
    try:
        if encoding == "gzip":
            return gzip.decompress(body)
        if encoding == "deflate":
            return zlib.decompress(body)
    except (OSError, zlib.error, EOFError):
        pass
    return body
