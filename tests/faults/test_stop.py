"""Stop: each server's graceful stop arrives while a request body is still being sent. The request
must complete with 200 (the app read every byte) and the server exit 0 within its own graceful
timeout; then the case brings the server back.

Web servers: nginx SIGQUIT, Apache SIGWINCH (graceful-stop), the request over HTTPS through them;
Apache's mod_wsgi daemons stop with Apache, and the body streams into them, so that one stop covers
both. App servers: gunicorn's master SIGTERM, one flup back end SIGTERM, the request sent to them
directly: nginx reads a whole body before it passes a request on, so through nginx an app server
never sees a request mid-body.

How the exit status is learnt: a daemon's status goes to init, not to us, so the case runs nginx and
Apache in the foreground for their stop (nginx -g 'daemon off;', apache2 -DFOREGROUND: what the
containers run) and starts them daemonized again afterwards, as up() does. gunicorn is a child of
this process (up() ran here). A flup back end is a child of its supervisor, which logs its status.
"""
import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass

import psutil

from deploy.fastcgi.fcgi_server import DrainingServer
from deploy.gunicorn import conf as gunicorn_conf
from tests.stacks.native import NativeStack, processes, runner

from .inflight import InFlight, Outcome
from .report import Result

BODY_SECONDS = 3.0  # how long the body takes to send
SIGNAL_AFTER = 0.5  # seconds after its first bytes: the server is inside the request, most of the body to come
NO_LIMIT = 30.0  # the bound used where a server sets none of its own


@dataclass
class Stop:
    """What one graceful stop did."""

    server: str
    signum: int
    limit: float  # the server's own graceful timeout, seconds
    unbounded: bool = False  # the server sets none: limit is NO_LIMIT
    outcome: Outcome | None = None
    signalled: float = 0.0  # time.monotonic()
    status: int | None = None  # exit status; None: unknown, or still running at the limit
    exit_seconds: float | None = None  # from the signal until the process was gone
    back_seconds: float | None = None  # from then until the stack answered again
    note: str = ""


def test_a_graceful_stop_finishes_the_request_in_flight_and_exits_0(stack, result):
    stops = [stop_web_server(stack)]
    if stack.frontend == "gunicorn":
        stops.append(stop_gunicorn(stack))
    elif stack.frontend == "fastcgi":
        stops.append(stop_flup(stack))
    for stop in stops:
        judge(result, stop)
    assert result.problems == []


def stop_web_server(stack: NativeStack) -> Stop:
    apache = stack.frontend == "apache"
    limit = web_server_limit(stack)
    stop = Stop("apache" if apache else "nginx", signal.SIGWINCH if apache else signal.SIGQUIT,
                limit or NO_LIMIT, unbounded=limit is None)
    daemon = stack.web_pid()
    # Apache passes its environment to mod_wsgi's daemons; nginx clears its own (all but TZ).
    env = processes.environment(daemon) if apache else dict(os.environ)
    processes.stop(daemon, stack.state, signal.SIGTERM)  # idle: its foreground twin takes over
    server = runner.start_web_server_again(stack.state, env, foreground=True)
    try:
        with InFlight(stack.url, seconds=BODY_SECONDS, ca_file=stack.ca) as request:
            stop.signalled = signal_mid_body(server.pid, stop.signum)
            try:
                stop.status = server.wait(stop.limit)
            except subprocess.TimeoutExpired:
                pass
            stop.exit_seconds = time.monotonic() - stop.signalled
        stop.outcome = request.outcome
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        stop.back_seconds = timed(lambda: runner.start_web_server_again(stack.state, env))
    return stop


def stop_gunicorn(stack: NativeStack) -> Stop:
    master = stack.info["app_pid"]
    env = processes.environment(master)
    stop = Stop("gunicorn", signal.SIGTERM, gunicorn_conf.graceful_timeout)
    try:
        with InFlight(f"http+unix://{stack.app_sockets[0]}", seconds=BODY_SECONDS) as request:
            stop.signalled = signal_mid_body(master, stop.signum)
            stop.status = wait_for_child(master, stop.signalled + stop.limit)
            stop.exit_seconds = time.monotonic() - stop.signalled
        stop.outcome = request.outcome
    finally:
        if stop.status is None:
            stop.note = "(not a child of this process, or still running)"
            processes.stop(master, stack.state, signal.SIGKILL)
        started = time.monotonic()
        runner.start_app_server_again(stack.state, env)
        stack.refresh()  # the new master's pid, for the cases after this one
        wait_for(stack.healthy, 60)
        stop.back_seconds = time.monotonic() - started
    return stop


def stop_flup(stack: NativeStack) -> Stop:
    """The first back end; nginx keeps serving from the second meanwhile."""
    supervisor = stack.info["app_pids"][0]
    flup = min(processes.descendants(supervisor))
    env = processes.environment(flup)
    limit = float(env.get("FCGI_GRACEFUL_TIMEOUT") or DrainingServer.graceful_timeout)
    stop = Stop("flup back end 1", signal.SIGTERM, limit)
    log, path = os.path.join(stack.state, "fastcgi-1.log"), stack.app_sockets[0]
    try:
        with InFlight(f"fastcgi+unix://{path}", seconds=BODY_SECONDS) as request:
            stop.signalled = signal_mid_body(flup, stop.signum)
            wait_for(lambda: not is_running(flup), stop.limit)
            stop.exit_seconds = time.monotonic() - stop.signalled
        stop.outcome = request.outcome
    finally:
        processes.stop(flup, "fcgi_server", signal.SIGKILL)  # if still running: its supervisor starts another
    # tests.stacks.native.supervise reaps it, logs "pid N exited with S", and starts a new one (Restart=always).
    reported = wait_for(lambda: re.search(rf"pid {flup} exited with (-?\d+)", read(log)), 10)
    stop.status = int(reported.group(1)) if reported else None
    stop.note = "" if reported else f"its supervisor logged no exit status in {log}"
    # Back means the new back end listens; the stack itself answered all along, through the other.
    stop.back_seconds = timed(lambda: wait_for(lambda: processes.descendants(supervisor) - {flup} and os.path.exists(path), 60))
    return stop


def judge(result: Result, stop: Stop) -> None:
    outcome = stop.outcome
    result.sent += 1
    if outcome is None or outcome.status != 200 or not outcome.complete:
        result.failed += 1
    result.slowest = max(result.slowest, outcome.seconds if outcome else 0.0)
    result.recovery = max(result.recovery or 0.0, stop.back_seconds or 0.0)
    name = signal.Signals(stop.signum).name
    if outcome is None:
        result.problems.append(f"{stop.server}: the request in flight never finished")
        return
    exit_text = "still running" if stop.exit_seconds is None else f"gone after {stop.exit_seconds:.1f} s"
    limit_text = "no graceful timeout set, allowed" if stop.unbounded else "graceful timeout"
    result.details.append(
        f"{stop.server} {name} {stop.signalled - outcome.started:.1f} s into a {BODY_SECONDS:.0f} s body: "
        f"request {outcome.status or outcome.error} in {outcome.seconds:.1f} s"
        f"{', whole body read' if outcome.complete else ''}; exit status {stop.status}, {exit_text} "
        f"({limit_text} {stop.limit:.0f} s); serving again {stop.back_seconds or 0:.1f} s later")
    result.expect(stop.signalled < outcome.body_sent, f"{stop.server}: the body was all sent before {name}: nothing proven")
    result.expect(outcome.status == 200 and outcome.complete,
                  f"{stop.server}: the request in flight got {outcome.status or outcome.error}, not 200 with its whole body")
    result.expect(stop.status == 0, f"{stop.server}: exit status {stop.status} after {name}, not 0 {stop.note}".strip())
    result.expect(stop.exit_seconds is not None and stop.exit_seconds <= stop.limit,
                  f"{stop.server}: still running {stop.limit:.0f} s after {name}")


def web_server_limit(stack: NativeStack) -> float | None:
    """Apache's GracefulShutdownTimeout, nginx's worker_shutdown_timeout, from the rendered config;
    None when unset (or 0): the server then waits for requests without limit."""
    directive = "GracefulShutdownTimeout" if stack.frontend == "apache" else "worker_shutdown_timeout"
    found = re.search(rf"^\s*{directive}\s+(\d+)", read(stack.web_config), re.MULTILINE)
    return float(found.group(1)) if found and int(found.group(1)) > 0 else None


def signal_mid_body(pid: int, signum: int) -> float:
    time.sleep(SIGNAL_AFTER)
    os.kill(pid, signum)
    return time.monotonic()


def wait_for_child(pid: int, deadline: float) -> int | None:
    """The exit status of a child of this process, or None if it still runs at the deadline.
    (Nothing here starts a subprocess meanwhile: subprocess would reap it for a Popen it forgot.)"""
    while time.monotonic() < deadline:
        try:
            reaped, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return None
        if reaped:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.05)
    return None


def is_running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def wait_for(check, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    return None


def timed(action) -> float:
    started = time.monotonic()
    action()
    return time.monotonic() - started


def read(path: str) -> str:
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""
