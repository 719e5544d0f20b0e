"""What every configuration shares: one PostgreSQL with the 20 users, the static files, the app's settings."""
import os
import pwd
import random
import shutil
import subprocess
import tempfile
from contextlib import contextmanager

from tests.stacks.native import runner
from tests.stacks.native.frontends import PROJECT_DIR
from tests.stacks.native.postgres import PostgresCluster, find_bindir, free_port
from tests.stacks.native.processes import SERVICE_USER

from .servers import BenchError

STATIC_DIR = os.path.join(PROJECT_DIR, "app", "static", "bench")
STATIC_FILES = {"4k.bin": 4 * 1024, "1m.bin": 1024 * 1024}
USERS = 20  # the database read lists this many rows
# The app servers' settings as shipped: .env.example's values; the counts it leaves unset come
# from deploy/sizing.py, as on a server.
SHIPPED_SETTINGS = ("WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_TIMEOUT", "GUNICORN_GRACEFUL_TIMEOUT",
                    "FCGI_MAX_THREADS", "WSGI_PROCESSES", "WSGI_THREADS", "MAX_CONTENT_LENGTH")
# Anything of these in the caller's environment would tune a configuration away from what is shipped.
TUNING = ("WEB_CONCURRENCY", "GUNICORN_", "WSGI_", "FCGI_", "APACHE_", "NGINX_", "DATABASE_POOL",
          "DATABASE_MAX_OVERFLOW", "MAX_CONTENT_LENGTH", "MAX_BODY_SIZE", "GRANIAN_", "UWSGI_")


def env_example() -> dict:
    values = {}
    with open(os.path.join(PROJECT_DIR, ".env.example")) as lines:
        for line in lines:
            name, sep, value = line.strip().partition("=")
            if sep and not name.startswith("#"):
                values[name] = value
    return values


def app_environment(state: str, frontend: str, database_url: str, overrides: dict | None = None) -> dict:
    """The runner's environment for the app (PROXY_FIX_COUNT=1 only for frontend "gunicorn", behind
    nginx), with .env.example's server settings, then the row's own overrides (the tuning variants)."""
    for writable in ("uploads", "run"):  # UPLOAD_FOLDER, and the app servers' sockets
        folder = os.path.join(state, writable)
        os.makedirs(folder, exist_ok=True)
        if os.geteuid() == 0:
            entry = pwd.getpwnam(SERVICE_USER)
            os.chown(folder, entry.pw_uid, entry.pw_gid)
    env = runner.app_environment(state, frontend, database_url, smtp_port=free_port())  # mail is never sent here
    env = {name: value for name, value in env.items() if not name.startswith(TUNING)}
    example = env_example()
    env.update({name: example[name] for name in SHIPPED_SETTINGS if example.get(name)})
    env.update(overrides or {})
    return env


@contextmanager
def database(root: str):
    """One PostgreSQL cluster for every configuration, migrated, with USERS users; yields its URL."""
    bindir = find_bindir()
    if bindir is None:
        raise BenchError("PostgreSQL is not installed (scripts/system-deps bench installs it)")
    cluster = PostgresCluster(bindir, root=os.path.join(root, "postgres"))
    os.makedirs(cluster.root)
    cluster.start()
    try:
        url = cluster.create_database("app")
        env = app_environment(os.path.join(root, "setup"), "bare", url)
        for arguments in (("db", "upgrade"), ("seed-users", str(USERS))):
            done = subprocess.run([os.path.join(runner.VENV_BIN, "flask"), "--app", "app", *arguments],
                                  cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
            if done.returncode != 0:
                raise BenchError(f"flask {' '.join(arguments)} failed:\n{done.stdout}{done.stderr}")
        yield cluster, url
    finally:
        cluster.stop()


@contextmanager
def static_files():
    """The 4 KiB and 1 MiB files in a folder of this run's own under the app's static folder (two runs
    at once, say make test's smoke mode beside make bench, never remove each other's); yields its name.
    Random bytes: gzip gains nothing."""
    os.makedirs(STATIC_DIR, exist_ok=True)
    os.chmod(STATIC_DIR, 0o755)  # the web servers' user reads them
    folder = tempfile.mkdtemp(prefix="run-", dir=STATIC_DIR)
    os.chmod(folder, 0o755)
    generator = random.Random(6)
    for name, size in STATIC_FILES.items():
        path = os.path.join(folder, name)
        with open(path, "wb") as out:
            out.write(generator.randbytes(size))
        os.chmod(path, 0o644)
    try:
        yield os.path.basename(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        try:
            os.rmdir(STATIC_DIR)  # only once no other run uses it
        except OSError:
            pass
