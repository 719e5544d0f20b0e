"""Hostile request lines and bodies: paths, query strings, forms and JSON, aimed at every route.

Nothing here may be accepted and change a row: forms go without a valid CSRF token, API writes
without the bearer token. The only requests with a valid token are for routes that store no row
(/login, /session, /flash, /ajax), so the generator also reaches the code behind the CSRF check.
"""
import json
from urllib.parse import quote

from hypothesis import strategies as st

from .probe import EVIL, SPECIAL_SEGMENTS, Probe, Target, latin1, no_newline, one_changed, small, unimplemented

# One path segment: percent-encoded text and bytes (invalid and overlong UTF-8), raw bytes, numbers.
segment = st.one_of(
    st.sampled_from(SPECIAL_SEGMENTS),
    st.text(max_size=24).map(lambda t: quote(t, safe="")),
    st.binary(max_size=16).map(lambda b: quote(b, safe="")),  # percent-encoded bytes: invalid and overlong UTF-8
    st.text(min_size=1, max_size=12).map(lambda t: latin1(t.encode())),  # raw UTF-8, not encoded
    st.binary(min_size=1, max_size=8).map(latin1),  # raw bytes, controls and spaces included
    st.integers().map(str),
    st.floats().map(repr),
    st.integers(256, 20000).map(lambda n: "a" * n),  # overlong: the web server's 414
)
PATH_TEMPLATES = [
    "/{}", "/{}/{}", "/hello/{}", "/post/{}", "/rev/{}", "/path/{}", "/path/{}/{}", "/user/{}", "/guest/{}",
    "/redirect/{}", "/abort/{}", "/api/users/{}", "/students/{}/edit", "/uploads/{}", "/static/{}", "/static/{}/{}",
    "/static..{}", "/static/..{}", "/admin/static/{}", "/ajax/vendor/jquery/{}", "/ajax/vendor/{}/{}", "/pages/{}",
    "/help/{}", "/flash/{}", "/api/{}", "/uploads/..%2f{}", "/python{}", "/{}/python/", "/cookies/set?value={}",
]
QUERY_PATHS = ["/", "/search", "/request", "/request/info", "/login", "/cookies/set", "/redirects", "/api/users/",
               "/hello", "/methods", "/context", "/uploads/", "/students/", "/session", "/flash", "/pages/"]
QUERY_KEYS = ["wd", "q", "next", "value", "page", "code", "id", "csrf_token", "sijax_rq", "a[b]", "", "__proto__"]
METHODS = ["GET"] * 6 + ["HEAD", "OPTIONS", "DELETE", "POST", "PUT", "PATCH", "TRACE", "PROPFIND", "BREW"]
query = st.lists(st.tuples(st.one_of(st.sampled_from(QUERY_KEYS), small), small), max_size=6).map(
    lambda pairs: "&".join(f"{k}={v}" for k, v in pairs))
json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20)
json_body = st.one_of(
    json_value.map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries({"username": st.text(max_size=60), "email": st.text(max_size=200)}).map(
        lambda v: json.dumps(v).encode()),
    st.integers(1, 100_000).map(lambda d: b"[" * d + b"]" * d),  # nested past Python's recursion limit
    st.integers(1, 100_000).map(lambda d: b'{"a":' * d + b"1" + b"}" * d),
    st.binary(max_size=64),  # not JSON, or not UTF-8
    st.sampled_from([b"NaN", b"[Infinity]", b"1e999999", b'{"a":1,"a":2}', b"\xef\xbb\xbf{}", b'"\\ud800"', b"",
                     b"null", b"{", b'{"username": "x\\u0000", "email": "a@b.c"}', b"[" * 990 + b"]" * 990]),
)
JSON_TYPES = ["application/json"] * 4 + ["application/json; charset=utf-16", "application/vnd.api+json",
                                         "text/plain", "application/x-www-form-urlencoded"]
FORM_FIELDS = ["name", "city", "addr", "pin", "username", "email", "subject", "message", "value", "file", "Gender",
               "Age", "language", "csrf_token", "submit", "next"]

@st.composite
def paths(draw, t: Target) -> Probe:
    template = draw(st.sampled_from(PATH_TEMPLATES + [f"/api/users/{t.user}", f"/students/{t.student}/edit"]))
    path = template.format(*draw(st.lists(segment, min_size=2, max_size=2)))
    method = draw(st.sampled_from(METHODS))
    return Probe("path", t.http(method, path), method=method, prescribed=unimplemented(method))


@st.composite
def queries(draw, t: Target) -> Probe:
    path = draw(st.sampled_from(QUERY_PATHS)) + "?" + draw(query)
    method = draw(st.sampled_from(["GET", "GET", "HEAD", "POST"]))
    return Probe("query", t.http(method, path), method=method)


@st.composite
def forms(draw, t: Target) -> Probe:
    """Form posts without a valid CSRF token, to every form; with one, to the forms that store no row."""
    forged_token = draw(st.one_of(st.just(""), st.just(one_changed(t.csrf, len(t.csrf) - 1)),
                                  st.text(max_size=100).map(lambda s: quote(s, safe=""))))
    fields = draw(st.lists(st.tuples(st.sampled_from(FORM_FIELDS), small), max_size=8))
    if draw(st.booleans()):  # the same-site browser with its session, but its token is not the right one
        headers = [("Cookie", f"session={t.session}"), ("Referer", f"{t.origin}/")]
    else:
        headers = draw(st.sampled_from([[], [("Referer", f"https://{EVIL}/")], [("Origin", "null")]]))
    if draw(st.integers(0, 4)) == 0:  # a valid token, to routes that keep their data in the session only
        path = draw(st.sampled_from(["/login", "/login?next=" + draw(small), "/session/set", "/session/pop",
                                     "/flash/" + draw(small)]))
        headers, forged_token = t.valid_csrf()[:2], t.csrf
    else:
        path = draw(st.sampled_from([
            "/contact", "/mail", "/login", "/logout", "/session/set", "/students/new", f"/students/{t.student}/edit",
            f"/students/{t.student}/delete", "/uploader", "/ajax/hello", "/ajax/sijax", "/request", "/myview",
            "/flash/error", "/students/99999999999/delete"]))
    fields.append(("csrf_token", forged_token))
    body, content_type = draw(form_body(fields))
    if content_type is not None:
        headers = [*headers, ("Content-Type", content_type)]
    return Probe("form", t.http("POST", path, headers, body), method="POST")


@st.composite
def form_body(draw, fields: list[tuple[str, str]]):
    kind = draw(st.sampled_from(["urlencoded", "urlencoded", "multipart", "broken multipart", "raw"]))
    if kind == "urlencoded":
        return "&".join(f"{quote(k)}={v}" for k, v in fields).encode("latin-1", "replace"), \
            "application/x-www-form-urlencoded"
    if kind == "raw":
        return draw(st.binary(max_size=200)), draw(st.one_of(st.none(), st.text(max_size=40).map(no_newline).map(
            lambda s: s.encode("latin-1", "replace").decode("latin-1"))))
    boundary = draw(st.from_regex(r"[A-Za-z0-9'()+_,./:=?-]{1,70}", fullmatch=True))
    filename = draw(st.sampled_from(["x.txt", "../../etc/passwd", "..\\..\\x.txt", "a\x00.txt", "x.html",
                                     "é.png", "a" * 300 + ".txt", ".htaccess", ""]))
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in fields]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                 f"Content-Type: text/plain\r\n\r\n{draw(small)}\r\n")
    body = "".join(parts) + (f"--{boundary}--\r\n" if kind == "multipart" else draw(st.sampled_from(
        ["", f"--{boundary}", "--other--\r\n", f"--{boundary}--"])))
    header = f"multipart/form-data; boundary={boundary}" if kind == "multipart" else draw(st.sampled_from([
        f"multipart/form-data; boundary={boundary}", "multipart/form-data", 'multipart/form-data; boundary=""',
        "multipart/mixed; boundary=x"]))
    return body.encode(), header


@st.composite
def json_posts(draw, t: Target) -> Probe:
    body = draw(json_body)
    content_type = draw(st.sampled_from(JSON_TYPES))
    where = draw(st.sampled_from(["api", "api", "methods", "ajax", "sijax"]))
    if where == "api":  # a write with no valid bearer token: 401 before the body is read
        method = draw(st.sampled_from(["POST", "PUT", "DELETE"]))
        user = draw(st.one_of(st.just(str(t.user)), st.integers(-5, 2**70).map(str)))
        path = "/api/users/" if method == "POST" else f"/api/users/{user}"
        auth = draw(st.sampled_from([[], [("Authorization", "Bearer")], [("Authorization", "Bearer wrong-token")],
                                     [("Authorization", "Basic YXBpOmFwaQ==")], [("Authorization", "bearer  ")],
                                     [("Authorization", "Bearer " + "x" * 5000)]]))
        return Probe("json", t.http(method, path, [*auth, ("Content-Type", content_type)], body), method=method)
    if where == "methods":  # public and CSRF-exempt: it parses the JSON and echoes it back
        method = draw(st.sampled_from(["POST", "PUT"]))
        return Probe("json", t.http(method, "/methods", [("Content-Type", content_type)], body), method=method)
    if where == "ajax":
        return Probe("json", t.http("POST", "/ajax/hello", [*t.valid_csrf(), ("Content-Type", content_type)], body),
                     method="POST")
    form = f"sijax_rq=say_hi&sijax_args={quote(body)}&csrf_token={t.csrf}".encode()  # Sijax parses the JSON itself
    headers = [*t.valid_csrf()[:2], ("Content-Type", "application/x-www-form-urlencoded")]
    return Probe("json", t.http("POST", "/ajax/sijax", headers, form), method="POST")
