"""A small HTTP client for the front-end tests: keeps cookies, follows no redirects, raw paths."""
import http.client
import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

# A form's hidden field, or the meta of a page whose script posts: pages with neither make no session.
CSRF = re.compile(r'name="csrf[-_]token"[^>]*? (?:content|value)="([^"]+)"')


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    def __init__(self, base_url: str, context=None):
        """`context`: the SSL context that trusts the stack (default: SSL_CERT_FILE's CAs)."""
        self.base = base_url.rstrip("/")
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect,
                                                  urllib.request.HTTPSHandler(context=context))

    def open(self, path, method="GET", data=None, headers=None) -> Answer:
        headers = dict(headers or {})
        if method != "GET":
            # As a browser does on a same-site form post; Flask-WTF requires it over HTTPS.
            headers.setdefault("Referer", self.base + "/")
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with self.opener.open(request, timeout=30) as response:
                return Answer(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.headers, error.read())

    def csrf_token(self, page="/login") -> str:
        return CSRF.search(self.open(page).text).group(1)

    def post_form(self, path, fields: dict) -> Answer:
        body = urllib.parse.urlencode({"csrf_token": self.csrf_token(), **fields}).encode()
        return self.open(path, "POST", body, {"Content-Type": "application/x-www-form-urlencoded"})
