"""Settings: defaults in code, values from environment variables (listed in .env.example).

The defaults deploy/ needs too (the body limit nginx and Apache enforce, the pool sizing.py counts)
are written once, in deploy/defaults.env, and read from there.

Plain helpers rather than environs: four short readers say exactly what this app needs (an empty
variable is unset, as compose passes `${NAME:-}`; NAME_FILE holds a secret), with no marshmallow.
"""
import os

from dotenv import dotenv_values
from sqlalchemy.engine import make_url

from deploy import defaults

# The only key allowed outside debug and testing is one the operator chose.
DEV_SECRET_KEY = "dev-only-not-a-secret"
SHARED = {name: int(defaults()[name]) for name in ("MAX_CONTENT_LENGTH", "DATABASE_POOL_SIZE", "DATABASE_MAX_OVERFLOW")}


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret(name: str) -> str | None:
    """NAME, or the content of the file NAME_FILE (Docker and compose secrets), without the newline."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        with open(path) as secret:
            return secret.read().strip()
    return os.environ.get(name) or None


def database_url(instance_path: str) -> str:
    """DATABASE_URL (default SQLite in the instance folder), with DATABASE_PASSWORD[_FILE] put in."""
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{os.path.join(instance_path, 'app.sqlite3')}"
    # Heroku-style URLs say postgres://, which SQLAlchemy 2 no longer accepts.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    password = _secret("DATABASE_PASSWORD")
    if password:  # kept out of DATABASE_URL so it can come from a secret file
        url = make_url(url).set(password=password).render_as_string(hide_password=False)
    return url


def _engine_options(url: str) -> dict:
    options = {"pool_pre_ping": True}  # a connection dropped by a database restart is replaced, not used
    if url.startswith("postgresql"):
        # Each process opens at most pool_size + max_overflow connections, and no more than its
        # threads use at once: processes × min(threads, pool_size + max_overflow) must stay under
        # PostgreSQL's max_connections (README "Timeouts and limits"; tests/test_limits.py).
        # A thread that finds the pool empty waits pool_timeout seconds, then gets an error.
        options["pool_size"] = _int("DATABASE_POOL_SIZE", SHARED["DATABASE_POOL_SIZE"])
        options["max_overflow"] = _int("DATABASE_MAX_OVERFLOW", SHARED["DATABASE_MAX_OVERFLOW"])
        options["pool_timeout"] = _int("DATABASE_POOL_TIMEOUT", 10)
        # Fail fast rather than hang: a bounded connect, and no statement may run forever.
        options["connect_args"] = {
            "connect_timeout": _int("DATABASE_CONNECT_TIMEOUT", 5),
            "options": f"-c statement_timeout={_int('DATABASE_STATEMENT_TIMEOUT', 30000)}",
        }
    return options


def from_env(instance_path: str) -> dict:
    """Read every setting once, when the app is created."""
    url = database_url(instance_path)
    return {
        "SECRET_KEY": _secret("SECRET_KEY") or DEV_SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(url),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": _int("MAIL_PORT", 25),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", False),
        "MAIL_USE_SSL": _bool("MAIL_USE_SSL", False),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": _secret("MAIL_PASSWORD"),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "Flask reference <noreply@localhost>"),
        # With no MAIL_SERVER configured there is nowhere to send: log the message instead.
        "MAIL_SUPPRESS_SEND": _bool("MAIL_SUPPRESS_SEND", "MAIL_SERVER" not in os.environ),
        "MAIL_TIMEOUT": _int("MAIL_TIMEOUT", 10),
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_FOLDER") or os.path.join(instance_path, "uploads"),
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", SHARED["MAX_CONTENT_LENGTH"]),
        # Extensions an upload may have. Never html, svg or js: served back, they could run as this site.
        "UPLOAD_EXTENSIONS": _list("UPLOAD_EXTENSIONS", "txt,md,csv,pdf,png,jpg,jpeg,gif,webp,zip"),
        "CORS_ORIGINS": _list("CORS_ORIGINS", "*"),
        "API_TOKEN": os.environ.get("API_TOKEN") or None,
        "MAINTENANCE_FILE": os.environ.get("MAINTENANCE_FILE") or os.path.join(instance_path, "maintenance"),
        "PROXY_FIX_COUNT": _int("PROXY_FIX_COUNT", 0),
        "SERVER_NAME": os.environ.get("SERVER_NAME") or None,
        # Host names the app answers (a leading dot takes subdomains too); any other Host gets 400,
        # so a forged Host never reaches a link or a redirect. Unset: any host, as for `make run`.
        "TRUSTED_HOSTS": _list("TRUSTED_HOSTS", "") or None,
        "PREFERRED_URL_SCHEME": os.environ.get("PREFERRED_URL_SCHEME", "http"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", False),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO").upper(),
        # stdout, or syslog: the journal's /dev/log, for app servers whose stdout is not the app's
        # own (mod_wsgi tags every line written there as an Apache error, [wsgi:error]).
        "LOG_DESTINATION": os.environ.get("LOG_DESTINATION", "stdout").lower(),
    }


def require_production_secret(app) -> None:
    """Stop start-up when a production app would sign sessions with a known key."""
    if app.debug or app.testing:
        return
    if app.config.get("SECRET_KEY") in (None, "", DEV_SECRET_KEY):
        raise SystemExit(
            "SECRET_KEY is not set: export SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')"
            " (or SECRET_KEY_FILE=/path/to/a/file holding it); on a server it is in /etc/flask-reference/env,"
            " which `flask --app wsgi` reads"
        )


def load_env_file(path: str) -> None:
    """Read KEY=VALUE lines (the systemd EnvironmentFile / .env format) into os.environ.

    For servers that cannot pass an environment to the app, such as mod_wsgi's daemon processes.
    Variables already set win, so the real environment always overrides the file; a missing file
    adds nothing. Values are taken as written: no ${NAME} expansion.
    """
    for name, value in dotenv_values(path, interpolate=False).items():
        if value is not None:  # a line with no "=" sets nothing
            os.environ.setdefault(name, value)
