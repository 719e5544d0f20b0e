"""One point: a request that proves the right thing answers, a warm-up, then wrk, repeated.

wrk (Debian's) is the load generator; its Lua done() hook prints the counts and percentiles as
JSON. wrk counts answers >= 400 as "status" errors and nothing below: a 3xx would slip through, so
every point starts with one request that must answer 2xx with the expected body (no redirect followed).
"""
import http.client
import json
import os
import ssl
import subprocess
import urllib.parse

from . import cpu
from .environment import USERS
from .plan import ROUTES, Method, Route
from .servers import BenchError

LUA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lua")
KEPT_HEADERS = ("server", "content-length", "cache-control", "expires", "etag", "last-modified", "connection",
                "content-type", "x-request-id")
BOUNDARY = "bench-7d3f0c1e9a"  # the same body as lua/upload.lua


def upload_body() -> bytes:
    return (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"upload.bin\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode() + b"0123456789abcdef" * 65536 + \
        f"\r\n--{BOUNDARY}--\r\n".encode()


def preflight(url: str, route: Route, ca: str | None = None) -> dict:
    """One request; raises BenchError unless it is a 2xx with the body this route must have."""
    parts = urllib.parse.urlsplit(url)  # the path filled in
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=30,
                                                 context=ssl.create_default_context(cafile=ca))
    else:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    body, headers = None, {}
    if route.method == "POST":
        body, headers = upload_body(), {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    try:
        connection.request(route.method, parts.path + (f"?{parts.query}" if parts.query else ""), body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
    except OSError as error:
        raise BenchError(f"{route.method} {url}: {error}") from error
    finally:
        connection.close()
    answer = {name: value for name, value in response.getheaders() if name.lower() in KEPT_HEADERS}
    problem = None
    if not 200 <= response.status < 300:
        problem = f"answered {response.status}"
    elif route.size is not None and len(data) != route.size:
        problem = f"sent {len(data)} bytes instead of {route.size}"
    elif route.path == "/api/users/" and len(json.loads(data)["users"]) != USERS:
        problem = f"listed {len(json.loads(data)['users'])} users instead of {USERS}"
    if problem:
        raise BenchError(f"{route.method} {url} {problem}")
    return {"status": response.status, "bytes": len(data), "headers": answer}


def run(url: str, route: Route, connections: int, seconds: float, method: Method, client_cpu: int | None) -> dict:
    threads = min(connections, 1 if client_cpu is not None else 2)
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s",
               "--timeout", f"{method.timeout:g}s", "-s", os.path.join(LUA, route.script), url]
    if client_cpu is not None:
        command = ["taskset", "-c", str(client_cpu), *command]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + method.timeout + 60)
    line = next((line for line in done.stdout.splitlines() if line.startswith("BENCH ")), None)
    if done.returncode != 0 or line is None:
        raise BenchError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
    figures = json.loads(line.removeprefix("BENCH "))
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    figures["errors"] = sum(figures[kind] for kind in ("connect", "read", "write", "timeout"))
    figures["non_2xx"] = figures["status"]
    return figures


def point(base: str, name: str, connections: int, method: Method, client_cpu: int | None, static: str,
          ca: str | None = None, pids=None) -> dict:
    """The preflight, a warm-up, then method.repetitions runs of wrk on route `name`; every run kept.
    static: the run's folder of generated files (environment.static_files). pids: a callable, the
    row's server and database processes; each run then carries their CPU ms per request (bench/cpu.py)."""
    route = ROUTES[name]
    url = base + route.path.format(run=static)
    checked = preflight(url, route, ca)
    if method.warmup > 0:
        run(url, route, connections, method.warmup, method, client_cpu)
    runs = []
    for _ in range(method.repetitions):
        before = cpu.snapshot(pids) if pids else None
        figures = run(url, route, connections, method.seconds, method, client_cpu)
        if pids and figures["requests"]:
            figures["cpu_ms_per_request"] = 1000 * cpu.used(pids, before) / figures["requests"]
        runs.append(figures)
    return {"route": name, "connections": connections, "url": url, "preflight": checked, "runs": runs}
