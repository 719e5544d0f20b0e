"""What is measured: the routes (columns), the configurations (rows), and how long each point runs."""
from dataclasses import dataclass, field

from deploy import sizing

from .machine import cores


@dataclass(frozen=True)
class Route:
    path: str  # "{run}" is filled with the run's static folder name
    label: str
    method: str = "GET"
    script: str = "report.lua"  # in bench/lua/; every script ends with report.lua's done()
    size: int | None = None  # bytes a static answer must have


ROUTES = {
    "hello": Route("/hello", "hello"),
    "template": Route("/template", "template"),
    "db": Route("/api/users/", "PostgreSQL read"),
    # {run}: each run's own folder of generated files (environment.static_files), so runs never collide.
    # ?v=: as the pages link every static file (app/static_versions.py), so the answer is the one a
    # browser gets, cacheable for a year; an unversioned URL is revalidated (no-cache).
    "static-4k": Route("/static/bench/{run}/4k.bin?v=0123456789ab", "static 4 KiB", size=4 * 1024),
    "static-1m": Route("/static/bench/{run}/1m.bin?v=0123456789ab", "static 1 MiB", size=1024 * 1024),
    # /methods: CSRF-exempt (a JSON resource for scripts), and reading request.form makes Werkzeug
    # parse the whole multipart body, the file part included, as /uploader does; it stores nothing,
    # so thousands of uploads neither fill the disk nor slow /uploader's free-name search.
    "upload-1m": Route("/methods", "upload 1 MiB", method="POST", script="upload.lua"),
}
APP_ROUTES = tuple(ROUTES)
SWEEP_ROUTES = ("hello", "db")
DYNAMIC = ("hello", "template", "db")
COST_BASES = (("apache", "Apache + mod_wsgi"), ("nginx-gunicorn", "nginx + gunicorn"), ("nginx-fastcgi", "nginx + FastCGI (flup)"))
COST_ROUTES = ("hello", "db")  # the cheapest page, where a per-request cost shows most, and a database read


@dataclass(frozen=True)
class Row:
    name: str  # what --only takes
    label: str
    group: str  # limit, baseline, front end, peer, floor, quick, variant
    kind: str  # which starter in bench/run.py
    routes: tuple = APP_ROUTES
    sweep: bool = False  # 1, 16, 64 and 256 connections on SWEEP_ROUTES
    https: bool = False  # the shipped HTTPS listener too, on HTTPS_ROUTES
    env: dict = field(default_factory=dict)  # the tuning variants' overrides, nothing else
    # A cost row: the shipped `base` row with one feature switched by `env`, off (`adds` False) or on
    # (`adds` True); the report prints what the feature costs as the difference (report._costs).
    base: str | None = None
    feature: str = ""
    adds: bool = False


HTTPS_ROUTES = ("hello", "db", "static-1m")


def peer_concurrency() -> tuple[int, int]:
    """Every peer sized as the shipped gunicorn is (deploy/sizing.py: a process per core, at least
    2, 4 threads each). A one-process server (waitress, the dev server) gets all the threads."""
    counts = sizing.settings({})
    return counts["WEB_CONCURRENCY"], counts["GUNICORN_THREADS"]


def rows() -> list[Row]:
    n = cores()
    return [
        Row("nginx-return", "limit: nginx return 200", "limit", "limit", routes=("hello",)),
        Row("nginx-static", "limit: nginx static file", "limit", "limit", routes=("static-4k", "static-1m")),
        Row("gunicorn", "bare gunicorn (baseline)", "baseline", "gunicorn", sweep=True),
        Row("apache", "Apache + mod_wsgi", "front end", "apache", sweep=True, https=True),
        Row("nginx-gunicorn", "nginx + gunicorn", "front end", "nginx-gunicorn", sweep=True, https=True),
        Row("nginx-fastcgi", "nginx + FastCGI (flup)", "front end", "nginx-fastcgi", sweep=True, https=True),
        Row("nginx-uwsgi", "nginx + uWSGI", "peer", "nginx-uwsgi"),
        Row("granian", "granian", "peer", "granian"),
        Row("waitress", "waitress", "peer", "waitress"),
        Row("flask-dev", "Flask dev server (floor)", "floor", "flask-dev"),
        # bench/floor.py's bare Flask app, doing only these routes' work: the CPU per request the app is held to.
        Row("floor-gunicorn", "bare Flask app under bare gunicorn (CPU floor)", "floor", "floor-gunicorn",
            routes=DYNAMIC),
        Row("quick", "make quick (mod_wsgi-express)", "quick", "quick", routes=DYNAMIC, sweep=True),
        # Bench-only tuning rows: the shipped templates with other worker counts from the environment.
        Row("nginx-gunicorn-more-workers", f"nginx + gunicorn, {2 * n}×2 (variant)", "variant", "nginx-gunicorn",
            routes=DYNAMIC, env={"WEB_CONCURRENCY": str(2 * n), "GUNICORN_THREADS": "2"}),
        Row("nginx-gunicorn-sync", f"nginx + gunicorn, {2 * n + 1} sync (variant)", "variant", "nginx-gunicorn",
            routes=DYNAMIC, env={"WEB_CONCURRENCY": str(2 * n + 1), "GUNICORN_THREADS": "1"}),
        Row("apache-fewer-threads", f"Apache + mod_wsgi, {n}×4 (variant)", "variant", "apache",
            routes=DYNAMIC, env={"WSGI_PROCESSES": str(n), "WSGI_THREADS": "4"}),
        # What the day-two features cost, against each shipped front end: metrics (on there) off,
        # and JSON logs (text there) on, with ACCESS_LOG=true, the app's own line for every request too.
        *(Row(f"{base}-no-metrics", f"{label}, METRICS=false (cost)", "variant", base, routes=COST_ROUTES,
              env={"METRICS": "false"}, base=base, feature="metrics")
          for base, label in COST_BASES),
        *(Row(f"{base}-json-logs", f"{label}, LOG_FORMAT=json (cost)", "variant", base, routes=COST_ROUTES,
              env={"LOG_FORMAT": "json"}, base=base, feature="JSON logs", adds=True)
          for base, label in COST_BASES),
        *(Row(f"{base}-json-access-logs", f"{label}, JSON + ACCESS_LOG (cost)", "variant", base, routes=COST_ROUTES,
              env={"LOG_FORMAT": "json", "ACCESS_LOG": "true"}, base=base, feature="JSON logs + the app's line per request", adds=True)
          for base, label in COST_BASES[1:2]),
    ]


SMOKE_ROWS = ("gunicorn", "nginx-gunicorn", "floor-gunicorn")


@dataclass(frozen=True)
class Method:
    seconds: float = 3.0  # per repetition
    warmup: float = 1.0  # before every point, discarded
    repetitions: int = 3
    connections: int = 64  # the route columns; the sweep adds the others
    sweep: tuple = (1, 16, 64, 256)
    timeout: float = 10.0  # wrk's per-request timeout: a slower answer counts as an error
    pin: bool = False  # wrk on the last core, the servers and PostgreSQL on the others


SMOKE = Method(seconds=1.0, warmup=0.0, repetitions=1)
