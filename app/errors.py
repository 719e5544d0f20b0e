"""One way to answer an error: HTML for people, JSON for API clients, never a traceback."""
from flask import Flask, current_app, jsonify, render_template, request
from markupsafe import escape
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import ObjectDeletedError, StaleDataError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import Conflict, HTTPException, InternalServerError, NotFound, SecurityError, ServiceUnavailable
from werkzeug.http import HTTP_STATUS_CODES

from .database import CommitUnconfirmed
from .extensions import db

# Headers an HTTP error carries that the client needs (405 Allow, 401 WWW-Authenticate, 503 Retry-After).
KEPT_HEADERS = ("Allow", "WWW-Authenticate", "Retry-After")
# For a request refused before routing (a Host not in TRUSTED_HOSTS) the app has no URL adapter,
# so the layout's url_for() cannot run: such a request gets this page, which links nowhere.
BARE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{code} {name}</title></head>
<body><h1>{code} {name}</h1><p>{message}</p></body></html>
"""


def wants_json() -> bool:
    if request.path.startswith("/api/") or request.is_json:
        return True
    accept = request.accept_mimetypes
    return accept.best_match(["text/html", "application/json"]) == "application/json" and accept["application/json"] > accept["text/html"]


def error_response(status: int, message: str, **extra):
    """A JSON error body shaped the same for every API answer."""
    body = {"status": status, "error": HTTP_STATUS_CODES.get(status, "Error"), "message": message, **extra}
    return jsonify(body), status


def describe(error: HTTPException) -> str:
    if error.code == 413:
        limit_mib = current_app.config["MAX_CONTENT_LENGTH"] / (1024 * 1024)
        return f"The upload is larger than the {limit_mib:g} MiB limit. Choose a smaller file."
    if error.code == 507:
        return "There is no room left to store the upload: nothing was saved. Try again later, or with a smaller file."
    if isinstance(error, SecurityError):  # Werkzeug's own text repeats the client's Host header
        return "This site does not answer to that host name."
    return error.description or ""


def routed() -> bool:
    return not isinstance(request.routing_exception, SecurityError)


def handle_http_error(error: HTTPException):
    message = describe(error)
    if wants_json():
        response, status = error_response(error.code, message, **({"errors": error.errors} if hasattr(error, "errors") else {}))
    elif not routed():
        html = BARE_PAGE.format(code=error.code, name=escape(error.name), message=escape(message))
        response, status = current_app.make_response(html), error.code
    else:
        html = render_template("errors/error.html", code=error.code, name=error.name, message=message)
        response, status = current_app.make_response(html), error.code
    response.status_code = status
    headers = dict(error.get_headers())
    for name in KEPT_HEADERS:
        if name in headers:
            response.headers[name] = headers[name]
    return response


def handle_database_unavailable(error: DBAPIError):
    """A lost or unreachable database is a temporary 503 with Retry-After, not a 500."""
    if not isinstance(error, OperationalError) and not error.connection_invalidated:
        raise error
    current_app.logger.warning("database unavailable: %s", f"{type(error.orig).__name__}: {error.orig}" if error.orig else error)
    db.session.rollback()  # the session must not keep a dead transaction for the next request
    if isinstance(error.orig, CommitUnconfirmed):  # the one case where a 503 cannot say "not saved"
        message = "The database did not confirm the change: it may have been saved. Check before you send it again."
    else:
        message = "The database is not answering. Please try again in a moment."
    return handle_http_error(ServiceUnavailable(message, retry_after=5))


def handle_pool_exhausted(error: PoolTimeout):
    """Every pooled connection stayed busy for DATABASE_POOL_TIMEOUT: the server is full, for now."""
    current_app.logger.warning("database pool exhausted: %s", error)
    return handle_http_error(ServiceUnavailable("The site is busy. Please try again in a moment.", retry_after=5))


def handle_row_gone(error: StaleDataError | ObjectDeletedError):
    """A racing request deleted the row this one was changing: it is gone, a 404 and not a 500."""
    current_app.logger.info("row deleted by a concurrent request: %s", error)
    db.session.rollback()
    return handle_http_error(NotFound("It was deleted by another request at the same time."))


def handle_write_conflict(error: IntegrityError):
    """A unique value taken by a racing request between this one's check and its write."""
    current_app.logger.info("write conflict: %s", error.orig.__class__.__name__ if error.orig else error)
    db.session.rollback()
    return handle_http_error(Conflict("Another request changed the same data at the same time. Reload and try again."))


def handle_unexpected_error(error: InternalServerError):
    # Flask routes unhandled exceptions here; the original is logged, the client sees a plain 500.
    current_app.logger.error("unhandled error", exc_info=error.original_exception or error)
    return handle_http_error(InternalServerError())


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(DBAPIError, handle_database_unavailable)
    app.register_error_handler(PoolTimeout, handle_pool_exhausted)
    app.register_error_handler(StaleDataError, handle_row_gone)
    app.register_error_handler(ObjectDeletedError, handle_row_gone)
    app.register_error_handler(IntegrityError, handle_write_conflict)
    app.register_error_handler(InternalServerError, handle_unexpected_error)
