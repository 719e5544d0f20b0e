"""Settings: defaults in code, values from environment variables (listed in .env.example).

The defaults deploy/ needs too (the body limit nginx and Apache enforce, the pool sizing.py counts)
are written once, in deploy/defaults.env, and read from there.

Plain helpers rather than environs: four short readers say exactly what this app needs (an empty
variable is unset, as compose passes `${NAME:-}`; NAME_FILE holds a secret), with no marshmallow.
"""
import os
from importlib import metadata

from dotenv import dotenv_values
from sqlalchemy.engine import make_url

from deploy import defaults

# The only key allowed outside debug and testing is one the operator chose.
DEV_SECRET_KEY = "dev-only-not-a-secret"
PACKAGE = "flask-reference-app"  # pyproject.toml's name, whose version names a build without BUILD_REVISION
SHARED = {name: int(defaults()[name]) for name in ("MAX_CONTENT_LENGTH", "DATABASE_POOL_SIZE", "DATABASE_MAX_OVERFLOW",
                                                   "DATABASE_TIMEOUT", "DATABASE_POOL_TIMEOUT")}


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


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
    # No pool_pre_ping: app/database.py pings only a connection that sat idle in the pool.
    options = {}
    if url.startswith("postgresql"):
        # Each process opens at most pool_size + max_overflow connections, and no more than its
        # threads use at once: processes × min(threads, pool_size + max_overflow) must stay under
        # PostgreSQL's max_connections (README "Timeouts and limits"; tests/test_limits.py).
        # A thread that finds the pool empty waits pool_timeout seconds, then gets an error.
        options["pool_size"] = _int("DATABASE_POOL_SIZE", SHARED["DATABASE_POOL_SIZE"])
        options["max_overflow"] = _int("DATABASE_MAX_OVERFLOW", SHARED["DATABASE_MAX_OVERFLOW"])
        options["pool_timeout"] = _int("DATABASE_POOL_TIMEOUT", SHARED["DATABASE_POOL_TIMEOUT"])
        # Every wait for the server is bounded by DATABASE_TIMEOUT on this side (app/database.py).
        # PostgreSQL cancels a statement first, so a slow query on a healthy server gets the server's
        # own error, on a connection that stays usable, and is not taken for a stuck server.
        # Keepalives and tcp_user_timeout drop a connection whose network went away.
        timeout = database_timeout()
        options["connect_args"] = {
            "connect_timeout": timeout,  # for processes that wait without app/database.py's callback
            "options": f"-c statement_timeout={statement_timeout(timeout)}",
            "keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 5, "keepalives_count": 3,
            "tcp_user_timeout": timeout * 1000,
        }
    return options


def database_timeout() -> int:
    """Seconds the app waits for any one answer of the database: a connect, a statement, a commit."""
    return _int("DATABASE_TIMEOUT", SHARED["DATABASE_TIMEOUT"])


def statement_timeout(timeout: int) -> int:
    """Milliseconds PostgreSQL lets a statement run: by default half a second under DATABASE_TIMEOUT."""
    milliseconds = _int("DATABASE_STATEMENT_TIMEOUT", timeout * 1000 - 500)
    if not 0 < milliseconds < timeout * 1000:
        raise SystemExit(f"DATABASE_STATEMENT_TIMEOUT ({milliseconds} ms) must be under DATABASE_TIMEOUT ({timeout} s):"
                         " the server cancels a slow statement before the app gives up on the server")
    return milliseconds


def from_env(instance_path: str) -> dict:
    """Read every setting once, when the app is created."""
    url = database_url(instance_path)
    return {
        "SECRET_KEY": _secret("SECRET_KEY") or DEV_SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(url),
        "DATABASE_TIMEOUT": database_timeout(),
        # Seconds every database call fails at once after one timed out (then one probes).
        "DATABASE_COOLDOWN": _int("DATABASE_COOLDOWN", 2),
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
        # How long a sender's claim on a message lasts (app/mail/outbox.py): longer than a send can
        # take (a few SMTP replies, each within MAIL_TIMEOUT), since another sender takes it after.
        "OUTBOX_LEASE": _int("OUTBOX_LEASE", 60),
        # Where uploads go (app/uploads/storage.py): "local", UPLOAD_FOLDER (on several hosts a shared
        # NFS or ReadWriteMany volume), or "s3", a bucket of AWS S3 or of any S3-compatible store.
        "UPLOAD_STORAGE": (os.environ.get("UPLOAD_STORAGE") or "local").strip().lower(),
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_FOLDER") or os.path.join(instance_path, "uploads"),
        "UPLOAD_S3_BUCKET": os.environ.get("UPLOAD_S3_BUCKET") or None,
        "UPLOAD_S3_ENDPOINT_URL": os.environ.get("UPLOAD_S3_ENDPOINT_URL") or None,  # None: AWS itself
        "UPLOAD_S3_PREFIX": os.environ.get("UPLOAD_S3_PREFIX") or "uploads/",
        # The standard AWS names; unset, boto3 looks further itself (~/.aws, an instance or pod role).
        "UPLOAD_S3_ACCESS_KEY_ID": os.environ.get("AWS_ACCESS_KEY_ID") or None,
        "UPLOAD_S3_SECRET_ACCESS_KEY": _secret("AWS_SECRET_ACCESS_KEY"),
        "UPLOAD_S3_REGION": os.environ.get("AWS_DEFAULT_REGION") or None,
        # Seconds for a connect and for each read, and attempts in all: a stalled store answers 503
        # after at most attempts × timeout, well within the app servers' own timeouts.
        "UPLOAD_S3_TIMEOUT": _int("UPLOAD_S3_TIMEOUT", 5),
        "UPLOAD_S3_ATTEMPTS": _int("UPLOAD_S3_ATTEMPTS", 3),
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", SHARED["MAX_CONTENT_LENGTH"]),
        # Extensions an upload may have. Never html, svg or js: served back, they could run as this site.
        "UPLOAD_EXTENSIONS": _list("UPLOAD_EXTENSIONS", "txt,md,csv,pdf,png,jpg,jpeg,gif,webp,zip"),
        "CORS_ORIGINS": _list("CORS_ORIGINS", "*"),
        "API_TOKEN": os.environ.get("API_TOKEN") or None,
        # false: no /metrics, nothing counted per request (README "Metrics" measures what they cost).
        "METRICS": _bool("METRICS", True),
        # Lets a scraper that is not on this host read /metrics (Authorization: Bearer ...); loopback
        # clients need none. Unset: /metrics answers this host only (app/metrics/views.py).
        "METRICS_TOKEN": _secret("METRICS_TOKEN"),
        # How long a write's Idempotency-Key (and a form's submission token) gives its first answer back.
        "IDEMPOTENCY_KEY_HOURS": _int("IDEMPOTENCY_KEY_HOURS", 24),
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
        # Off by default: the view's duration in a Server-Timing header tells any client how long
        # each answer took (a timing side channel); the log line has it either way.
        "SERVER_TIMING": _bool("SERVER_TIMING", False),
        # A line per request from the app too. Off: every front end's web server logs each request
        # once, with its X-Request-ID and duration, for a fraction of the app's cost (issue 19);
        # answers of 400 and above are logged by the app either way.
        "ACCESS_LOG": _bool("ACCESS_LOG", False),
        # stdout, or syslog: the journal's /dev/log, for app servers whose stdout is not the app's
        # own (mod_wsgi tags every line written there as an Apache error, [wsgi:error]).
        "LOG_DESTINATION": os.environ.get("LOG_DESTINATION", "stdout").lower(),
        # text for a person at a terminal; json, one object per line (schema: app/logs.py), for a
        # log collector. The containers' images and manifests set json.
        "LOG_FORMAT": os.environ.get("LOG_FORMAT", "text").lower(),
        # Error reports (app/error_reports.py), off while SENTRY_DSN is unset; the DSN may come from
        # a file. A traces sample rate above 0 traces that fraction of requests too (a cost per request).
        "SENTRY_DSN": _secret("SENTRY_DSN"),
        "SENTRY_ENVIRONMENT": os.environ.get("SENTRY_ENVIRONMENT") or "production",
        "SENTRY_RELEASE": os.environ.get("SENTRY_RELEASE") or release(),
        "SENTRY_TRACES_SAMPLE_RATE": _float("SENTRY_TRACES_SAMPLE_RATE", 0.0),
        # Seconds a stopping process waits for reports still queued: it exits then, sent or not.
        "SENTRY_SHUTDOWN_TIMEOUT": _float("SENTRY_SHUTDOWN_TIMEOUT", 2.0),
        # true: /error-test answers every request with an unhandled error, to prove reports arrive.
        "ERROR_TEST_ROUTE": _bool("ERROR_TEST_ROUTE", False),
    }


def release() -> str:
    """What this build is: BUILD_REVISION (set where it is built), else the installed package's version."""
    if os.environ.get("BUILD_REVISION"):
        return os.environ["BUILD_REVISION"]
    try:
        return f"{PACKAGE}@{metadata.version(PACKAGE)}"
    except metadata.PackageNotFoundError:  # the code run from a checkout that was never installed
        return f"{PACKAGE}@unknown"


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
