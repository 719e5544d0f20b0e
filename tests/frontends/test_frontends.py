"""Each front end, driven through its real web server: the route table and what only a server can get wrong."""
import email
import http.client
import json
import os
import re
import time

import psycopg2
import pytest

from tests.frontends.browser import Browser
from tests.route_table import ROUTES, check
from tests.frontends.conftest import BODY_LIMIT


def https_connection(stack) -> http.client.HTTPSConnection:
    """A raw connection, for requests a normal client would not send (SSL_CERT_FILE trusts the local CA)."""
    return http.client.HTTPSConnection("127.0.0.1", stack.port, timeout=30)


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_route_table_through_the_front_end(stack, route):
    from urllib.parse import urlsplit

    assert check(urlsplit(stack.url), route) is None


def test_static_files_are_served_by_the_web_server_not_flask(stack):
    answer = Browser(stack.url).open("/static/hello.js")
    assert answer.status == 200 and b"function sayHello()" in answer.body
    # Files from nginx or Apache carry a hex ETag such as "6555f2a1-1a2"; Werkzeug's says no-cache.
    assert re.fullmatch(r'"[0-9a-f]+-[0-9a-f]+"', answer.headers["ETag"])
    assert answer.headers["Cache-Control"] == "no-cache"  # unversioned: revalidated (app/static_versions.py)
    assert answer.headers["Server"] in ("nginx", "Apache")


@pytest.mark.parametrize(
    "path",
    ["/static../yourapplication.wsgi", "/static/../yourapplication.wsgi", "/static/..%2f..%2fyourapplication.wsgi",
     "/static/%2e%2e/%2e%2e/yourapplication.wsgi", "/static../app/__init__.py", "/static/"],
)
def test_static_alias_leaks_no_file_from_outside_the_static_folder(stack, path):
    connection = https_connection(stack)
    connection.request("GET", path)  # sent exactly as written, no client-side normalising
    response = connection.getresponse()
    body = response.read()
    assert response.status in (400, 403, 404)
    assert b"create_app" not in body and b"import" not in body


def post_raw(stack, path, body: bytes, content_type: str) -> tuple[int, bytes]:
    """POST a body even when the server answers before reading it (as it does for an oversize one)."""
    connection = https_connection(stack)
    connection.putrequest("POST", path)
    connection.putheader("Content-Type", content_type)
    connection.putheader("Content-Length", str(len(body)))
    connection.endheaders()
    try:
        connection.send(body)
    except (BrokenPipeError, ConnectionResetError):
        pass
    response = connection.getresponse()
    return response.status, response.read()


def test_an_upload_over_the_limit_gets_413_from_the_web_server(stack):
    boundary = "b0undary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n\r\n").encode()
    body += b"x" * (BODY_LIMIT + 1) + f"\r\n--{boundary}--\r\n".encode()
    stored = set(os.listdir(os.path.join(stack.state, "uploads")))
    status, answer = post_raw(stack, "/uploader", body, f"multipart/form-data; boundary={boundary}")
    assert status == 413
    assert b"larger than this site's limit" in answer  # the web server's page, not Flask's
    assert set(os.listdir(os.path.join(stack.state, "uploads"))) == stored


def test_an_upload_under_the_limit_reaches_the_app(stack):
    answer = multipart_upload(Browser(stack.url), "../../escape.txt", b"y" * 1000)
    assert answer.status == 303
    assert "escape.txt" in os.listdir(os.path.join(stack.state, "uploads"))


def test_forwarded_headers_from_a_client_are_not_believed(stack):
    spoofed = {"X-Forwarded-For": "6.6.6.6", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example", "X-Forwarded-Ssl": "on"}
    info = Browser(stack.url).open("/request/info", headers=spoofed)
    assert info.status == 200, info.text
    data = json.loads(info.body)
    assert data["remote_addr"] == "127.0.0.1"
    assert data["scheme"] == "https"  # what the client really used, not what it claimed
    assert data["external_index"] == f"https://127.0.0.1:{stack.port}/"


def test_external_urls_and_redirects_carry_https_and_the_host_and_port_the_client_used(stack):
    port = stack.port
    browser = Browser(stack.url)
    # localhost: one of the site's names (SERVER_ALIASES) other than the address connected to.
    info = json.loads(browser.open("/request/info", headers={"Host": f"localhost:{port}"}).body)
    assert info["external_index"] == f"https://localhost:{port}/"
    assert info["scheme"] == "https" and info["url"].startswith("https://")
    assert browser.open("/python").headers["Location"] in ("/python/", f"https://127.0.0.1:{port}/python/")


def test_plain_http_redirects_to_https_except_the_acme_challenge(stack):
    plain = Browser(stack.http_url)
    answer = plain.open("/about?x=1")
    assert answer.status in (301, 308)
    assert answer.headers["Location"] == f"https://127.0.0.1:{stack.port}/about?x=1"
    challenge = os.path.join(stack.state, "acme", ".well-known", "acme-challenge")
    os.makedirs(challenge, exist_ok=True)
    with open(os.path.join(challenge, "token123"), "w") as token:
        token.write("token123.thumbprint")
    os.chmod(challenge, 0o755)
    answer = plain.open("/.well-known/acme-challenge/token123")
    assert answer.status == 200 and answer.text == "token123.thumbprint"


def test_https_answers_carry_hsts_and_a_secure_session_cookie(stack):
    browser = Browser(stack.url)
    page = browser.open("/login")
    assert page.headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains"
    cookie = page.headers["Set-Cookie"]
    assert cookie.startswith("session=") and "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert browser.open("/static/hello.js").headers["Strict-Transport-Security"].startswith("max-age=63072000")


def test_a_page_without_a_form_sets_no_cookie_and_a_form_page_keeps_out_of_shared_caches(stack):
    browser = Browser(stack.url)
    for path in ("/", "/no/such/page"):
        answer = browser.open(path)
        assert "Set-Cookie" not in answer.headers and "Cookie" in ",".join(answer.headers.get_all("Vary")), path
    form = browser.open("/login")
    assert form.headers["Set-Cookie"].startswith("session=") and "private" in form.headers["Cache-Control"]
    assert "Server-Timing" not in form.headers  # off unless SERVER_TIMING says otherwise


def test_head_answers_with_headers_and_no_body(stack):
    connection = https_connection(stack)
    connection.request("HEAD", "/")
    response = connection.getresponse()
    assert response.status == 200 and response.read() == b""
    assert int(response.headers["Content-Length"]) > 0 or response.headers.get("Transfer-Encoding")


def test_the_session_cookie_survives_a_round_trip_and_csrf_forms_work(stack):
    browser = Browser(stack.url)
    answer = browser.post_form("/login?next=/about", {"username": "ann"})
    assert answer.status == 302 and answer.headers["Location"].endswith("/about")
    assert "Logged in as ann." in browser.open("/about").text
    assert browser.post_form("/contact", {"name": "Ann", "gender": "F", "email": "a@example.com", "age": "30", "language": "py"}).status == 200


def test_mail_reaches_the_smtp_sink(stack):
    subject = f"through {stack.frontend}"
    answer = Browser(stack.url).post_form("/mail", {"recipient": "to@example.com", "subject": subject, "body": "hi", "attach": "y"})
    assert answer.status == 303, answer.text
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        subjects = [email.message_from_bytes(message)["Subject"] for message in stack.delivered()]
        if subject in subjects:
            break
        time.sleep(0.2)
    assert subject in subjects


def test_users_api_works_end_to_end_against_postgresql(stack):
    browser = Browser(stack.url)
    auth = {"Authorization": f"Bearer {stack.api_token}", "Content-Type": "application/json"}
    name = f"api-{stack.frontend}"
    created = browser.open("/api/users/", "POST", f'{{"username": "{name}", "email": "x@example.com"}}'.encode(), auth)
    assert created.status == 201, created.text  # Apache passes Authorization only with WSGIPassAuthorization On
    location = created.headers["Location"]
    with psycopg2.connect(stack.database_url) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT email FROM users WHERE username = %s", (name,))
        assert cursor.fetchone() == ("x@example.com",)
    path = location[location.index("/api/"):]
    assert browser.open(path, "PUT", f'{{"username": "{name}", "email": "y@example.com"}}'.encode(), auth).status == 200
    assert browser.open(path, "DELETE", headers=auth).status == 204
    assert browser.open(path).status == 404
    assert browser.open("/api/users/", "POST", b"{}", {"Content-Type": "application/json"}).status == 401


def test_text_answers_are_compressed_for_clients_that_ask(stack):
    answer = Browser(stack.url).open("/", headers={"Accept-Encoding": "gzip"})
    assert answer.headers["Content-Encoding"] == "gzip"
    import gzip

    assert b"Every topic of the Flask notes" in gzip.decompress(answer.body)


def multipart_upload(browser, filename: str, content: bytes):
    token = browser.csrf_token()
    boundary = "b0undary"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n\r\n').encode()
    body += content + f"\r\n--{boundary}--\r\n".encode()
    return browser.open("/uploader", "POST", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})


@pytest.mark.parametrize("filename", ["evil.html", "x.svg"])
def test_an_upload_that_could_run_as_this_site_is_refused_and_nothing_is_stored(stack, filename):
    uploads = os.path.join(stack.state, "uploads")
    stored = set(os.listdir(uploads))
    answer = multipart_upload(Browser(stack.url), filename, b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>")
    assert answer.status == 400 and "files are not accepted here" in answer.text
    assert set(os.listdir(uploads)) == stored


def test_an_uploaded_file_comes_back_only_as_a_download(stack):
    browser = Browser(stack.url)
    assert multipart_upload(browser, f"page-{stack.frontend}.txt", b"<html><script>alert(1)</script></html>").status == 303
    try:
        answer = browser.open(f"/uploads/page-{stack.frontend}.txt")
        assert answer.status == 200
        assert answer.headers["Content-Disposition"].startswith("attachment")
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Content-Type"].split(";")[0] not in ("text/html", "image/svg+xml")
    finally:
        os.remove(os.path.join(stack.state, "uploads", f"page-{stack.frontend}.txt"))
