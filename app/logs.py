"""Logs on stdout (or the journal), one line per event, each carrying the request id.

LOG_FORMAT=text (the default, for `make run`) writes FORMAT; LOG_FORMAT=json writes one JSON object
per line, the same schema from every part that logs (the app, gunicorn, flup; nginx and Apache
write it with their own log formats, deploy/nginx/snippets/flask-access-log.conf, deploy/apache/):

  time         "2026-12-03T09:10:24.123Z": ISO 8601, UTC, milliseconds (nginx and Apache write their
               local time, with its offset: "Z" or "+0000" in UTC, as in the containers)
  level        "INFO", "WARNING", "ERROR", ... (the web servers' access lines: "INFO")
  logger       "app", "gunicorn.error", "gunicorn.access", "flup", "nginx.access", "apache.access"
  message      the event in words; a request's as its text line says it: "GET /hello?x=1 200 3.1ms"
  request_id   the X-Request-ID the app answered with (nginx's $request_id, which it sends the app),
               "-" outside a request and for a file Apache serves itself
  exception    the traceback as one string; only on a line logged with one
A request's line (the app's for an answer >= 400, or every one with ACCESS_LOG=true; the access
logs of gunicorn, nginx and Apache) adds:
  method       "GET"
  path         "/hello": the decoded path, without the query string (message has it, as the text
               line does)
  status       200 (a number)
  duration_ms  12.3 (a number): the app's own time, or the server's for its line (nginx and
               Apache: whole milliseconds)
  remote_addr  the client's address as that part sees it (behind a proxy, the proxy's, unless
               PROXY_FIX_COUNT lets the app take it from X-Forwarded-For)
"""
import datetime
import json
import logging
import logging.handlers
import sys

from flask import Flask, g, has_request_context

FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
# The journal stamps each line itself and files it under this identifier: journalctl -t flask-reference.
SYSLOG_TAG = "flask-reference: "
SYSLOG_FORMAT = SYSLOG_TAG + "%(levelname)s [%(request_id)s] %(name)s: %(message)s"
SYSLOG_SOCKET = "/dev/log"
# What a request's line carries besides the message, passed with extra= (app/hooks.py).
REQUEST_FIELDS = ("method", "path", "status", "duration_ms", "remote_addr")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


class JsonFormatter(logging.Formatter):
    """The schema above, one object per line: json.dumps escapes every control character and,
    with ensure_ascii, the separators some readers take for newlines, so no field can forge a line."""

    def __init__(self, prefix: str = ""):
        super().__init__()
        self.prefix = prefix

    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.datetime.fromtimestamp(record.created, datetime.timezone.utc)
        entry = {
            "time": stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        entry.update({field: getattr(record, field) for field in REQUEST_FIELDS if hasattr(record, field)})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return self.prefix + json.dumps(entry)


def formatter(log_format: str, syslog: bool = False) -> logging.Formatter:
    if log_format == "json":
        return JsonFormatter(SYSLOG_TAG if syslog else "")
    if log_format != "text":
        raise SystemExit(f"LOG_FORMAT={log_format!r}: use text or json")
    return logging.Formatter(SYSLOG_FORMAT if syslog else FORMAT)


def _handler(destination: str, log_format: str) -> logging.Handler:
    if destination == "syslog":
        handler = logging.handlers.SysLogHandler(SYSLOG_SOCKET)
        handler.setFormatter(formatter(log_format, syslog=True))
        return handler
    if destination != "stdout":
        raise SystemExit(f"LOG_DESTINATION={destination!r}: use stdout or syslog")
    # Replaces Flask's stderr handler: containers and process managers collect stdout.
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter(log_format))
    return handler


def init_app(app: Flask) -> None:
    app.logger.handlers.clear()
    handler = _handler(app.config["LOG_DESTINATION"], app.config["LOG_FORMAT"])
    handler.addFilter(RequestIdFilter())
    app.logger.addHandler(handler)
    app.logger.setLevel(app.config["LOG_LEVEL"])
    app.logger.propagate = False
