"""Through each compose profile, beyond the route table: what only the real servers in their containers can get wrong."""
import http.client
import json
import re
import time
import urllib.parse

from tests.stacks import Stack

CSRF = re.compile(rb'name="csrf[-_]token"[^>]*? (?:content|value)="([^"]+)"')


def test_static_files_come_from_the_web_server(stack: Stack):
    answer = stack.request("GET", "/static/hello.js")
    assert answer.status == 200, answer.status
    assert re.fullmatch(r'"[0-9a-f]+-[0-9a-f]+"', answer.headers.get("etag", "")), answer.headers  # nginx's or Apache's
    assert answer.headers["cache-control"] == "no-cache"  # unversioned: revalidated (app/static_versions.py)


def test_an_upload_over_the_limit_gets_413_from_the_web_server(stack: Stack):
    connection = http.client.HTTPSConnection(stack.host, stack.port, context=stack.ssl, timeout=30)
    size = 17 * 1024 * 1024  # over the default 16 MiB MAX_CONTENT_LENGTH
    connection.putrequest("POST", "/uploader")
    connection.putheader("Content-Type", "multipart/form-data; boundary=x")
    connection.putheader("Content-Length", str(size))
    connection.endheaders()
    try:
        connection.send(b"x" * size)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered before reading it all
    response = connection.getresponse()
    assert response.status == 413
    assert b"larger than this site's limit" in response.read()


def test_the_api_writes_to_postgresql_with_a_bearer_token(stack: Stack):
    name = f"e2e{int(time.time() * 1000)}"
    headers = {"Authorization": f"Bearer {stack.api_token}", "Content-Type": "application/json"}
    created = stack.request("POST", "/api/users/", json.dumps({"username": name, "email": "e2e@example.com"}).encode(), headers)
    assert created.status == 201, created.body[:200]
    assert name in stack.request("GET", "/api/users/").body.decode()
    if stack.host_network:  # the database's own port answers only there
        assert stack.sql("SELECT email FROM users WHERE username = %s", (name,)) == [("e2e@example.com",)]


def test_mail_reaches_mailhog(stack: Stack):
    page = stack.request("GET", "/mail")
    subject = f"e2e {time.time()}"
    form = {"csrf_token": CSRF.search(page.body).group(1).decode(), "recipient": "to@example.com", "subject": subject, "body": "hello"}
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": page.headers["set-cookie"].split(";")[0],
               "Referer": f"{stack.url}mail"}
    sent = stack.request("POST", "/mail", urllib.parse.urlencode(form).encode(), headers)
    assert sent.status == 303, sent.body[:300]
    deadline = time.monotonic() + stack.outbox_interval + 15  # the page queues it; the outbox sender's next round sends it
    while not any(f"Subject: {subject}".encode() in message for message in stack.delivered()):
        assert time.monotonic() < deadline, "the message never reached MailHog"
        time.sleep(0.5)


def test_forwarded_headers_from_a_client_are_not_believed(stack: Stack):
    spoofed = {"X-Forwarded-For": "6.6.6.6", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"}
    answer = stack.request("GET", "/request/info", headers=spoofed)
    info = json.loads(answer.body)
    assert answer.status == 200 and info["remote_addr"] != "6.6.6.6", info
    assert info["scheme"] == "https" and info["external_index"].startswith("https://"), info
    assert "evil.example" not in info["external_index"], info


def test_plain_http_redirects_to_https(stack: Stack):
    connection = http.client.HTTPConnection(stack.host, stack.http_port, timeout=30)
    connection.request("GET", "/about?x=1")
    response = connection.getresponse()
    assert response.status in (301, 308)
    assert response.headers["Location"].startswith("https://") and response.headers["Location"].endswith("/about?x=1")


def test_security_headers_everywhere_and_a_secure_session_cookie(stack: Stack):
    for path in ("/login", "/api/users/", "/no/such/page", "/static/hello.js"):
        headers = stack.request("GET", path).headers
        for name in ("content-security-policy", "x-content-type-options", "referrer-policy", "x-frame-options", "strict-transport-security"):
            assert headers.get(name), (path, name)
        assert re.fullmatch(r"[A-Za-z]*", headers.get("server", "")), headers["server"]  # no version
    cookie = stack.request("GET", "/login").headers["set-cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie
