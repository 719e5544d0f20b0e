"""The flup FastCGI server for the app (wsgi:application), for nginx's fastcgi_pass.

Usage: python -m deploy.fastcgi.fcgi_server [BIND [HEALTH_BIND]]   (BIND overrides FCGI_BIND)
HEALTH_BIND is where /healthz alone is served, by threads of its own (default: from BIND, see
deploy/health.py: fcgi.sock -> fcgi-health.sock, port 9000 -> 9100); nginx routes /healthz there.
Settings from the environment:
  FCGI_BIND         unix:/path/to.sock (default unix:/run/flask-reference/fcgi.sock) or host:port
  FCGI_UMASK        umask for the unix socket (default 007: nginx's worker must share the group)
  FCGI_MAX_THREADS  requests handled at once (default: deploy/sizing.py, 4, the best in make
                    bench; see README "Performance")
  FCGI_WEB_SERVER_ADDRS  flup's own list of client addresses allowed over TCP (e.g. 127.0.0.1)
  FCGI_GRACEFUL_TIMEOUT  seconds a stop waits for requests in flight (default 30)
Signals: SIGTERM or SIGINT stops accepting, lets requests in flight finish, and exits 0 (1 when
some were still running after FCGI_GRACEFUL_TIMEOUT and were cut short); SIGHUP does the same and
then starts again in a fresh interpreter (new code, new settings).
"""
import logging
import os
import sys
import threading
import time

from flup.server.fcgi import WSGIServer

from app.logs import JsonFormatter
from deploy import health, metrics, sizing

# Its own lines on stdout, beside the app's: plain text, or the app's JSON schema with LOG_FORMAT=json.
log = logging.getLogger("flup")


def bind_address(value: str):
    """flup wants a path for a unix socket and a (host, port) tuple for TCP."""
    if value.startswith("unix:"):
        return value[len("unix:"):]
    host, _, port = value.rpartition(":")
    return (host or "127.0.0.1", int(port))


class DrainingServer(WSGIServer):
    """flup's threaded server, whose stop waits for requests in flight for a bounded time (flup
    itself would wait for ever, until systemd or Docker kill it with the requests and no trace)."""

    graceful_timeout = 30.0
    drained = True

    def _cleanupSocket(self, sock):
        """Stop taking connections without dropping any already made: remove the socket's name
        first (nginx's next connect fails at once and goes to the other back end), then take
        what the kernel still holds in the listen queue. flup would close it with them inside,
        and nginx would see "connection reset" for requests it had already sent."""
        if isinstance(self._bindAddress, str):
            try:
                os.unlink(self._bindAddress)
            except OSError:
                pass
        sock.setblocking(False)
        while True:
            try:
                client, address = sock.accept()
            except OSError:
                break
            client.setblocking(True)
            self._threadPool.addJob(self._jobClass(client, address, *self._jobArgs))
        super()._cleanupSocket(sock)

    def shutdown(self):
        deadline = time.monotonic() + self.graceful_timeout
        # flup's threads quit as soon as they are told to, leaving queued connections unserved.
        while self._threadPool._workQueue and time.monotonic() < deadline:
            time.sleep(0.01)
        waiter = threading.Thread(target=super().shutdown, daemon=True)
        waiter.start()
        waiter.join(max(0.0, deadline - time.monotonic()))
        self.drained = not waiter.is_alive()


class HealthServer(WSGIServer):
    """/healthz's own socket and threads: the app's job pool may be all taken by requests waiting on
    a stalled database, and a health check must not queue behind them (a load balancer would
    restart a healthy server). Served from a thread; the signals are the main server's."""

    def _installSignalHandlers(self):  # signal.signal() works in the main thread only
        pass

    def _restoreSignalHandlers(self):
        pass

    def _setupSocket(self):
        sock = super()._setupSocket()
        self.bound.set()
        return sock

    def start(self) -> threading.Thread:
        """Serve from a thread; returns once the socket is bound."""
        self.bound = threading.Event()
        thread = threading.Thread(target=self.run, name="healthz", daemon=True)
        thread.start()
        while not self.bound.wait(0.1):
            if not thread.is_alive():  # the bind failed: the thread printed why
                raise SystemExit(f"could not listen on {self._bindAddress} for /healthz")
        return thread

    def stop(self, thread: threading.Thread) -> None:
        self._keepGoing = False  # flup's accept loop looks at it every second
        thread.join(5)


def queue_when_busy(server: WSGIServer) -> None:
    """flup closes a connection at once when no thread is idle at that instant (nginx: "connection
    reset", a 502 in a burst); queue it instead, as gunicorn and mod_wsgi do. nginx's
    fastcgi_read_timeout bounds how long it waits."""
    pool = server._threadPool
    add_job = pool.addJob
    pool.addJob = lambda job, allowQueuing=True: add_job(job, allowQueuing=True)


def serve() -> tuple[bool, bool]:
    """Run until a signal; (it was SIGHUP, every request in flight finished)."""
    bind = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("FCGI_BIND", "unix:/run/flask-reference/fcgi.sock")
    address = bind_address(bind)
    health_address = bind_address(sys.argv[2] if len(sys.argv) > 2 else health.health_bind(bind))
    umask = int(os.environ.get("FCGI_UMASK", "007"), 8) if isinstance(address, str) else None
    metrics.use("fastcgi")  # one folder for both back ends, so either one's /metrics counts both (deploy/metrics.py)
    from wsgi import application  # here, not at the top: the tests import this module without an app
    # flup runs Python on one core at a time: more threads only contend for the GIL. A few threads
    # per back end served more, and faster, than many in make bench, and overload and soak still
    # pass (the figures: README "Performance").
    max_threads = sizing.settings()["FCGI_MAX_THREADS"]
    server = DrainingServer(
        application,
        bindAddress=address,  # required: without it flup on Python 3 treats stdin as the socket
        umask=umask,
        maxThreads=max_threads,
        maxSpare=max_threads,
        minSpare=min(4, max_threads),
    )
    server.graceful_timeout = float(os.environ.get("FCGI_GRACEFUL_TIMEOUT", "30"))
    queue_when_busy(server)
    # The same app object: /healthz answers from this very process, whatever its job pool does.
    checks = HealthServer(application, bindAddress=health_address, umask=umask,
                          maxThreads=health.THREADS, maxSpare=health.THREADS, minSpare=1)
    queue_when_busy(checks)
    checking = checks.start()
    log.info(f"flup FastCGI server on {address}, {max_threads} threads, pid {os.getpid()}; "
             f"/healthz on {health_address}, {health.THREADS} threads")
    try:
        reload = server.run()  # returns once requests in flight are done, or the timeout passed
        return reload, server.drained
    finally:
        checks.stop(checking)
        for path in (address, health_address):
            if isinstance(path, str) and os.path.exists(path):
                os.unlink(path)


def log_to_stdout() -> None:
    handler = logging.StreamHandler(sys.stdout)  # flushed after every line
    json_lines = os.environ.get("LOG_FORMAT", "text").lower() == "json"
    handler.setFormatter(JsonFormatter() if json_lines else logging.Formatter("%(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


if __name__ == "__main__":
    log_to_stdout()
    reload, drained = serve()
    if not drained:
        log.warning("requests still running after FCGI_GRACEFUL_TIMEOUT were cut short")
    if reload:
        log.info("SIGHUP: restarting")
        os.execv(sys.executable, [sys.executable, "-m", "deploy.fastcgi.fcgi_server", *sys.argv[1:]])
    log.info("stopped")
    sys.exit(0 if drained else 1)
