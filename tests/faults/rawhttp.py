"""HTTP/1.x over TLS with nothing checked on the way out: the bytes sent are exactly the bytes given.

http.client refuses what a hostile client sends (raw bytes in a path, a Content-Length that lies,
two Host headers, HTTP/1.0 without Host); this sends it anyway and reads whatever comes back.
"""
import gzip
import socket
import ssl
import threading
import time
import zlib
from dataclasses import dataclass, field


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
    buffer = b""
    while True:
        while b"\r\n\r\n" not in buffer:
            chunk = _recv(sock)
            if not chunk:  # what came, if anything, stays in body: an HTTP/0.9 answer has no head at all
                return Answer(None, body=buffer, error="closed without an answer" if not buffer else "no head")
            buffer += chunk
        raw_head, _, buffer = buffer.partition(b"\r\n\r\n")
        lines = raw_head.decode("latin-1").split("\r\n")
        try:
            status = int(lines[0].split()[1])
        except (IndexError, ValueError):
            return Answer(None, body=raw_head + buffer, error="no status line")
        if status >= 200:
            break
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if head or status in (204, 304):
        return Answer(status, headers)
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = _dechunk(sock, buffer)
    elif headers.get("content-length", "").isdigit():
        length = int(headers["content-length"])
        while len(buffer) < length and (chunk := _recv(sock)):
            buffer += chunk
        body = buffer[:length]
    else:
        while chunk := _recv(sock):
            buffer += chunk
        body = buffer
    return Answer(status, headers, _decoded(body, headers.get("content-encoding", "")))


def _recv(sock) -> bytes:
    try:
        return sock.recv(65536)
    except (ssl.SSLZeroReturnError, ConnectionResetError):
        return b""


def _dechunk(sock, buffer: bytes) -> bytes:
    body = b""
    while True:
        while b"\r\n" not in buffer and (chunk := _recv(sock)):
            buffer += chunk
        line, _, buffer = buffer.partition(b"\r\n")
        try:
            size = int(line.split(b";")[0], 16)
        except ValueError:
            return body + buffer
        while len(buffer) < size + 2 and (chunk := _recv(sock)):
            buffer += chunk
        if size == 0:
            return body
        body, buffer = body + buffer[:size], buffer[size + 2:]


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
