"""Security headers on every kind of answer, secrets from files, cookies."""
import pytest

from app import create_app
from app.security import CONTENT_SECURITY_POLICY

PAGES = ["/", "/api/users/", "/no/such/page", "/abort/403", "/static/hello.js"]


@pytest.mark.parametrize("path", PAGES)
def test_every_answer_carries_the_security_headers(client, path):
    headers = client.get(path).headers
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.get("/", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains"


def test_no_page_has_an_inline_script_or_event_handler(client):
    for path in ["/", "/static-demo", "/ajax/sijax", "/ajax/fetch", "/contact", "/flash", "/students/", "/context"]:
        body = client.get(path).get_data(as_text=True)
        assert "<script>" not in body and " onclick=" not in body and "style=" not in body, path


def test_secret_key_and_database_password_can_come_from_files(tmp_path, monkeypatch):
    (tmp_path / "key").write_text("from-a-file\n")
    (tmp_path / "dbpass").write_text("s3cr3t\n")
    monkeypatch.setenv("SECRET_KEY_FILE", str(tmp_path / "key"))
    monkeypatch.setenv("DATABASE_URL", "postgresql://app@db:5432/app")
    monkeypatch.setenv("DATABASE_PASSWORD_FILE", str(tmp_path / "dbpass"))
    monkeypatch.setenv("UPLOAD_FOLDER", str(tmp_path / "up"))
    config = create_app().config
    assert config["SECRET_KEY"] == "from-a-file"
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql://app:s3cr3t@db:5432/app"


def test_session_cookie_is_secure_httponly_and_lax_when_configured(tmp_path):
    app = create_app({"TESTING": True, "SESSION_COOKIE_SECURE": True, "UPLOAD_FOLDER": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    cookie = app.test_client().get("/login", base_url="https://localhost").headers["Set-Cookie"]  # the CSRF token starts a session
    assert cookie.startswith("session=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_the_demo_cookie_is_secure_over_https(client):
    assert "Secure" in client.get("/cookies/set", base_url="https://localhost").headers["Set-Cookie"]
    assert "Secure" not in client.get("/cookies/set").headers["Set-Cookie"]
