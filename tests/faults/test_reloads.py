"""An operator reloads under traffic: 32 connections for 20 s on hello, a template and a database read.

nginx fronts: `nginx -s reload` twice, then the app server — gunicorn's HUP twice, or for FastCGI
a rolling restart of the two flup back ends, one at a time. Apache: `graceful` twice.
Target: not one failed request.
"""
import os
import signal
import socket
import time

from stack import runner

from ..core import DATABASE_READ, HELLO, TEMPLATE, Result, Stack, descendants
from ..load import Load, failures, retried, slowest

SECONDS, CONNECTIONS = 20.0, 32


def run(stack: Stack) -> Result:
    result = Result("reloads", stack.frontend)
    stack.seed_users(20)
    done = []
    with Load(stack, [HELLO, TEMPLATE, DATABASE_READ], connections=CONNECTIONS, seconds=SECONDS) as load:
        for moment, action in _plan(stack):
            time.sleep(max(0.0, moment - load.now()))
            started = load.now()
            action()
            done.append(f"{action.__doc__} at {started:.1f} s ({load.now() - started:.1f} s)")
    bad = failures(load.samples)
    result.sent, result.failed, result.slowest = len(load.samples), len(bad), slowest(load.samples)
    if stack.frontend == "apache" and bad:
        # mod_wsgi 6.1.1 restarts its daemon processes on every graceful restart; requests waiting
        # in the old daemon's socket queue are reset (WSGI0147, a 502), and a connect in the instant
        # the socket file is re-created gets ENOENT, which it does not retry (WSGI0117, a 503;
        # src/server/wsgi_remote.c retries only ECONNREFUSED/EAGAIN). At most the requests in
        # flight at each graceful can be lost: one per client connection.
        bound = CONNECTIONS * len(done)
        result.expect(len(bad) <= bound, f"{len(bad)} failed requests, more than the {bound} in flight: {_describe(bad)}")
        result.limit = (f"{len(bad)} requests cut by mod_wsgi's daemon restart on graceful ({_describe(bad)}); "
                        "mod_wsgi does not hand queued requests to the new daemons")
    else:
        result.expect(not bad, f"{len(bad)} failed requests: {_describe(bad)}")
    result.details.append("; ".join(done) + f"; {retried(load.samples)} GETs sent again after the server closed a kept-alive connection")
    return result


def _plan(stack: Stack) -> list[tuple[float, callable]]:
    def web_reload():
        """nginx -s reload"""
        runner.reload_web_server(stack.state)

    def graceful():
        """apache2 -k graceful"""
        runner.reload_web_server(stack.state)

    def gunicorn_hup():
        """gunicorn HUP"""
        os.kill(stack.info["app_pid"], signal.SIGHUP)

    def rolling_restart():
        """flup rolling restart"""
        for number, supervisor in enumerate(stack.info["app_pids"], 1):
            restart_flup(stack, supervisor, number)

    if stack.frontend == "apache":
        return [(5, graceful), (12, graceful)]
    app_reload = gunicorn_hup if stack.frontend == "gunicorn" else rolling_restart
    return [(3, web_reload), (6, web_reload), (9, app_reload), (14, app_reload)]


def restart_flup(stack: Stack, supervisor: int, number: int, timeout: float = 30) -> None:
    """HUP one back end (through its supervisor) and wait until it accepts connections again.

    flup drains its requests, then starts again in a fresh interpreter on the same socket.
    """
    log = os.path.join(stack.state, f"fastcgi-{number}.log")
    path = stack.info["app_sockets"][number - 1]
    starts = _count_starts(log)
    os.kill(supervisor, signal.SIGHUP)
    deadline = time.monotonic() + timeout
    # The start-up line comes before flup binds its socket: wait for both, or the next back end
    # would go down while this one cannot take connections yet.
    while not (_count_starts(log) > starts and _accepts(path)):
        if time.monotonic() > deadline or not descendants(supervisor):
            raise RuntimeError(f"flup back end {number} did not come back")
        time.sleep(0.05)


def _accepts(path: str) -> bool:
    with socket.socket(socket.AF_UNIX) as probe:
        try:
            probe.connect(path)
            return True
        except OSError:
            return False


def _count_starts(log: str) -> int:
    with open(log, errors="replace") as f:
        return f.read().count("flup FastCGI server on")


def _describe(bad) -> str:
    kinds: dict = {}
    for s in bad:
        key = f"{s.status or s.error} at {s.start:.0f} s"
        kinds[key] = kinds.get(key, 0) + 1
    return ", ".join(f"{k} ×{v}" for k, v in sorted(kinds.items()))
