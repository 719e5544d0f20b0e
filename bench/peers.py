"""What the front ends are measured against, each serving the same yourapplication.wsgi on the same
PostgreSQL: bare gunicorn (the baseline), the peers a user might pick instead, the dev server (the
floor) and nginx alone (the limit). Worker counts come from plan.peer_concurrency()."""
import os
import signal
import subprocess
import sys

from stack import frontends, runner
from stack.frontends import DEPLOY, NGINX_TEMP, PROJECT_DIR
from stack.postgres import free_port

from .plan import peer_concurrency
from .servers import BenchError, Server, spawn, stopper, tree, wait_until_ready

TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")
WSGI_FILE = os.path.join(PROJECT_DIR, "yourapplication.wsgi")
WSGI_MODULE = "bench.wsgi_file:application"  # the same file, for servers that import module:callable


def _app_server(state: str, name: str, command: list[str], env: dict, port: int, settings: dict) -> Server:
    log = os.path.join(state, f"{name}.log")
    child = spawn(command, log, env, cwd=PROJECT_DIR)
    try:
        wait_until_ready(f"http://127.0.0.1:{port}", name, log, child)
    except BaseException:
        stopper(child)()
        raise
    return Server(url=f"http://127.0.0.1:{port}", pids=lambda: tree(child.pid), stop=stopper(child), settings=settings)


def start_gunicorn(state: str, env: dict) -> Server:
    """The shipped gunicorn.conf.py (its defaults, .env.example's values), on TCP with nothing in front."""
    port = free_port()
    command = [os.path.join(runner.VENV_BIN, "gunicorn"), "-c", os.path.join(DEPLOY, "gunicorn", "gunicorn.conf.py"),
               "--bind", f"127.0.0.1:{port}"]
    counts = frontends.sizing.settings(env)
    settings = {"WEB_CONCURRENCY": counts["WEB_CONCURRENCY"], "GUNICORN_THREADS": counts["GUNICORN_THREADS"]}
    return _app_server(state, "gunicorn", command, env, port, settings)


def start_granian(state: str, env: dict) -> Server:
    port, (workers, threads) = free_port(), peer_concurrency()
    command = [os.path.join(runner.VENV_BIN, "granian"), "--interface", "wsgi", "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers), "--blocking-threads", str(threads), WSGI_MODULE]
    return _app_server(state, "granian", command, env, port, {"workers": workers, "blocking_threads": threads})


def start_waitress(state: str, env: dict) -> Server:
    port, (workers, threads) = free_port(), peer_concurrency()
    command = [os.path.join(runner.VENV_BIN, "waitress-serve"), f"--listen=127.0.0.1:{port}",
               f"--threads={workers * threads}", WSGI_MODULE]
    return _app_server(state, "waitress", command, env, port, {"threads": workers * threads})


def start_flask_dev(state: str, env: dict) -> Server:
    port = free_port()
    return _app_server(state, "flask-dev", [sys.executable, "-m", "bench.devserver", str(port)], env, port,
                       {"threaded": True})


def start_nginx(state: str, site_template: str, extra: dict, env: dict) -> tuple[subprocess.Popen, int, list[str]]:
    """nginx in the foreground, our child: deploy/'s main nginx.conf around a bench-local site."""
    port = free_port()
    tls = {"cert": "/dev/null", "key": "/dev/null"}  # the bench's own sites have no TLS
    values = frontends.template_values(state, {"port": port, "https_port": port, "tls": tls}, env)
    values.update(NGINX_SITE=os.path.join(state, "site.conf"), **extra)
    with open(os.path.join(TEMPLATES, site_template)) as source:
        site = frontends.render.render(source.read(), values)
    with open(values["NGINX_SITE"], "w") as out:
        out.write(site)
    for name in NGINX_TEMP:
        os.makedirs(os.path.join(state, name), exist_ok=True)
    config = frontends.render_to(state, "nginx.conf", "nginx/nginx.conf.template", values)
    command = ["nginx", "-c", config, "-p", state, "-e", os.path.join(state, "nginx-error.log")]
    check = subprocess.run([*command, "-t", "-q"], capture_output=True, text=True)
    if check.returncode != 0:
        raise BenchError(f"nginx -t on {config}:\n{check.stderr}")
    child = spawn([*command, "-g", "daemon off;"], os.path.join(state, "nginx.log"), env, drop_root=False)
    return child, port, [config, values["NGINX_SITE"]]


def start_limit(state: str, env: dict) -> Server:
    child, port, configs = start_nginx(state, "limit-site.conf.template", {}, env)
    stop = stopper(child, sig=signal.SIGQUIT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(url, "nginx (limit)", os.path.join(state, "nginx-error.log"), child, path="/hello")
    except BaseException:
        stop()
        raise
    return Server(url=url, pids=lambda: tree(child.pid), stop=stop, config_files=configs, settings={"worker_processes": "auto"})


def start_uwsgi(state: str, env: dict) -> Server:
    """nginx's uwsgi_pass to uWSGI on a unix socket, as the uwsgi-nginx-flask images run it
    (master, die-on-term, need-app; static files from nginx); processes and threads by the formula."""
    processes, threads = peer_concurrency()
    socket = os.path.join(state, "run", "uwsgi.sock")
    log = os.path.join(state, "uwsgi.log")
    command = [os.path.join(runner.VENV_BIN, "uwsgi"), "--master", "--die-on-term", "--need-app",
               "--socket", socket, "--chmod-socket=660", "--wsgi-file", WSGI_FILE, "--chdir", PROJECT_DIR,
               "--processes", str(processes), "--threads", str(threads),
               # uWSGI's default backlog of 100 made nginx answer 502 (connect() EAGAIN) at 64
               # connections, fast answers that inflated its figures; gunicorn's shipped one is 2048.
               "--listen", "1024"]
    app = spawn(command, log, env, cwd=PROJECT_DIR)
    web = None
    try:
        web, port, configs = start_nginx(state, "uwsgi-site.conf.template", {"UWSGI_SOCKET": socket}, env)
        wait_until_ready(f"http://127.0.0.1:{port}", "nginx + uWSGI", log, app)
    except BaseException:
        stopper(*(c for c in (web, app) if c))()
        raise
    stop_web, stop_app = stopper(web, sig=signal.SIGQUIT), stopper(app)
    return Server(url=f"http://127.0.0.1:{port}", pids=lambda: tree(web.pid) | tree(app.pid),
                  stop=lambda: (stop_web(), stop_app()), config_files=configs,
                  settings={"processes": processes, "threads": threads})
