"""gunicorn settings, each from an environment variable; workers and threads default to
deploy/sizing.py's formula (a process per core, at least 2; 4 threads each), plus HEALTH_THREADS
each for /healthz on a socket of its own (deploy/health.py).

Run: gunicorn -c python:deploy.gunicorn.conf   (a module, so the tests import the same values
gunicorn reads).
"""
import os

from deploy import metrics, sizing
from deploy.gunicorn import worker

# The app, as every front end but mod_wsgi imports it (wsgi.py); the project is installed in the venv.
wsgi_app = "wsgi:application"

bind = os.environ.get("GUNICORN_BIND", "unix:/run/flask-reference/gunicorn.sock").split(",")
# /healthz's own socket, served by threads of its own (deploy/gunicorn/worker.py), so a health check
# never queues behind app requests. A --bind on the command line replaces this list: name both there.
bind.append(worker.health_bind(bind))
# The socket nginx connects to: group-writable only (nginx's worker is in the app's group).
umask = int(os.environ.get("GUNICORN_UMASK", "0o007"), 8)
_counts = sizing.settings()
workers = _counts["WEB_CONCURRENCY"]
threads = _counts["GUNICORN_THREADS"]
# gthread, which keeps nginx's upstream connections alive (the sync worker closes every one), with
# threads of its own for the health bind. Even at one app thread: the sync worker has no room for them.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "deploy.gunicorn.worker.HealthThreadWorker")
# A worker silent this long is killed and replaced: for gthread, its main loop is stuck (a C call
# holding the GIL); for sync, also its one request. Longer than nginx's proxy_read_timeout
# (APP_RESPONSE_TIMEOUT, 35 s), so nginx has answered 504 before a worker dies under a request.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# Connections waiting for a worker to accept them; more than nginx opens at once, so a burst waits
# (bounded by proxy_read_timeout) instead of being refused with a 502.
backlog = int(os.environ.get("GUNICORN_BACKLOG", "2048"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "0"))
# Only the web server in front may set X-Forwarded-*; a unix socket peer has no address, so
# the socket's own permissions are what keep others out.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Heartbeat files in memory: a disk-backed /tmp can stall workers into timeouts.
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR", "/dev/shm" if os.path.isdir("/dev/shm") else None)
# Logs on stdout/stderr, for journald or the container runtime.
# None by default: nginx in front logs every request once, with its X-Request-ID. "-" (stdout) for
# a gunicorn with nothing in front; its line then carries the id and the milliseconds too.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms %({x-request-id}o)s'
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
# LOG_FORMAT=json: both logs in the app's JSON schema (app/logs.py); access_log_format is then unused.
if os.environ.get("LOG_FORMAT", "text").lower() == "json":
    logger_class = "deploy.gunicorn.json_logger.JsonLogger"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The control socket (gunicorn 27) is not used by this stack.
control_socket_disable = True
proc_name = "flask-reference"
# When started as root, the workers drop to this user (and the unix socket is chowned to it).
user = os.environ.get("GUNICORN_USER") or None
group = os.environ.get("GUNICORN_GROUP") or None


def on_starting(server):
    """The workers' metrics folder (deploy/metrics.py), empty for a master that starts afresh; a
    master re-executed by USR2 (it inherits its listeners: GUNICORN_FD) takes over the old one's."""
    folder = (metrics.use if os.environ.get("GUNICORN_FD") else metrics.start_afresh)("gunicorn")
    if os.geteuid() == 0:  # the workers drop to the configured user, and write there
        os.chown(folder, server.cfg.uid, server.cfg.gid)


def child_exit(server, worker):
    """A worker that ended, however it did (SIGKILL too): its live gauges go, its counts stay."""
    metrics.process_died(worker.pid)


def post_request(worker, req, environ, resp):
    """Read what the app left of the request body (a 401 or 404 never reads it).

    gunicorn 27 drains at most 64 KiB of an unread body before the next request on a keep-alive
    connection and closes the connection past that, after its answer already said keep-alive:
    nginx then sends another client's request on the closed connection, and a POST gets a 502.
    nginx has buffered the whole body (at most MAX_BODY_SIZE), so reading it here is quick.
    """
    body = environ.get("wsgi.input")
    while body is not None and body.read(65536):
        pass
