"""One row: start its configuration, measure every point, read its memory, stop it."""
import os
import time
from dataclasses import dataclass

from tests.stacks.native.processes import memory_kib
from tests.stacks.native.runner import StackError

from . import environment, peers, shipped, wrk
from .cpu import Meter
from .plan import HTTPS_ROUTES, SWEEP_ROUTES, Method, Row
from .servers import BenchError, BenchStack, pin, tree

PEERS = {"limit": peers.start_limit, "gunicorn": peers.start_gunicorn, "nginx-uwsgi": peers.start_uwsgi,
         "granian": peers.start_granian, "waitress": peers.start_waitress, "flask-dev": peers.start_flask_dev,
         "floor-gunicorn": peers.start_floor}


@dataclass
class Context:
    root: str  # a temporary folder: one state folder per row, with its configs and logs
    database_url: str
    postgres_pid: int | None
    tls: dict
    static: str  # this run's folder of generated static files, under app/static/bench/
    method: Method
    client_cpu: int | None  # pinned: wrk's core
    server_cpus: set[int] | None  # pinned: everything else's


def start(row: Row, context: Context, attempt: int = 1) -> shipped.ShippedStack | BenchStack:
    """The row's configuration, running: a Stack, with the settings it started with and its config files."""
    state = os.path.join(context.root, row.name + ("" if attempt == 1 else f"-{attempt}"))
    if row.kind in shipped.FRONTEND:
        return shipped.start(row.kind, state, context.database_url, context.tls, row.env)
    if row.kind == "quick":
        return shipped.start_quick(state, context.database_url)
    os.makedirs(state)
    os.chmod(state, 0o755)
    env = environment.app_environment(state, "bare", context.database_url, row.env)
    return PEERS[row.kind](state, env)


def points_of(row: Row, method: Method) -> list[tuple[str, int, bool]]:
    """(route, connections, over HTTPS) for every point of the row, in the order they run."""
    todo = [(name, method.connections, False) for name in row.routes]
    if row.sweep:
        todo += [(name, c, False) for name in SWEEP_ROUTES for c in method.sweep if c != method.connections]
    if row.https:
        todo += [(name, method.connections, True) for name in HTTPS_ROUTES]
    return todo


def measure(row: Row, context: Context) -> dict:
    began = time.monotonic()
    result = {"name": row.name, "label": row.label, "group": row.group, "env": row.env, "points": [],
              "base": row.base, "feature": row.feature, "adds": row.adds}
    stack = None
    for attempt in (1, 2):  # a port taken between free_port() and the bind is worth one more try
        try:
            stack = start(row, context, attempt)
            break
        except (BenchError, StackError, OSError) as error:
            result["error" if attempt == 2 else "first_attempt"] = f"did not start: {error}"
    if stack is None:
        return result
    result.update(startup_s=round(time.monotonic() - began, 1), settings=stack.settings,
                  config_files=stack.config_files, sendfile=_sendfile(stack.config_files))

    def row_processes() -> set[int]:  # read again at every use: Apache and gunicorn replace children
        return stack.processes() | tree(context.postgres_pid)

    try:
        if context.server_cpus:
            pin(row_processes(), context.server_cpus)
        meter = Meter(row_processes)
        for name, connections, https in points_of(row, context.method):
            base = (stack.url if https else stack.http_url).rstrip("/")
            try:
                point = wrk.point(base, name, connections, context.method, context.client_cpu, context.static,
                                   ca=stack.ca, pids=row_processes)
            except BenchError as error:
                point = {"route": name, "connections": connections, "url": base, "error": str(error)}
            point["https"] = https
            result["points"].append(point)
        result["foreign_cpu"] = round(meter.foreign_share(), 3)
        pids = stack.processes()
        result["memory"] = {**memory_kib(pids), "processes": len(pids)}
    finally:
        stack.stop()
    result["seconds"] = round(time.monotonic() - began, 1)
    return result


def _sendfile(paths: list[str]) -> bool | None:
    """Whether the web server's config turns sendfile on (nginx `sendfile on`, Apache `EnableSendfile
    On`; Apache's default is Off). None when nothing but an app server serves the row."""
    if not paths:
        return None
    text = ""
    for path in paths:
        with open(path) as f:
            text += "\n".join(line.split("#")[0] for line in f)
    return "sendfile on" in text.lower() or "enablesendfile on" in text.lower()
