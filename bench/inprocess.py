"""python -m bench.inprocess [--requests N] [--profile ROUTE]: the CPU time per request of the app and
of the floor app (bench/floor.py), each called as a WSGI callable in this process, on one PostgreSQL.

No server, socket or client runs, so the figure is what the Python code itself costs, steady enough to
judge one change at a time (the bench's per-point figure adds the servers'). --profile ROUTE prints
cProfile's top functions (--sort tottime for their own time) for the app on that route. A measuring script: it prints, it asserts nothing.
"""
import argparse
import cProfile
import io
import logging
import os
import pstats
import sys
import tempfile
import time

from . import environment

ROUTES = {"hello": "/hello", "template": "/template", "db": "/api/users/"}


def environ(path: str) -> dict:
    from werkzeug.test import EnvironBuilder

    builder = EnvironBuilder(path=path, base_url="http://127.0.0.1:8000",
                             headers={"Accept": "text/html", "User-Agent": "bench", "X-Forwarded-For": "127.0.0.1"})
    try:
        return builder.get_environ()
    finally:
        builder.close()


def call(app, env: dict) -> int:
    status = []
    body = app(dict(env, **{"wsgi.input": io.BytesIO()}), lambda s, h, exc_info=None: status.append(s))
    try:
        size = sum(len(chunk) for chunk in body)
    finally:
        getattr(body, "close", lambda: None)()
    if not status[0].startswith("200"):
        raise SystemExit(f"{env['PATH_INFO']} answered {status[0]}")
    return size


def cpu_ms(app, path: str, requests: int) -> tuple[float, int]:
    env = environ(path)
    size = 0
    for _ in range(min(200, requests)):  # warm: templates compiled, the pool filled
        size = call(app, env)
    began = time.process_time()
    for _ in range(requests):
        call(app, env)
    return (time.process_time() - began) * 1000 / requests, size


def apps(database_url: str, state: str):
    os.environ.update(environment.app_environment(state, "bare", database_url))
    from app import create_app

    from . import floor

    app = create_app()
    # Its log lines go where a server's stdout would go, minus the pipe: the formatting is still paid.
    for handler in app.logger.handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(open(os.devnull, "w"))
    return app, floor.create_app()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.inprocess", description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3, help="the lowest of these is printed")
    parser.add_argument("--profile", choices=ROUTES)
    parser.add_argument("--sort", default="cumulative", help="cProfile's order for --profile (tottime: own time)")
    args = parser.parse_args(argv)
    root = tempfile.mkdtemp(prefix="bench-inprocess-")
    os.chmod(root, 0o755)
    with environment.database(root) as (_cluster, url):
        app, floor_app = apps(url, os.path.join(root, "app"))
        if args.profile:
            profile = cProfile.Profile()
            profile.enable()
            cpu_ms(app, ROUTES[args.profile], args.requests)
            profile.disable()
            pstats.Stats(profile, stream=sys.stdout).sort_stats(args.sort).print_stats(45)
            return 0
        print(f"{'route':<10} {'app ms':>8} {'floor ms':>9} {'ratio':>6}  bytes app/floor  (lowest of {args.rounds} rounds of {args.requests})")
        for name, path in ROUTES.items():
            ours = min((cpu_ms(app, path, args.requests) for _ in range(args.rounds)), key=lambda r: r[0])
            base = min((cpu_ms(floor_app, path, args.requests) for _ in range(args.rounds)), key=lambda r: r[0])
            print(f"{name:<10} {ours[0]:8.3f} {base[0]:9.3f} {ours[0] / base[0]:6.2f}  {ours[1]}/{base[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
