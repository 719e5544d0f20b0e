"""A request still in flight when a server is told to stop: its body trickles in over a few seconds.

One client for the fault suite and the container e2e (so: standard library only). It sends
`PUT /methods` (CSRF-exempt; it answers 200 with the form it read, so the answer proves the whole
body arrived) through one of three doors, named like URLs:

  https://127.0.0.1:8443                       the web server (nginx or Apache)
  http://127.0.0.1:8000, http+unix:///x.sock   gunicorn itself
  fastcgi://127.0.0.1:9000, fastcgi+unix:///x.sock   flup itself (FastCGI records, written here)

nginx reads a whole request body before it passes the request on, so a stop of the app server
behind it is proven only by a request sent to the app server directly.
"""
import http.client
import json
import socket
import ssl
import struct
import threading
import time
import urllib.parse
from dataclasses import dataclass

PATH = "/methods"
FIELD = "filler"


@dataclass
class Outcome:
    status: int | None  # None: no answer at all
    complete: bool  # the app read the whole body: it echoed every byte back
    started: float  # time.monotonic() values
    body_sent: float  # when the last byte of the body went out (0: it never did)
    ended: float
    error: str = ""

    @property
    def seconds(self) -> float:
        return self.ended - self.started


class InFlight:
    """`with InFlight(url) as request:` … `request.sending` is set once the first bytes of the body are
    out; stop the server then. On leaving, `request.outcome` holds what came back."""

    def __init__(self, url: str, seconds: float = 3.0, chunks: int = 30, ca_file: str | None = None,
                 timeout: float = 60):
        self.url, self.seconds, self.chunks, self.timeout = urllib.parse.urlsplit(url), seconds, chunks, timeout
        self.tls = ssl.create_default_context(cafile=ca_file) if self.url.scheme == "https" else None
        self.sending = threading.Event()
        self.outcome: Outcome | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "InFlight":
        self._thread.start()
        if not self.sending.wait(self.timeout):
            raise TimeoutError(f"the request to {self.url.geturl()} never started sending its body")
        return self

    def __exit__(self, *exc) -> None:
        self._thread.join(self.seconds + self.timeout)

    def _run(self) -> None:
        started = time.monotonic()
        self._sent = 0.0
        try:
            status, answer = self._exchange()
            complete = status == 200 and len(json.loads(answer)["form"].get(FIELD, "")) == self._filler_size()
            self.outcome = Outcome(status, complete, started, self._sent, time.monotonic())
        except (OSError, ValueError, KeyError, http.client.HTTPException) as error:
            self.outcome = Outcome(None, False, started, self._sent, time.monotonic(), f"{type(error).__name__}: {error}")
        finally:
            self.sending.set()  # never leave a caller waiting on a request that failed to start

    def _filler_size(self) -> int:
        return self.chunks * 1024 - len(FIELD) - 1

    def _body(self) -> bytes:
        return f"{FIELD}=".encode() + b"x" * self._filler_size()

    def _trickle(self, sock: socket.socket, body: bytes, wrap=lambda piece: piece) -> None:
        """The body in `chunks` pieces spread over `seconds`; each piece wrapped for the protocol."""
        size = len(body) // self.chunks
        for number in range(self.chunks):
            piece = body[number * size:] if number == self.chunks - 1 else body[number * size:(number + 1) * size]
            sock.sendall(wrap(piece))
            self.sending.set()
            time.sleep(self.seconds / self.chunks)
        self._sent = time.monotonic()

    def _connect(self) -> socket.socket:
        if self.url.scheme.endswith("+unix"):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(self.timeout)
            sock.connect(self.url.path)
            return sock
        sock = socket.create_connection((self.url.hostname, self.url.port), timeout=self.timeout)
        return self.tls.wrap_socket(sock, server_hostname=self.url.hostname) if self.tls else sock

    def _host(self) -> str:
        return self.url.netloc if self.url.hostname else "localhost"

    def _exchange(self) -> tuple[int, bytes]:
        with self._connect() as sock:
            if self.url.scheme.startswith("fastcgi"):
                return self._fastcgi(sock)
            body = self._body()
            sock.sendall((f"PUT {PATH} HTTP/1.1\r\nHost: {self._host()}\r\n"
                          f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n"
                          "Connection: close\r\n\r\n").encode())
            self._trickle(sock, body)
            response = http.client.HTTPResponse(sock)
            response.begin()
            return response.status, response.read()

    def _fastcgi(self, sock: socket.socket) -> tuple[int, bytes]:
        """A FastCGI responder request, as nginx's fastcgi_pass sends it (one request, no keep-alive)."""
        body = self._body()
        host = self.url.hostname or "localhost"
        params = {"REQUEST_METHOD": "PUT", "SCRIPT_NAME": "", "PATH_INFO": PATH, "REQUEST_URI": PATH,
                  "QUERY_STRING": "", "CONTENT_TYPE": "application/x-www-form-urlencoded",
                  "CONTENT_LENGTH": str(len(body)), "SERVER_NAME": host, "SERVER_PORT": str(self.url.port or 80),
                  "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": self._host(), "REMOTE_ADDR": "127.0.0.1"}
        sock.sendall(_record(BEGIN_REQUEST, struct.pack("!HB5x", RESPONDER, 0))
                     + _record(PARAMS, b"".join(_pair(k, v) for k, v in params.items())) + _record(PARAMS, b""))
        self._trickle(sock, body, wrap=lambda piece: _record(STDIN, piece))
        sock.sendall(_record(STDIN, b""))
        stdout = b""
        with sock.makefile("rb") as stream:
            while True:
                kind, content = _read_record(stream)
                if kind == STDOUT:
                    stdout += content
                elif kind == END_REQUEST:
                    break
        head, _, answer = stdout.partition(b"\r\n\r\n")
        status = next((line.split()[1] for line in head.split(b"\r\n") if line.lower().startswith(b"status:")), b"200")
        return int(status), answer


# FastCGI 1.0: the record types and the one role this client uses.
BEGIN_REQUEST, END_REQUEST, PARAMS, STDIN, STDOUT = 1, 3, 4, 5, 6
RESPONDER = 1


def _record(kind: int, content: bytes, request_id: int = 1) -> bytes:
    return struct.pack("!BBHHBx", 1, kind, request_id, len(content), 0) + content


def _pair(name: str, value: str) -> bytes:
    def length(n: int) -> bytes:
        return struct.pack("!B", n) if n < 128 else struct.pack("!I", n | 0x80000000)
    name_bytes, value_bytes = name.encode(), value.encode()
    return length(len(name_bytes)) + length(len(value_bytes)) + name_bytes + value_bytes


def _read_record(stream) -> tuple[int, bytes]:
    header = stream.read(8)
    if len(header) < 8:
        raise ConnectionError("the FastCGI server closed the connection before END_REQUEST")
    _version, kind, _request_id, length, padding = struct.unpack("!BBHHBx", header)
    content = stream.read(length + padding)
    return kind, content[:length]
