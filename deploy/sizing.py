"""How many app processes and threads, from the cores this host gives us: the one formula.

    processes = max(2, cores), capped so that they cannot open more database connections than
                PostgreSQL allows (DATABASE_MAX_CONNECTIONS, 100 by default); mod_wsgi's count
                leaves room for its one daemon of the same size for request bodies
    threads   = fixed per app server: 4 for gunicorn and flup, 15 for mod_wsgi

Processes run Python in parallel, one core each, so they follow the core count; at least two, so
a dying or restarting process never leaves nobody serving. Threads overlap waiting (database, mail,
slow clients), not computing, so their number does not follow the cores: 4 did best in make
bench for gunicorn and flup; mod_wsgi keeps 15, because with 4 its daemon queue under many clients
and a graceful restart fared worse (why: WSGI_THREADS in deploy/defaults.env; the figures: README
"Performance").
flup's back ends stay two (nginx's upstream, the systemd instances and the compose services name
them); on more cores, add instances and `server` lines (README "Processes and threads").

"cores" is what this process may run on: the CPU affinity (a container's cpuset, taskset), and a
cgroup CPU quota (docker --cpus) rounded up. Every number is overridden by its environment
variable: WEB_CONCURRENCY, GUNICORN_THREADS, WSGI_PROCESSES, WSGI_THREADS, FCGI_MAX_THREADS.

Used by deploy.gunicorn.conf, deploy/render.py (mod_wsgi's WSGI_PROCESSES=auto) and fcgi_server.py,
so the native runner, the templates and the containers all size the same way. Run it to see the
figures for this host: .venv/bin/python -m deploy.sizing
"""
import math
import os

from deploy import defaults

THREADS = {"gunicorn": 4, "fcgi": 4, "mod_wsgi": 15}
# PostgreSQL's default max_connections, the slots it keeps for superusers, and the other clients
# of the app's database (the outbox sender, a migration, an operator's psql).
POSTGRES_MAX_CONNECTIONS = 100
SUPERUSER_RESERVED = 3
OTHER_CLIENTS = 5
# The app's connection pool, whose defaults it shares with this formula.
POOL_DEFAULTS = {name: int(defaults()[name]) for name in ("DATABASE_POOL_SIZE", "DATABASE_MAX_OVERFLOW")}


def cores() -> int:
    try:
        count = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        count = os.cpu_count() or 1
    try:
        with open("/sys/fs/cgroup/cpu.max") as limit:  # cgroup v2: "max 100000" or "150000 100000"
            quota, period = limit.read().split()
        if quota != "max":
            count = min(count, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError):
        pass
    return max(1, count)


def _int(environ, name: str, default: int) -> int:
    value = environ.get(name, "")
    return int(value) if value not in ("", "auto") else default


def connections_per_process(threads: int, environ=os.environ) -> int:
    """A process opens at most its pool (size + overflow), and no more than its threads use."""
    return min(threads, sum(_int(environ, name, default) for name, default in POOL_DEFAULTS.items()))


def processes(threads: int, environ=os.environ, core_count: int | None = None, others: int = 0) -> int:
    """others: processes of the same size outside the count that the budget must leave room for."""
    budget = _int(environ, "DATABASE_MAX_CONNECTIONS", POSTGRES_MAX_CONNECTIONS) - SUPERUSER_RESERVED - OTHER_CLIENTS
    most = max(1, budget // connections_per_process(threads, environ) - others)
    return min(max(2, core_count or cores()), most)


def settings(environ=os.environ, core_count: int | None = None) -> dict:
    """Every app server's counts: the environment's where set, else the formula's."""
    gunicorn_threads = _int(environ, "GUNICORN_THREADS", THREADS["gunicorn"])
    wsgi_threads = _int(environ, "WSGI_THREADS", THREADS["mod_wsgi"])
    return {
        "WEB_CONCURRENCY": _int(environ, "WEB_CONCURRENCY", processes(gunicorn_threads, environ, core_count)),
        "GUNICORN_THREADS": gunicorn_threads,
        # mod_wsgi's daemon for request bodies: one process of WSGI_THREADS (deploy/apache/).
        "WSGI_PROCESSES": _int(environ, "WSGI_PROCESSES", processes(wsgi_threads, environ, core_count, others=1)),
        "WSGI_THREADS": wsgi_threads,
        "FCGI_MAX_THREADS": _int(environ, "FCGI_MAX_THREADS", THREADS["fcgi"]),
    }


if __name__ == "__main__":
    print(f"# cores: {cores()}")
    for name, value in settings().items():
        print(f"{name}={value}")
