"""An operator reloads under traffic: 32 connections for 20 s on hello, a template and a database read.

nginx fronts: `nginx -s reload` twice, then the app server — gunicorn's HUP twice, or for FastCGI
a rolling restart of the two flup back ends, one at a time. Apache: `graceful` twice.
Target: not one failed request.
"""
import time

from .load import DATABASE_READ, HELLO, TEMPLATE, Load, failures, retried, slowest

SECONDS, CONNECTIONS = 20.0, 32


def test_reloads_under_traffic_lose_no_request(stack, result):
    stack.seed_users(20)
    done = []
    with Load(stack, [HELLO, TEMPLATE, DATABASE_READ], connections=CONNECTIONS, seconds=SECONDS) as load:
        for moment, (what, action) in plan(stack):
            time.sleep(max(0.0, moment - load.now()))
            started = load.now()
            action()
            done.append(f"{what} at {started:.1f} s ({load.now() - started:.1f} s)")
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
    assert result.problems == []


def plan(stack) -> list[tuple[float, tuple[str, callable]]]:
    """When each reload comes, seconds into the load, and what it is."""
    if stack.frontend == "apache":  # its graceful restarts the mod_wsgi daemons too
        graceful = ("apache2 -k graceful", stack.reload_web_server)
        return [(5, graceful), (12, graceful)]
    web = ("nginx -s reload", stack.reload_web_server)
    app = ("gunicorn HUP" if stack.frontend == "gunicorn" else "flup rolling restart", stack.reload_app_server)
    return [(3, web), (6, web), (9, app), (14, app)]


def _describe(bad) -> str:
    kinds: dict = {}
    for s in bad:
        key = f"{s.status or s.error} at {s.start:.0f} s"
        kinds[key] = kinds.get(key, 0) + 1
    return ", ".join(f"{k} ×{v}" for k, v in sorted(kinds.items()))
