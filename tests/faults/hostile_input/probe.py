"""What every hostile request is made of: the Probe (raw bytes and what its answer must not be), the
Target it aims at (the stack's host, a real session and CSRF token, the seeded rows), and the pieces
of URL the strategies share."""
import re
import ssl
from dataclasses import dataclass, field
from urllib.parse import quote

from hypothesis import strategies as st

FORGED_USER = "hostile-mallory"  # the name a forged session claims; no answer may show it
EVIL = "evil.example"
SITE_NAMES = {"127.0.0.1", "localhost"}  # SERVER_NAME, SERVER_ALIASES and TRUSTED_HOSTS of the native stack
# RFC 9110's methods and PATCH; for any other, a server's 501 is the answer RFC 9110 (9.1) asks for.
STANDARD_METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}


@dataclass(frozen=True)
class Probe:
    category: str
    raw: bytes
    method: str = "GET"
    sni: str | None = None  # None: the default (no SNI to an address)
    context: ssl.SSLContext | None = None  # one that lets any SNI through, with sni
    refused: bool = False  # the Host is not the site's: an answer below 400 would let it through
    forbidden: str = ""  # text no answer may contain
    prescribed: frozenset = frozenset()  # the 5xx an RFC prescribes for this request (501, 505)


@dataclass
class Target:
    """What the requests aim at: the stack's Host, a real session with its CSRF token, the seeded ids."""

    host: str
    session: str
    csrf: str
    user: int
    student: int
    any_sni: ssl.SSLContext = field(repr=False)

    @classmethod
    def of(cls, stack, seeds: dict) -> "Target":
        page = stack.request("GET", "/login")
        cookie = re.search(r"session=([^;]+)", page.headers.get("set-cookie", ""))
        token = re.search(rb'name="csrf[-_]token"[^>]*? (?:content|value)="([^"]+)"', page.body)
        if not (page.status == 200 and cookie and token):
            raise RuntimeError(f"GET /login gave no session and CSRF token (status {page.status})")
        any_sni = ssl.create_default_context(cafile=stack.ca)
        any_sni.check_hostname = False
        return cls(f"{stack.host}:{stack.port}", cookie.group(1), token.group(1).decode(), seeds["user"],
                   seeds["student"], any_sni)

    @property
    def origin(self) -> str:
        return f"https://{self.host}"

    def valid_csrf(self) -> list[tuple[str, str]]:
        """The headers of a same-site browser request with its session (Flask-WTF checks the Referer over HTTPS)."""
        return [("Cookie", f"session={self.session}"), ("Referer", f"{self.origin}/"), ("X-CSRFToken", self.csrf)]

    def http(self, method: str, target: str, headers=(), body: bytes = b"", *, host: str | None = "",
             version: str = "HTTP/1.1", length: bool = True) -> bytes:
        """Raw request bytes; strings are latin-1, one character per byte. host="" names the stack itself,
        None sends no Host; length=False leaves Content-Length to the headers given."""
        lines = [f"{method} {target} {version}"]
        if host is not None:
            lines.append(f"Host: {host or self.host}")
        lines += [f"{name}: {value}" for name, value in headers]
        if length and (body or method in ("POST", "PUT", "PATCH")):
            lines.append(f"Content-Length: {len(body)}")
        lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def latin1(data: bytes) -> str:
    return data.decode("latin-1")


def no_newline(text: str) -> str:
    return text.replace("\r", "").replace("\n", "")


def one_changed(text: str, at: int) -> str:
    """text with the character at `at` replaced: a token or signature that is almost right."""
    return text[:at] + ("A" if text[at] != "A" else "B") + text[at + 1:]


def unimplemented(method: str) -> frozenset:
    return frozenset() if method in STANDARD_METHODS else frozenset({501})


SPECIAL_SEGMENTS = [
    "%00", "a%00b", "..", "%2e%2e", "%2E%2E%2F", ".%2e", "%2e.", "..%2f..%2f..%2fetc%2fpasswd", "..%5c..%5cwin.ini",
    "%c0%ae%c0%ae", "%c0%af", "%e0%80%af", "%f0%80%80%af", "%ff", "%fe%ff", "%c3%28", "%ed%a0%80", "%f4%90%80%80",
    "%", "%zz", "%2", "%0d%0aSet-Cookie:%20x=1", "%0a", "%09", "%20", "+", "%2b", "%u002e%u002e", ";", "..;",
    "~root", "-1", "-0", "0", "1e309", "nan", "NaN", "inf", "-inf", "0x10", "99999999999999999999999999",
    "%D9%A1%D9%A2", "1_000", "1.", ".5", "1.5e3", "00001", "%ef%bc%8e%ef%bc%8e", "//" + EVIL, "\\\\" + EVIL,
    "app.py", ".env", ".git/config", "yourapplication.wsgi", "../app/config.py", "..%2fapp%2fconfig.py",
]
# Short pieces, for query strings and form fields.
small = st.one_of(st.sampled_from(SPECIAL_SEGMENTS[:40]), st.text(max_size=20).map(lambda t: quote(t, safe="")),
                  st.binary(max_size=10).map(lambda b: quote(b, safe="")))
