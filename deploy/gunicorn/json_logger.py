"""gunicorn's logger with LOG_FORMAT=json: its error and access lines in the app's JSON schema
(app/logs.py), written where errorlog and accesslog say, as gunicorn's own Logger would.

Why a Logger class rather than logconfig_dict and a JSON access_log_format: gunicorn escapes only
`"` in the atoms (glogging.SafeAtoms), so a path with a backslash or a decoded %0a would break a
JSON template; and logconfig_dict turns the access log on whatever accesslog says, with handlers
USR1 does not reopen.
"""
from gunicorn import glogging

from app.logs import JsonFormatter


def _header(headers, name: str) -> str | None:
    return next((value for key, value in headers if key.lower() == name), None)


class JsonLogger(glogging.Logger):
    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if getattr(handler, "_gunicorn", False):
                    handler.setFormatter(JsonFormatter())

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        duration_ms = round(request_time.total_seconds() * 1000, 1)
        # The app's answer carries the id it logged under: the proxy's, or one it made up.
        request_id = _header(resp.headers, "x-request-id") or _header(req.headers, "x-request-id") or "-"
        fields = {"request_id": request_id, "method": environ["REQUEST_METHOD"], "path": environ.get("PATH_INFO", ""),
                  "status": int(status), "duration_ms": duration_ms, "remote_addr": environ.get("REMOTE_ADDR") or "-"}
        self.access_log.info("%s %s %s %.1fms", fields["method"], environ.get("RAW_URI", fields["path"]),
                             status, duration_ms, extra=fields)
