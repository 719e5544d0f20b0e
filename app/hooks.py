"""Callbacks around every request: request id, timing, maintenance switch, the lazy DB connection."""
import os
import re
import time

from flask import Flask, current_app, g, request, session
from werkzeug.exceptions import ServiceUnavailable

from .extensions import db

# A proxy's id is reused only when it is short and plain, so it cannot inject into logs or headers.
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
# What could end a log line or fake one: controls, and the separators some readers treat as newlines.
UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# What stays reachable while the maintenance flag is up, so health checks and assets keep working.
MAINTENANCE_EXEMPT = {"health.healthz", "health.readyz", "static"}


def get_db_connection():
    """The notes' `g.db`, done right: opened on first use in a request, closed in teardown."""
    if "db_conn" not in g:
        g.db_conn = db.engine.connect()
    return g.db_conn


def start_request():
    incoming = request.headers.get("X-Request-ID", "")
    # 32 random hex digits, as uuid4().hex gave, for a fifth of its cost (it runs on every request).
    g.request_id = incoming if REQUEST_ID.match(incoming) else os.urandom(16).hex()
    g.started = time.perf_counter()
    g.user = session.get("username")


def maintenance_switch():
    # A file, not a setting, so an operator flips it for every worker at once without a restart.
    if request.endpoint not in MAINTENANCE_EXEMPT and os.path.exists(current_app.config["MAINTENANCE_FILE"]):
        raise ServiceUnavailable("The site is down for maintenance. Please try again in a few minutes.", retry_after=60)


def finish_request(response):
    response.headers["X-Request-ID"] = g.get("request_id", "-")
    config = current_app.config
    # The web server in front logs every request once, with this id (deploy/); the app adds a line
    # only for an answer that went wrong, or for every one with ACCESS_LOG (no web server in front).
    logged = config["ACCESS_LOG"] or response.status_code >= 400
    if logged or config["SERVER_TIMING"]:
        elapsed_ms = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        if config["SERVER_TIMING"]:
            response.headers["Server-Timing"] = f"app;dur={elapsed_ms:.1f}"
        if logged:
            fields = {"method": request.method, "path": request.path, "status": response.status_code,
                      "duration_ms": round(elapsed_ms, 1), "remote_addr": request.remote_addr}
            current_app.logger.info("%s %s %s %.1fms", request.method, logged_target(), response.status_code,
                                    elapsed_ms, extra=fields)
    return response


def logged_target() -> str:
    """Path and query on one log line, whatever the client sent: the path is decoded, so %0a is a newline."""
    return UNPRINTABLE.sub(lambda c: f"\\x{ord(c.group()):02x}", request.full_path.rstrip("?"))


def close_db_connection(exception):
    # Teardown runs even when before_request failed, so the connection may never have been opened.
    connection = g.pop("db_conn", None)
    if connection is not None:
        connection.close()


def init_app(app: Flask) -> None:
    app.before_request(start_request)
    app.before_request(maintenance_switch)
    app.after_request(finish_request)
    app.teardown_request(close_db_connection)
