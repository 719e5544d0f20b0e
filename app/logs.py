"""Logs on stdout (or the journal), one line per event, each carrying the request id."""
import logging
import logging.handlers
import sys

from flask import Flask, g, has_request_context

FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
# The journal stamps each line itself and files it under this identifier: journalctl -t flask-reference.
SYSLOG_FORMAT = "flask-reference: %(levelname)s [%(request_id)s] %(name)s: %(message)s"
SYSLOG_SOCKET = "/dev/log"


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def _handler(destination: str) -> logging.Handler:
    if destination == "syslog":
        handler = logging.handlers.SysLogHandler(SYSLOG_SOCKET)
        handler.setFormatter(logging.Formatter(SYSLOG_FORMAT))
        return handler
    if destination != "stdout":
        raise SystemExit(f"LOG_DESTINATION={destination!r}: use stdout or syslog")
    # Replaces Flask's stderr handler: containers and process managers collect stdout.
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter(FORMAT))
    return handler


def init_app(app: Flask) -> None:
    app.logger.handlers.clear()
    handler = _handler(app.config["LOG_DESTINATION"])
    handler.addFilter(RequestIdFilter())
    app.logger.addHandler(handler)
    app.logger.setLevel(app.config["LOG_LEVEL"])
    app.logger.propagate = False
