"""Hostile everything-around-the-body: session cookies, Host values, headers, and the framing of
the request itself (Content-Length that lies, chunked bodies, HTTP/1.0, odd request lines)."""
import base64
import functools
import json
import zlib

from hypothesis import strategies as st

from .probe import EVIL, FORGED_USER, SITE_NAMES, Probe, Target, latin1, no_newline, one_changed, small, unimplemented


@st.composite
def cookies(draw, t: Target) -> Probe:
    real = t.session
    forged_payload = base64.urlsafe_b64encode(json.dumps({"username": FORGED_USER}).encode()).rstrip(b"=").decode()
    compressed = "." + base64.urlsafe_b64encode(zlib.compress(json.dumps({"username": FORGED_USER}).encode())).rstrip(
        b"=").decode()
    at = draw(st.integers(0, len(real) - 1))
    value = draw(st.one_of(
        st.just(one_changed(real, at)),
        st.just(real[:at]),  # cut short
        st.just(forged_payload + real[real.index("."):]),  # another payload under the real signature
        st.just(compressed + real[real.index(".", 1):]),
        st.just(signed_with_the_development_key()),
        st.text(max_size=200).map(no_newline).map(lambda s: latin1(s.encode("utf-8"))),
        st.binary(max_size=100).map(latin1).map(no_newline),
        st.integers(4000, 40000).map(lambda n: "a" * n),  # larger than the web server's header buffer
    ))
    header = draw(st.sampled_from([f"session={value}", f"session={value}; session={real}", f'session="{value}"',
                                   "; ".join(f"c{i}={value[:20]}" for i in range(100)) + f"; session={value}"]))
    path = draw(st.sampled_from(["/", "/session", "/login", "/flash", "/cookies", "/api/users/", "/request", "/users/"]))
    return Probe("cookie", t.http("GET", path, [("Cookie", header)]), forbidden=FORGED_USER)


@functools.cache
def signed_with_the_development_key() -> str:
    """A session the app would accept if it ran with app.config.DEV_SECRET_KEY."""
    from flask import Flask
    from flask.sessions import SecureCookieSessionInterface

    from app.config import DEV_SECRET_KEY

    app = Flask("forger")
    app.secret_key = DEV_SECRET_KEY
    return SecureCookieSessionInterface().get_signing_serializer(app).dumps({"username": FORGED_USER})


hostname = st.from_regex(r"[a-z0-9-]{1,20}(\.[a-z0-9-]{1,12}){0,3}", fullmatch=True)
ODD_HOSTS = [EVIL, f"{EVIL}:443", f"127.0.0.1.{EVIL}", f"localhost.{EVIL}", "127.0.0.2", "[::1]", "0177.0.0.1",
             "2130706433", "127.1", "LOCALHOST", "127.0.0.1:0", "127.0.0.1:99999", "127.0.0.1:abc",
             f"127.0.0.1 {EVIL}", f"127.0.0.1@{EVIL}", "", " ", f"{EVIL}\t", "a" * 300, "é.example",
             f"127.0.0.1, {EVIL}", "localhost.", "xn--", "_"]


def serves(host: str) -> bool:
    """Whether a Host value names the site: nginx lowercases it and drops a port and a final dot."""
    name = host.strip().lower().rstrip(".")
    name = name.rsplit(":", 1)[0] if name.count(":") == 1 else name
    return name.rstrip(".") in SITE_NAMES or not name


@st.composite
def hosts(draw, t: Target) -> Probe:
    host = draw(st.one_of(st.sampled_from(ODD_HOSTS), hostname, hostname.map(lambda h: f"{h}:{t.host.split(':')[1]}"),
                          st.text(max_size=30).map(no_newline).map(lambda s: latin1(s.encode()))))
    path = draw(st.sampled_from(["/", "/healthz", "/api/users/", "/request/info", "/static/hello.js", "/login",
                                 "/python", "/no/such"]))
    shape = draw(st.sampled_from(["host", "host", "host", "two hosts", "absolute", "forwarded", "no host 1.0", "sni"]))
    refused = not serves(host)
    if shape == "two hosts":
        return Probe("host", t.http("GET", path, [("Host", host)]))  # two Host headers: 400 at the edge
    if shape == "absolute":
        return Probe("host", t.http("GET", f"https://{EVIL}{path}"), refused=True)
    if shape == "forwarded":  # only a proxy the app trusts may say which host the client asked for
        headers = [("X-Forwarded-Host", EVIL), ("X-Forwarded-Proto", "http"), ("Forwarded", f"host={EVIL}")]
        return Probe("host", t.http("GET", path, headers), forbidden=f"://{EVIL}")
    if shape == "no host 1.0":
        return Probe("host", t.http("GET", path, host=None, version="HTTP/1.0"), refused=True)
    if shape == "sni":  # a name in the handshake that is not the site's, the site's (or another) in Host
        sni = draw(st.sampled_from([EVIL, "localhost", "a" * 63]))
        return Probe("host", t.http("GET", path, host=draw(st.sampled_from(["", EVIL]))), sni=sni, context=t.any_sni,
                     refused=False)
    return Probe("host", t.http("GET", path, host=host or None), refused=refused and bool(host))


HEADER_NAMES = ["Accept", "Accept-Language", "Authorization", "Content-Type", "Range", "If-Modified-Since",
                "If-None-Match", "X-Request-ID", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Ssl",
                "X-Forwarded-Prefix", "Origin", "Referer", "User-Agent", "Access-Control-Request-Method",
                "Accept-Charset", "Content-Encoding", "Expect", "Max-Forwards", "Upgrade", "X-HTTP-Method-Override"]


@st.composite
def headers(draw, t: Target) -> Probe:
    path = draw(st.sampled_from(["/", "/api/users/", "/static/hello.js", "/request/info", "/search?wd=x", "/uploads/",
                                 "/healthz", "/methods"]))
    kind = draw(st.sampled_from(["large", "many", "odd", "odd", "odd", "broken"]))
    if kind == "large":
        found = [(draw(st.sampled_from(["X-Large", "Cookie", "Referer", "User-Agent"])), "b" * draw(
            st.integers(1000, 70000)))]
    elif kind == "many":
        found = [(f"X-Many-{i}", "v" * 20) for i in range(draw(st.integers(50, 400)))]
    elif kind == "odd":
        value = draw(st.one_of(small, st.text(max_size=80).map(no_newline).map(lambda s: latin1(s.encode())),
                               st.sampled_from(["*/*;q=NaN", "application/json;q=abc", "bytes=0-0,1-1,2-2,3-3",
                                                "bytes=99999999999-", "gopher", "on", "null", "100-continue",
                                                "h2c", "\x1b[31mred", "../../x"])))
        found = [(draw(st.sampled_from(HEADER_NAMES)), value)]
    else:  # names that are not tokens, a folded line, a bare CR, a NUL
        found = [draw(st.sampled_from([("X Y", "1"), ("X:Y", "1"), ("", "empty name"), ("X-A", "1\r\n 2"),
                                       ("X-A", "1\r2"), ("X-A", "\x00"), ("X-\xe9", "1"), ("X-A", "\xff\xfe")]))]
    return Probe("header", t.http("GET", path, found))


@st.composite
def framing(draw, t: Target) -> Probe:
    """Bodies whose length lies or is chunked, HTTP/1.0, request lines a client should not send."""
    path = draw(st.sampled_from(["/methods", "/api/users/", "/contact", "/hello", f"/students/{t.student}/delete"]))
    body = draw(st.binary(min_size=10, max_size=10))
    kind = draw(st.sampled_from(["length", "length", "chunked", "chunked", "chunked", "http/1.0", "line"]))
    if kind == "length":
        length = draw(st.sampled_from(["abc", "-1", "+10", " 10", "1e3", "0x10", "99999999999999999999", "5", "0",
                                       "10, 10", "10, 5"]))
        extra = [("Content-Length", "5")] if draw(st.booleans()) else []
        return Probe("framing", t.http("POST", path, [("Content-Length", length), *extra], body, length=False),
                     method="POST")
    if kind == "chunked":
        coding = draw(st.sampled_from(["chunked"] * 4 + ["chunked, identity", "identity", "gzip, chunked", "xchunked",
                                                         " chunked", "Chunked", "chunked\t"]))
        chunks = draw(st.lists(st.binary(min_size=1, max_size=30), max_size=4))
        size_of = draw(st.sampled_from(["hex", "hex", "hex", "zz", "-1", "ffffffffffffffffffff", "ext", "short"]))
        encoded = b"".join(chunk_bytes(c, size_of) for c in chunks) + b"0\r\n" + draw(
            st.sampled_from([b"", b"X-Trailer: 1\r\n"])) + b"\r\n"
        extra = [("Content-Length", str(draw(st.integers(0, 50))))] if draw(st.booleans()) else []
        raw = t.http("POST", path, [("Transfer-Encoding", coding), *extra], encoded, length=False)
        # Anything but exactly "chunked" is a coding nginx does not know (it keeps a trailing tab): 501.
        return Probe("framing", raw, method="POST", prescribed=frozenset({501} if coding != "chunked" else ()))
    if kind == "http/1.0":
        host = draw(st.sampled_from([None, ""]))
        extra = draw(st.sampled_from([[], [("Connection", "keep-alive")], [("Transfer-Encoding", "chunked")]]))
        chunked = ("Transfer-Encoding", "chunked") in extra  # not a coding of HTTP/1.0
        if chunked:  # complete whichever framing the server believes, Content-Length or chunked
            body = b"5\r\nhello\r\n0\r\n\r\n"
        raw = t.http(draw(st.sampled_from(["GET", "POST"])), path, extra, body, host=host, version="HTTP/1.0")
        return Probe("framing", raw, refused=host is None, prescribed=frozenset({501} if chunked else ()))
    line = draw(st.sampled_from([
        "get / HTTP/1.1", "GET  /  HTTP/1.1", "GET\t/\tHTTP/1.1", "GET / HTTP/1.1 extra", "GET /", "GET / HTTP/1.10",
        "GET / HTTP/1.1x", "GET / HTTX/1.1", "GET / HTTP/2.0", "GET / HTTP/3.0", "OPTIONS * HTTP/1.1", "GET ?x HTTP/1.1",
        f"GET //{EVIL}/ HTTP/1.1", f"GET https://{t.host}/ HTTP/1.1", "CONNECT 127.0.0.1:22 HTTP/1.1", "FOO / HTTP/1.1",
        "GET /\x00 HTTP/1.1", "GET /%%32%65%%32%65/ HTTP/1.1", "G\xc3\xa9T / HTTP/1.1", " GET / HTTP/1.1"]))
    raw = (f"{line}\r\nHost: {t.host}\r\nConnection: close\r\n\r\n").encode("latin-1")
    version = frozenset({505}) if "HTTP/2" in line or "HTTP/3" in line else frozenset()
    return Probe("framing", raw, prescribed=version | unimplemented(line.split(" ")[0].strip()))


def chunk_bytes(chunk: bytes, size_of: str) -> bytes:
    size = {"hex": f"{len(chunk):x}", "ext": f"{len(chunk):x};name=value", "short": f"{max(len(chunk) - 1, 0):x}"}
    return size.get(size_of, size_of).encode() + b"\r\n" + chunk + b"\r\n"


def incomplete_bodies(t: Target) -> list[bytes]:
    """Requests that promise more body than they send: the server waits, the client never finishes."""
    return [
        t.http("POST", "/methods", [("Content-Type", "application/json"), ("Content-Length", "1000")], b'{"a": [1, 2',
             length=False),
        t.http("POST", "/api/users/", [("Content-Type", "application/json"), ("Content-Length", "100")], b'{"us',
             length=False),
        t.http("POST", "/contact", [("Transfer-Encoding", "chunked")], b"5\r\nhello\r\n", length=False),
        t.http("GET", "/hello", [("Content-Length", "50")], length=False),
        t.http("PUT", "/methods", [("Content-Length", "100000")], b"x" * 50000, length=False),
    ]
