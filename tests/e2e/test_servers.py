#!/usr/bin/env python3
"""Checks for a running compose stack beyond the route table: the ones only real servers can fail.

Usage: scripts/e2e_checks.py HTTPS_URL MAILHOG_URL API_TOKEN HTTP_URL. Standard library only;
SSL_CERT_FILE names the CA to trust for HTTPS_URL.
Prints one line per check and 'N passed, N failed'; exits 1 on any failure.
"""
import http.client
import json
import re
import sys
import time
import urllib.parse
import urllib.request

from smoke import report  # the same folder: one way to print results



def connect(base):
    connection_class = http.client.HTTPSConnection if base.scheme == "https" else http.client.HTTPConnection
    return connection_class(base.hostname, base.port, timeout=30)


def fetch(base, method, path, body=None, headers=None):
    connection = connect(base)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    return response.status, response.headers, response.read()


def static_comes_from_the_web_server(base, **_):
    status, headers, _body = fetch(base, "GET", "/static/hello.js")
    assert status == 200, status
    assert re.fullmatch(r'"[0-9a-f]+-[0-9a-f]+"', headers["ETag"] or ""), headers["ETag"]
    assert "max-age" in headers["Cache-Control"], headers["Cache-Control"]


def oversize_upload_gets_413_from_the_web_server(base, **_):
    connection = connect(base)
    size = 17 * 1024 * 1024  # over the default 16 MiB MAX_CONTENT_LENGTH
    connection.putrequest("POST", "/uploader")
    connection.putheader("Content-Type", "multipart/form-data; boundary=x")
    connection.putheader("Content-Length", str(size))
    connection.endheaders()
    try:
        connection.send(b"x" * size)
    except (BrokenPipeError, ConnectionResetError):
        pass
    response = connection.getresponse()
    assert response.status == 413, response.status
    assert b"larger than this site's limit" in response.read()


def the_api_writes_to_postgresql_with_a_bearer_token(base, token, **_):
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    name = f"e2e{int(time.time() * 1000)}"
    status, answer_headers, body = fetch(base, "POST", "/api/users/", json.dumps({"username": name, "email": "e2e@example.com"}), headers)
    assert status == 201, (status, body[:200])
    status, _, body = fetch(base, "GET", "/api/users/")
    assert name in body.decode(), body[:200]


def mail_reaches_mailhog(base, mailhog, **_):
    status, headers, body = fetch(base, "GET", "/mail")
    token = re.search(rb'name="csrf-token" content="([^"]+)"', body).group(1).decode()
    cookie = headers["Set-Cookie"].split(";")[0]
    subject = f"e2e {time.time()}"
    form = urllib.parse.urlencode({"csrf_token": token, "recipient": "to@example.com", "subject": subject, "body": "hello"})
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie, "Referer": f"{base.geturl()}/mail"}
    status, _, body = fetch(base, "POST", "/mail", form, headers)
    assert status == 303, (status, body[:300])
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{mailhog}/api/v2/messages", timeout=10) as response:
            items = json.load(response)["items"]
        if any(subject in item["Content"]["Headers"].get("Subject", []) for item in items):
            return
        time.sleep(0.5)
    raise AssertionError("the message never reached MailHog")


def client_forwarded_headers_are_not_believed(base, **_):
    spoofed = {"X-Forwarded-For": "6.6.6.6", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"}
    status, _, body = fetch(base, "GET", "/request/info", headers=spoofed)
    info = json.loads(body)
    assert status == 200 and info["remote_addr"] != "6.6.6.6", info
    assert info["scheme"] == "https" and info["external_index"].startswith("https://"), info
    assert "evil.example" not in info["external_index"], info


def plain_http_redirects_to_https(base, http_base, **_):
    status, headers, _ = fetch(http_base, "GET", "/about?x=1")
    assert status in (301, 308), status
    assert headers["Location"].startswith("https://") and headers["Location"].endswith("/about?x=1"), headers["Location"]


def security_headers_and_a_secure_session_cookie(base, **_):
    for path in ("/login", "/api/users/", "/no/such/page", "/static/hello.js"):
        _, headers, _ = fetch(base, "GET", path)
        for name in ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options", "Strict-Transport-Security"):
            assert headers[name], (path, name)
        assert re.fullmatch(r"[A-Za-z]*", headers.get("Server", "")), headers["Server"]
    _, headers, _ = fetch(base, "GET", "/login")
    cookie = headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie


CHECKS = [static_comes_from_the_web_server, oversize_upload_gets_413_from_the_web_server,
          the_api_writes_to_postgresql_with_a_bearer_token, mail_reaches_mailhog, client_forwarded_headers_are_not_believed,
          plain_http_redirects_to_https, security_headers_and_a_secure_session_cookie]


def run(check, **arguments):
    try:
        check(**arguments)
    except Exception as error:  # report every check, whatever went wrong
        return repr(error)
    return None


def main() -> int:
    arguments = {"base": urllib.parse.urlsplit(sys.argv[1]), "mailhog": sys.argv[2].rstrip("/"), "token": sys.argv[3],
                 "http_base": urllib.parse.urlsplit(sys.argv[4])}
    return report((check.__name__, run(check, **arguments)) for check in CHECKS)


if __name__ == "__main__":
    sys.exit(main())
