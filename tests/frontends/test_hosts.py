"""What only the web servers can refuse: unknown Host values (their default server), TRACE, and the
framing a client controls. Raw requests, as tests/faults/test_hostile.py sends them."""
import os
import socket
import ssl

import pytest

from tests.faults.rawhttp import exchange
from tests.frontends.browser import Browser

REFUSAL = b"does not answer to that host name"


def ask(stack, raw: bytes, sni: str | None = None, head: bool = False):
    context = ssl.create_default_context(cafile=stack.ca)
    context.check_hostname = sni is None  # a name that is not the certificate's: the handshake itself is the test
    return exchange("127.0.0.1", stack.port, context, raw, server_hostname=sni, head=head)


def get(path: str, host: str | None, version: str = "HTTP/1.1", extra: str = "") -> bytes:
    host_line = "" if host is None else f"Host: {host}\r\n"
    return f"GET {path} {version}\r\n{host_line}{extra}Connection: close\r\n\r\n".encode()


def test_an_unknown_host_is_refused_by_the_web_server_before_the_app(stack):
    answer = ask(stack, get("/healthz", "evil.example"))
    assert answer.status == 421 and REFUSAL in answer.body
    assert "x-request-id" not in answer.headers  # the app sets it on every answer: it never saw this one


def test_an_unknown_host_over_plain_http_is_refused_not_redirected(stack):
    with socket.create_connection(("127.0.0.1", stack.http_port), timeout=10) as connection:
        connection.sendall(get("/about", "evil.example"))
        head = connection.recv(4096)
    assert head.startswith(b"HTTP/1.1 421 ") and b"Location" not in head


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost"])
def test_the_sites_own_names_are_served(stack, name):
    answer = ask(stack, get("/healthz", f"{name}:{stack.port}"))
    assert answer.status == 200 and b'"status":"ok"' in answer.body


def test_a_client_sending_another_name_in_sni_completes_the_handshake_and_reads_421(stack):
    answer = ask(stack, get("/", "evil.example"), sni="evil.example")
    assert answer.status == 421 and REFUSAL in answer.body


def test_http_1_0_without_a_host_is_refused_not_served(stack):
    answer = ask(stack, get("/", None, "HTTP/1.0"))
    assert answer.status is not None and 400 <= answer.status < 500


def test_trace_is_refused_and_echoes_nothing(stack):
    answer = ask(stack, "TRACE / HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: session=secret-value\r\nConnection: close\r\n\r\n".encode())
    assert answer.status == 405 and b"secret-value" not in answer.body


def allowed(stack, method: str, path: str) -> tuple[int, set[str]]:
    """The status, and the methods of every Allow field joined into one list (RFC 9110 5.3)."""
    answer = Browser(stack.url).open(path, method, b"" if method == "POST" else None)
    fields = ",".join(answer.headers.get_all("Allow") or [])
    return answer.status, {name.strip() for name in fields.split(",")} - {""}


@pytest.mark.parametrize("path", ["/", "/static/hello.js"])
def test_trace_gets_a_405_that_says_which_methods_are_allowed(stack, path):
    # RFC 9110: a 405 MUST carry Allow. nginx refuses TRACE before any location, Apache by TraceEnable.
    status, methods = allowed(stack, "TRACE", path)
    assert status == 405 and {"GET", "HEAD"} <= methods and "TRACE" not in methods


def test_a_post_to_a_static_file_is_served_or_refused_with_allow(stack):
    # nginx's static module refuses it (405); Apache's serves the file as for a GET.
    status, methods = allowed(stack, "POST", "/static/hello.js")
    assert status == 200 or (status == 405 and {"GET", "HEAD"} <= methods)


def test_the_apps_own_405_keeps_the_apps_allow(stack):
    assert allowed(stack, "GET", "/logout") == (405, {"OPTIONS", "POST"})


def test_a_chunked_body_reaches_the_app_through_every_front_end(stack):
    body = b'{"a": [1, 2]}'
    raw = (b"POST /methods HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
           b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
    answer = ask(stack, raw)
    assert answer.status == 201 and b'"json":{"a":[1,2]}' in answer.body


def test_gunicorn_keeps_a_keep_alive_connection_usable_after_a_large_body_the_app_did_not_read(stacks):
    """gunicorn 27 closes such a connection after answering keep-alive; nginx then loses the next
    request on it (a 502 for a POST). deploy/gunicorn/conf.py reads the rest of the body."""
    body = b"x" * 200_000  # past gunicorn's own 64 KiB drain
    request = (b"POST /api/users/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-Proto: https\r\n"
               b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)) + body
    with socket.socket(socket.AF_UNIX) as connection:
        connection.settimeout(10)
        connection.connect(os.path.join(stacks["gunicorn"].state, "run", "gunicorn.sock"))
        connection.sendall(request)
        first = b""
        while b"\r\n\r\n" not in first:
            first += connection.recv(65536)
        assert first.startswith(b"HTTP/1.1 401 ") and b"Connection: keep-alive" in first
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        rest = b""
        while chunk := connection.recv(65536):
            rest += chunk
    assert b"HTTP/1.1 200 " in first + rest
