"""What the front ends are measured against, each serving the same app (`wsgi:application`) on the
same PostgreSQL: bare gunicorn (the baseline), the peers a user might pick instead, the dev server
(a floor) and nginx alone (the limit). Worker counts come from plan.peer_concurrency(). The other floor,
bench/floor.py's bare Flask app, runs under the baseline's gunicorn exactly."""
import os
import signal
import subprocess
import sys

from deploy import render, sizing
from tests.stacks.native import frontends, runner
from tests.stacks.native.frontends import NGINX_TEMP, PROJECT_DIR
from tests.stacks.native.postgres import free_port

from .plan import peer_concurrency
from .servers import BenchError, BenchStack, spawn

TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")
WSGI_APP = "wsgi:application"  # what every front end but mod_wsgi imports
FLOOR_APP = "bench.floor:application"


def _app_server(state: str, name: str, command: list[str], env: dict, port: int, settings: dict,
                ready_path: str = "/readyz") -> BenchStack:
    log = os.path.join(state, f"{name}.log")
    child = spawn(command, log, env, cwd=PROJECT_DIR)
    return BenchStack(name, state, port, [(child, signal.SIGTERM)], settings).ready(name, log, path=ready_path)


def start_gunicorn(state: str, env: dict, app: str | None = None, ready_path: str = "/readyz") -> BenchStack:
    """The shipped deploy.gunicorn.conf (its defaults, .env.example's values), on TCP with nothing in front.
    app: another WSGI app than the conf's wsgi_app; gunicorn takes the command line's over the conf's."""
    port = free_port()
    command = [os.path.join(runner.VENV_BIN, "gunicorn"), "-c", "python:deploy.gunicorn.conf",
               "--bind", f"127.0.0.1:{port}", *([app] if app else [])]
    counts = sizing.settings(env)
    settings = {"WEB_CONCURRENCY": counts["WEB_CONCURRENCY"], "GUNICORN_THREADS": counts["GUNICORN_THREADS"],
                **({"app": app} if app else {})}
    return _app_server(state, "gunicorn", command, env, port, settings, ready_path)


def start_floor(state: str, env: dict) -> BenchStack:
    """The floor app under the baseline's gunicorn: same conf, counts and environment, other app.
    It has no /readyz; /api/users/ answers 200 once it and its database do."""
    return start_gunicorn(state, env, FLOOR_APP, ready_path="/api/users/")


def start_granian(state: str, env: dict) -> BenchStack:
    port, (workers, threads) = free_port(), peer_concurrency()
    command = [os.path.join(runner.VENV_BIN, "granian"), "--interface", "wsgi", "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers), "--blocking-threads", str(threads), WSGI_APP]
    return _app_server(state, "granian", command, env, port, {"workers": workers, "blocking_threads": threads})


def start_waitress(state: str, env: dict) -> BenchStack:
    port, (workers, threads) = free_port(), peer_concurrency()
    command = [os.path.join(runner.VENV_BIN, "waitress-serve"), f"--listen=127.0.0.1:{port}",
               f"--threads={workers * threads}", WSGI_APP]
    return _app_server(state, "waitress", command, env, port, {"threads": workers * threads})


def start_flask_dev(state: str, env: dict) -> BenchStack:
    port = free_port()
    return _app_server(state, "flask-dev", [sys.executable, "-m", "bench.devserver", str(port)], env, port,
                       {"threaded": True})


def start_nginx(state: str, site_template: str, extra: dict, env: dict) -> tuple[subprocess.Popen, int, list[str]]:
    """nginx in the foreground, our child: deploy/'s main nginx.conf around a bench-local site."""
    port = free_port()
    tls = {"cert": "/dev/null", "key": "/dev/null"}  # the bench's own sites have no TLS
    values = frontends.template_values(state, {"port": port, "https_port": port, "status_port": port, "tls": tls}, env)
    values.update(NGINX_SITE=os.path.join(state, "site.conf"), **extra)
    with open(os.path.join(TEMPLATES, site_template)) as source:
        site = render.render(source.read(), values)
    with open(values["NGINX_SITE"], "w") as out:
        out.write(site)
    for name in NGINX_TEMP:
        os.makedirs(os.path.join(state, name), exist_ok=True)
    frontends.render_to(state, "flask-limits.conf", "nginx/snippets/flask-limits.conf.template", values)  # nginx.conf includes it
    config = frontends.render_to(state, "nginx.conf", "nginx/nginx.conf.template", values)
    command = ["nginx", "-c", config, "-p", state, "-e", os.path.join(state, "nginx-error.log")]
    check = subprocess.run([*command, "-t", "-q"], capture_output=True, text=True)
    if check.returncode != 0:
        raise BenchError(f"nginx -t on {config}:\n{check.stderr}")
    child = spawn([*command, "-g", "daemon off;"], os.path.join(state, "nginx.log"), env, drop_root=False)
    return child, port, [config, values["NGINX_SITE"]]


def start_limit(state: str, env: dict) -> BenchStack:
    child, port, configs = start_nginx(state, "limit-site.conf.template", {}, env)
    stack = BenchStack("nginx", state, port, [(child, signal.SIGQUIT)], {"worker_processes": "auto"}, configs)
    return stack.ready("nginx (limit)", os.path.join(state, "nginx-error.log"), path="/hello")


def start_uwsgi(state: str, env: dict) -> BenchStack:
    """nginx's uwsgi_pass to uWSGI on a unix socket, as the uwsgi-nginx-flask images run it
    (master, die-on-term, need-app; static files from nginx); processes and threads by the formula."""
    processes, threads = peer_concurrency()
    socket = os.path.join(state, "run", "uwsgi.sock")
    log = os.path.join(state, "uwsgi.log")
    command = [os.path.join(runner.VENV_BIN, "uwsgi"), "--master", "--die-on-term", "--need-app",
               "--socket", socket, "--chmod-socket=660", "--module", WSGI_APP, "--chdir", PROJECT_DIR,
               "--processes", str(processes), "--threads", str(threads),
               # uWSGI's default backlog of 100 made nginx answer 502 (connect() EAGAIN) at 64
               # connections, fast answers that inflated its figures; gunicorn's shipped one is 2048.
               "--listen", "1024"]
    app = spawn(command, log, env, cwd=PROJECT_DIR)
    stack = BenchStack("nginx-uwsgi", state, 0, [(app, signal.SIGTERM)], {"processes": processes, "threads": threads})
    try:
        web, stack.http_port, stack.config_files = start_nginx(state, "uwsgi-site.conf.template",
                                                               {"UWSGI_SOCKET": socket}, env)
    except BaseException:
        stack.stop()
        raise
    stack.children.insert(0, (web, signal.SIGQUIT))
    return stack.ready("nginx + uWSGI", log)
