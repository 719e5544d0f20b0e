"""The three shipped front ends, started with the native runner's own pieces on the bench's database.

runner.up() would start a PostgreSQL per front end; the bench wants one for every row, so it
runs the runner's steps itself: the same template values, the same app server start, the same
rendered configs. Then, before the web server starts, one bench-only line: the site's own HTTPS
server also listens on a plain-HTTP port (nginx: a second `listen`; Apache: a copy of the site's
vhost without its SSL lines). Every row is then compared over plain HTTP, as the peers and bare
gunicorn speak it; the shipped HTTPS listener is measured too, on a few routes, to show what TLS costs.
"""
import os
import re
import secrets
import signal

from deploy import sizing
from tests.stacks.native import NativeStack, frontends, runner
from tests.stacks.native.frontends import PROJECT_DIR
from tests.stacks.native.postgres import free_port

from . import environment
from .servers import BenchError, BenchStack, spawn, wait_until_ready

FRONTEND = {"apache": "apache", "nginx-gunicorn": "gunicorn", "nginx-fastcgi": "fastcgi"}
# The settings that size each front end, shown beside its figures.
SETTINGS = {"apache": ("WSGI_PROCESSES", "WSGI_THREADS", "APACHE_PROCESSES", "APACHE_THREADS"),
            "gunicorn": ("WEB_CONCURRENCY", "GUNICORN_THREADS", "NGINX_WORKER_CONNECTIONS"),
            "fastcgi": ("FCGI_MAX_THREADS", "NGINX_WORKER_CONNECTIONS")}
WEB_CONFIGS = {"apache": ("httpd.conf", "site.conf"), "nginx": ("nginx.conf", "flask-app.conf", "site.conf")}


class ShippedStack(NativeStack):
    """A shipped front end on the bench's shared PostgreSQL, without mail or outbox sender.

    `url` is its HTTPS listener as shipped; `http_port` is the bench-only plain-HTTP listener
    (the same site, served), not the shipped port that redirects.
    """

    def __init__(self, info: dict, settings: dict):
        super().__init__(info)
        self.http_port = info["bench_http_port"]
        self.settings = settings  # the counts that size it, as started, for the report

    @property
    def config_files(self) -> list[str]:
        """What the web server read (sendfile, headers)."""
        web = "apache" if self.frontend == "apache" else "nginx"
        return [os.path.join(self.state, name) for name in WEB_CONFIGS[web]]

    def stop_database(self) -> None:
        raise NotImplementedError("every row shares the bench's PostgreSQL")

    def start_database(self) -> None:
        raise NotImplementedError("every row shares the bench's PostgreSQL")


def start(kind: str, state: str, database_url: str, tls: dict, overrides: dict) -> ShippedStack:
    frontend = FRONTEND[kind]
    os.makedirs(state)
    os.chmod(state, 0o755)  # the www-data and postgres users reach their files inside
    plain, https = free_port(), free_port()
    env = environment.app_environment(state, frontend, database_url, overrides)
    info = {"frontend": frontend, "port": free_port(), "https_port": https, "status_port": free_port(), "bench_http_port": plain, "state": state,
            "tls": tls, "http_url": "", "url": f"https://127.0.0.1:{https}/", "database_url": database_url,
            "api_token": env["API_TOKEN"]}  # no SMTP sink and no outbox sender: the bench sends no mail
    runner.save(state, info)
    try:
        values = frontends.template_values(state, info, env)
        runner._start_app_server(info, env, values)
        info["web_config"] = _render(info, values, plain)
        runner.save(state, info)
        apache = frontend == "apache"
        for arguments in ((("-t",), ("-k", "start")) if apache else (("-t", "-q"), ())):
            runner._check(runner.web_server_command(info, *arguments), env)
        wait_until_ready(f"http://127.0.0.1:{plain}", f"{kind} (plain-HTTP listener)", state)
    except BaseException:
        runner.down(state)
        raise
    counts = sizing.settings(env)  # what the servers themselves derived, unless set
    settings = {name: env.get(name) or values.get(name) or counts.get(name) for name in SETTINGS[frontend]}
    if frontend == "fastcgi":
        settings["back ends"] = 2
    return ShippedStack(info, settings)


def _render(info: dict, values: dict, plain: int) -> str:
    """The runner's rendering, then the plain-HTTP listener; a template that no longer has the line
    it goes next to stops the bench rather than measuring something else."""
    state, https = info["state"], info["https_port"]
    site = os.path.join(state, "site.conf")
    if info["frontend"] == "apache":
        config = frontends.apache_config(state, values)
        _edit(config, f"Listen 127.0.0.1:{https}\n", lambda found: found + f"Listen 127.0.0.1:{plain}\n")
        with open(site) as f:
            vhosts = [v for v in re.findall(rf"<VirtualHost 127\.0\.0\.1:{https}>.*?</VirtualHost>", f.read(), re.S)
                      if "WSGIScriptAlias" in v]
        if len(vhosts) != 1:
            raise BenchError("deploy/apache/flask-reference.conf.template changed: no single HTTPS vhost with WSGIScriptAlias")
        copy = vhosts[0].replace(f":{https}>", f":{plain}>", 1)
        copy = "\n".join(line for line in copy.splitlines() if not line.strip().startswith("SSL"))
        with open(site, "a") as f:
            f.write(f"\n# bench only: the site's vhost over plain HTTP, its SSL lines dropped\n{copy}\n")
        return config
    config = frontends.nginx_config(state, f"nginx/{info['frontend']}-site.conf.template", values)
    _edit(site, f"listen 127.0.0.1:{https} ssl;",
          lambda found: found + f"\n    listen 127.0.0.1:{plain};  # bench only: the same server over plain HTTP")
    return config


def _edit(path: str, needle: str, change) -> None:
    with open(path) as f:
        text = f.read()
    if text.count(needle) != 1:
        raise BenchError(f"{path}: expected one {needle.strip()!r} to add the bench's plain-HTTP listener; the template changed")
    with open(path, "w") as f:
        f.write(text.replace(needle, change(needle)))


def start_quick(state: str, database_url: str) -> BenchStack:
    """`make quick` as a user runs it (scripts/quick, mod_wsgi-express), on the bench's PostgreSQL."""
    os.makedirs(state)
    port, log = free_port(), os.path.join(state, "quick.log")
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("FLASK_", *environment.TUNING))}
    env.update(DATABASE_URL=database_url, SECRET_KEY=secrets.token_hex(32))
    counts = sizing.settings({})
    with open(os.path.join(frontends.DEPLOY, "apache", "express.conf")) as f:
        layout = dict(re.findall(r"^(StartServers|ThreadsPerChild) (\d+)", f.read(), re.M))
    settings = {"processes×threads": f"{counts['WSGI_PROCESSES']}×{counts['WSGI_THREADS']}",
                "Apache threads": f"{layout['StartServers']}×{layout['ThreadsPerChild']}"}
    child = spawn([os.path.join(PROJECT_DIR, "scripts", "quick"), str(port)], log, env, drop_root=False, cwd=PROJECT_DIR)
    return BenchStack("quick", state, port, [(child, signal.SIGTERM)], settings).ready("make quick", log, timeout=120)
