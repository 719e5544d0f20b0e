"""The compose stack: one profile of docker-compose.yml, brought up with compose and seen from the host.

Its fault controls are what compose offers: stop, start, signal or exec into a service (`project`).
From the host only the published ports answer (docker-compose.override.yml: the web server and
MailHog's API); with every container on the host network (.ci/docker-compose.hostnet.yml, CI) the
database and the app servers' own ports do too.
"""
import functools
import json
import os
import time
import urllib.parse
import urllib.request

import psutil

from .. import Stack
from .project import OPERATOR_FILES, PROJECT_DIR, Project

WEB_SERVER = {"apache": "apache", "gunicorn": "nginx-gunicorn", "fastcgi": "nginx-fastcgi"}
APP_SERVERS = {"apache": ("apache",), "gunicorn": ("gunicorn",), "fastcgi": ("fastcgi", "fastcgi-2")}
UPSTREAM = ("db", "mailhog")  # images this project does not build
TLS_DIR = "/etc/flask-reference/tls"  # where the web server keeps its certificate and local CA
# The image's own tool and config (RUN_DIR from its ENV), so the server checks the config first.
RELOAD = {"apache": 'apache2 -f "$RUN_DIR/httpd.conf" -k graceful', "nginx": 'nginx -c "$RUN_DIR/nginx.conf" -s reload'}
FLUP_START = "flup FastCGI server on"  # the line deploy/fastcgi/fcgi_server.py prints at each start


class ComposeStack(Stack):
    """`frontend` is the compose profile; `files` the -f files, relative to the project folder."""

    kind = "compose"
    smtp_port = 1025  # MailHog's, on the compose network (or the host's, on the host network)

    def __init__(self, frontend: str, state: str, files=OPERATOR_FILES, env: dict | None = None,
                 port: int = 8443, http_port: int = 8080, mail_api_port: int = 8025):
        self.frontend, self.state = frontend, state
        self.project = Project(frontend, files, env)
        self.port, self.http_port = port, http_port
        self.mail_api = f"http://{self.host}:{mail_api_port}"
        self.ca, self.cert = os.path.join(state, "ca.pem"), os.path.join(state, "cert.pem")
        self.api_token = self.project.env.get("API_TOKEN", "")
        self.outbox_interval = float(self.project.env.get("OUTBOX_INTERVAL") or 30)  # the outbox service's --every
        self.web_service, self.app_services = WEB_SERVER[frontend], APP_SERVERS[frontend]

    @classmethod
    def running(cls, state: str = os.path.join(PROJECT_DIR, ".native", "compose")) -> "ComposeStack | None":
        """The profile `make up` started (the operator's files), its CA copied to `state`; None if none runs."""
        for frontend in WEB_SERVER:
            stack = cls(frontend, state)
            if stack.project("ps", "-q", stack.web_service, check=False).strip():
                os.makedirs(state, exist_ok=True)
                stack.copy_certificates()
                return stack
        return None

    def up(self, timeout: float = 180) -> "ComposeStack":
        """Start the profile from images built beforehand; return once /readyz answers through HTTPS."""
        os.makedirs(self.state, exist_ok=True)
        self.project("up", "-d", "--no-build")
        deadline = time.monotonic() + timeout
        while not (self.copy_certificates() and self.healthy()):
            if time.monotonic() > deadline:
                raise RuntimeError(f"compose profile {self.frontend} did not answer {self.url}readyz within {timeout:.0f} s")
            time.sleep(2)
        return self

    def copy_certificates(self) -> bool:
        """The CA and certificate the web server made at its first start, copied out of its container."""
        for path in (self.ca, self.cert):
            pem = self.project("exec", "-T", self.web_service, "cat", f"{TLS_DIR}/{os.path.basename(path)}", check=False)
            if "BEGIN CERTIFICATE" not in pem:
                return False
            with open(path, "w") as copy:
                copy.write(pem)
        return True

    def stop(self) -> None:
        self.project("down", "-v", "--remove-orphans", check=False)

    @functools.cached_property
    def host_network(self) -> bool:
        return self.project.inspect(self.web_service, "{{.HostConfig.NetworkMode}}") == "host"

    @property
    def status_port(self) -> int | None:
        """The web server's loopback-only listener (deploy/defaults.env STATUS_PORT): the host reaches
        it only when the containers share its network (CI); otherwise only the container itself does."""
        return 9180 if self.host_network else None

    @property
    def database_url(self) -> str:
        if not self.host_network:
            raise NotImplementedError("the database has no port on the host (docker-compose.override.yml publishes none)")
        env = self.project.environment("db")
        password = env.get("POSTGRES_PASSWORD") or self.project("exec", "-T", "db", "cat", env["POSTGRES_PASSWORD_FILE"]).strip()
        user = env.get("POSTGRES_USER", "postgres")
        return f"postgresql://{user}:{urllib.parse.quote(password, safe='')}@127.0.0.1:5432/{env.get('POSTGRES_DB', user)}"

    def app_url(self, service: str) -> str | None:
        """An app server's own address as the fault suite's InFlight names it; None where the host
        cannot reach it (Apache's mod_wsgi, or the app servers off the host network)."""
        if service not in self.app_services or not self.host_network:
            return None
        env = self.project.environment(service)
        if env.get("GUNICORN_BIND"):
            return "http://" + env["GUNICORN_BIND"].split(",")[0]
        return "fastcgi://" + env["FCGI_BIND"] if env.get("FCGI_BIND") else None

    # ---- processes, seen from the host (Docker runs them here, under host pids) ----
    def web_pid(self) -> int | None:
        return self.project.pid(self.web_service) or None

    def app_pids(self) -> set[int]:
        if self.frontend == "fastcgi":
            raise NotImplementedError("flup starts again in place on SIGHUP (exec): its pid cannot tell a restart")
        children = psutil.Process(self.project.pid(self.app_services[0])).children(recursive=True)
        if self.frontend == "apache":  # mod_wsgi's daemons, named "(wsgi:flask-reference)"
            return {child.pid for child in children if _command(child).startswith("(wsgi:")}
        return {child.pid for child in children}  # gunicorn's workers

    def processes(self) -> set[int]:
        roots = [psutil.Process(self.project.pid(service)) for service in {self.web_service, *self.app_services}]
        return {process.pid for root in roots for process in (root, *root.children(recursive=True))}

    def web_access_log(self) -> str:
        return self.project("logs", "--no-color", self.web_service)  # the images log access to stdout

    # ---- fault controls ----
    def stop_database(self) -> None:
        self.project("stop", "db")

    def start_database(self) -> None:
        self.project.start("db")

    def stop_mail(self) -> bool:
        was_running = bool(self.project.container("mailhog")) and self.project.inspect("mailhog", "{{.State.Running}}") == "true"
        self.project("stop", "mailhog")
        return was_running

    def start_mail(self, timeout: float = 30) -> None:
        self.project.start("mailhog")
        deadline = time.monotonic() + timeout
        while True:  # it has no HEALTHCHECK: its API answering says it is up
            try:
                self.delivered()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def delivered(self) -> list[bytes]:
        """MailHog's API (and the CI stand-in's): each message's Raw.Data, as the app sent it."""
        with urllib.request.urlopen(f"{self.mail_api}/api/v2/messages", timeout=10) as answer:
            return [item["Raw"]["Data"].encode() for item in json.load(answer)["items"]]

    def reload_web_server(self) -> None:
        self.project("exec", "-T", self.web_service, "sh", "-c", RELOAD["apache" if self.frontend == "apache" else "nginx"])

    def reload_app_server(self) -> None:
        if self.frontend == "apache":  # mod_wsgi's daemons restart with Apache's graceful
            return self.reload_web_server()
        for service in self.app_services:  # one back end at a time: the other serves meanwhile
            starts = self.project.log_count(service, FLUP_START)
            self.project("kill", "-s", "SIGHUP", service)
            if self.frontend == "fastcgi":
                self.project.wait_for_log(service, FLUP_START, count=starts + 1)

    def stop_app_server(self) -> None:
        self.project("stop", *self.app_services)

    def start_app_server(self) -> None:
        self.project.start(*self.app_services)

    def flask(self, *arguments: str, timeout: float = 120):
        """In the outbox sender's container (every profile runs one): the app's image and settings.
        Not `compose run`: docker-compose 1.29 gives its container links, which the host network refuses."""
        return self.project.run("exec", "-T", "outbox", "flask", "--app", "app", *arguments, timeout=timeout)


def _command(process: psutil.Process) -> str:
    """Its program name; "" for one that exits meanwhile (a daemon Apache's graceful restart ends)."""
    try:
        return (process.cmdline() or [""])[0]
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return ""
