"""Error reports to Sentry (or any server that takes its envelopes) when SENTRY_DSN is set.

sentry-sdk is set up where the app is created, and every front end creates it in the process that
serves: gunicorn's workers (deploy/gunicorn/conf.py sets no preload_app, so each worker imports
wsgi.py after the fork), each mod_wsgi daemon process (WSGIImportScript runs there, never in Apache's
parent) and each flup back end (one process, no fork; a SIGHUP re-executes it). The SDK's sending
thread starts with the first report of the process that has it.

An unhandled error is reported once: Flask's got_request_exception signal reports it, and
app/errors.py then logs it at ERROR with the same exception, which the SDK's dedupe drops; the client
still gets the app's own 500 page. HTTP errors (400, 404, 503...) are answers, not reports.
"""
from flask import Blueprint, Flask, g, has_request_context, request

# What the SDK may take from a request: nothing of the user's. Said with its data_collection option:
# send_default_pii, which said it before, is deprecated in sentry-sdk 2.75 and gone in 3.0 (init()
# refuses it there); this one also replaces max_request_body_size and include_local_variables.
DATA_COLLECTION = {
    "user_info": False,  # no user, no client address (REMOTE_ADDR, X-Forwarded-For)
    "cookies": {"mode": "off"},  # the session cookie, and any other
    # Headers, but the SDK's denylist turns any whose name holds auth, token, csrf, session, key...
    # into [Filtered] (Cookie always), and these terms drop the client's address too.
    "http_headers": {"request": {"mode": "denylist", "terms": ["forwarded", "-ip", "remote-", "via", "-user"]}},
    "http_bodies": [],  # no form fields, JSON, files or outgoing bodies
    "url_query_params": {"mode": "off"},  # a query string may hold an address or a search
    "database_query_data": False,  # the SQL of each query as a breadcrumb, never its values
    # A frame's local variables carry what the request did: the WSGI environ in Werkzeug's frames
    # (Cookie header and all), the form a view read.
    "stack_frame_variables": False,
}

bp = Blueprint("error_reports", __name__)


class DeliberateError(RuntimeError):
    """What /error-test raises (ERROR_TEST_ROUTE=true): an error no handler expects, on purpose."""


@bp.route("/error-test", methods=["GET", "POST"])
def error_test():
    fields = request.form.to_dict()  # read, as a real view would, so a leak of the form would show
    raise DeliberateError(f"/error-test: an unhandled error on purpose ({len(fields)} form fields)")


def before_send(event: dict, hint: dict) -> dict:
    """Tag the report with the request's id, the one in its log lines and its X-Request-ID."""
    if has_request_context() and "request_id" in g:
        event.setdefault("tags", {})["request_id"] = g.request_id
    return event


def init_app(app: Flask) -> None:
    dsn = app.config.get("SENTRY_DSN")
    if not dsn:
        return
    # Imported here: a site without error reports never loads the SDK and its integrations.
    import sentry_sdk
    from sentry_sdk.integrations.flask import FlaskIntegration
    from sentry_sdk.integrations.sqlalchemy import SqlalchemyIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=app.config["SENTRY_ENVIRONMENT"],
        release=app.config["SENTRY_RELEASE"],  # given, so the SDK never runs git to guess one
        traces_sample_rate=app.config["SENTRY_TRACES_SAMPLE_RATE"],
        integrations=[FlaskIntegration(), SqlalchemyIntegration()],
        data_collection=DATA_COLLECTION,
        before_send=before_send,
        shutdown_timeout=app.config["SENTRY_SHUTDOWN_TIMEOUT"],
    )
