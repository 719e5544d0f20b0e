"""The compose stack: one profile of docker-compose.yml, brought up with compose and seen from the host.

Its fault controls are what compose offers: stop, start, signal or exec into a service. From the
host only the published ports answer (docker-compose.override.yml: the web server and MailHog's
API); with every container on the host network (.ci/docker-compose.hostnet.yml, CI) the database
and the app servers' own ports do too.
"""
import functools
import json
import os
import shutil
import subprocess
import time
import urllib.parse
import urllib.request

import psutil

from . import Stack

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OPERATOR_FILES = ("docker-compose.yml", "docker-compose.override.yml")  # what `docker compose` reads by itself
WEB_SERVER = {"apache": "apache", "gunicorn": "nginx-gunicorn", "fastcgi": "nginx-fastcgi"}
APP_SERVERS = {"apache": ("apache",), "gunicorn": ("gunicorn",), "fastcgi": ("fastcgi", "fastcgi-2")}
UPSTREAM = ("db", "mailhog")  # images this project does not build
TLS_DIR = "/etc/flask-reference/tls"  # where the web server keeps its certificate and local CA
# The image's own tool and config (RUN_DIR from its ENV), so the server checks the config first.
FLUP_START = "flup FastCGI server on"  # the line deploy/fastcgi/fcgi_server.py prints at each start
RELOAD = {"apache": 'apache2 -f "$RUN_DIR/httpd.conf" -k graceful', "nginx": 'nginx -c "$RUN_DIR/nginx.conf" -s reload'}


def compose_command() -> list[str]:
    """`docker compose` (v2) where the plugin is installed, else Debian's docker-compose 1.29."""
    v2 = shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0
    return ["docker", "compose"] if v2 else ["docker-compose"]


def docker(*arguments: str, timeout: float = 60) -> str:
    return subprocess.run(["docker", *arguments], check=True, capture_output=True, text=True, timeout=timeout).stdout.strip()


class ComposeStack(Stack):
    """`frontend` is the compose profile; `files` the -f files, relative to the project folder."""

    kind = "compose"
    smtp_port = 1025  # MailHog's, on the compose network (or the host's, on the host network)

    def __init__(self, frontend: str, state: str, files=OPERATOR_FILES, env: dict | None = None,
                 port: int = 8443, http_port: int = 8080, mail_api_port: int = 8025):
        self.frontend, self.state, self.files = frontend, state, list(files)
        self.env = {**os.environ, **(env or {})}
        self.port, self.http_port = port, http_port
        self.mail_api = f"http://{self.host}:{mail_api_port}"
        self.ca, self.cert = os.path.join(state, "ca.pem"), os.path.join(state, "cert.pem")
        self.api_token = self.env.get("API_TOKEN", "")
        self.web_service = WEB_SERVER[frontend]
        self.app_services = APP_SERVERS[frontend]
        self.command = [*compose_command(), *(arg for file in self.files for arg in ("-f", file)), "--profile", frontend]

    @classmethod
    def running(cls, state: str = os.path.join(PROJECT_DIR, ".native", "compose")) -> "ComposeStack | None":
        """The profile `make up` started (the operator's files), its CA copied to `state`; None if none runs."""
        for frontend in WEB_SERVER:
            stack = cls(frontend, state)
            if stack.compose("ps", "-q", stack.web_service, check=False).strip():
                stack.copy_certificates()
                return stack
        return None

    def compose(self, *arguments: str, check: bool = True, timeout: float = 300) -> str:
        """Run one compose command for this profile; its output, or RuntimeError with what it printed."""
        done = subprocess.run([*self.command, *arguments], cwd=PROJECT_DIR, env=self.env, capture_output=True,
                              text=True, timeout=timeout)
        if check and done.returncode:
            raise RuntimeError(f"{' '.join(arguments[:2])} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
        return done.stdout

    def up(self, timeout: float = 180) -> "ComposeStack":
        """Start the profile from images built beforehand; return once /readyz answers through HTTPS."""
        os.makedirs(self.state, exist_ok=True)
        self.compose("up", "-d", "--no-build")
        deadline = time.monotonic() + timeout
        while not (self.copy_certificates() and self.healthy()):
            if time.monotonic() > deadline:
                raise RuntimeError(f"compose profile {self.frontend} did not answer {self.url}readyz within {timeout:.0f} s")
            time.sleep(2)
        return self

    def copy_certificates(self) -> bool:
        """The CA and certificate the web server made at its first start, copied out of its container."""
        for path in (self.ca, self.cert):
            pem = self.compose("exec", "-T", self.web_service, "cat", f"{TLS_DIR}/{os.path.basename(path)}", check=False)
            if "BEGIN CERTIFICATE" not in pem:
                return False
            with open(path, "w") as copy:
                copy.write(pem)
        return True

    def stop(self) -> None:
        self.compose("down", "-v", "--remove-orphans", check=False)

    def logs(self, tail: int = 80) -> str:
        return self.compose("ps", check=False) + self.compose("logs", "--no-color", "--tail", str(tail), check=False)

    # ---- the containers ----
    def containers(self) -> dict[str, str]:
        """Each running service of the profile and its container's id."""
        ids = self.compose("ps", "-q").split()
        lines = docker("inspect", "-f", '{{index .Config.Labels "com.docker.compose.service"}} {{.Id}}', *ids) if ids else ""
        return dict(line.split() for line in lines.splitlines())

    def container(self, service: str) -> str:
        return self.compose("ps", "-q", service).strip()

    def inspect(self, service: str, template: str) -> str:
        return docker("inspect", "-f", template, self.container(service))

    def environment(self, service: str) -> dict[str, str]:
        return dict(item.partition("=")[::2] for item in json.loads(self.inspect(service, "{{json .Config.Env}}")))

    @functools.cached_property
    def host_network(self) -> bool:
        return self.inspect(self.web_service, "{{.HostConfig.NetworkMode}}") == "host"

    @property
    def database_url(self) -> str:
        if not self.host_network:
            raise NotImplementedError("the database has no port on the host (docker-compose.override.yml publishes none)")
        env = self.environment("db")
        password = env.get("POSTGRES_PASSWORD") or self.compose("exec", "-T", "db", "cat", env["POSTGRES_PASSWORD_FILE"]).strip()
        user = env.get("POSTGRES_USER", "postgres")
        return f"postgresql://{user}:{urllib.parse.quote(password, safe='')}@127.0.0.1:5432/{env.get('POSTGRES_DB', user)}"

    def app_url(self, service: str) -> str | None:
        """An app server's own address as the fault suite's InFlight names it; None where the host
        cannot reach it (Apache's mod_wsgi, or the app servers off the host network)."""
        if service not in self.app_services or not self.host_network:
            return None
        env = self.environment(service)
        if env.get("GUNICORN_BIND"):
            return "http://" + env["GUNICORN_BIND"].split(",")[0]
        return "fastcgi://" + env["FCGI_BIND"] if env.get("FCGI_BIND") else None

    def stop_service(self, service: str) -> tuple[float | None, int]:
        """`compose stop`: the image's STOPSIGNAL, SIGKILL after stop_grace_period. When Docker sent the
        signal (wall-clock, from its "kill" event; None if none was seen) and the exit code."""
        container, begun = self.container(service), time.time()
        self.compose("stop", service)
        events = docker("events", "--since", f"{begun - 1:.3f}", "--until", f"{time.time():.3f}", "--filter",
                        f"container={container}", "--filter", "event=kill", "--format", "{{.TimeNano}}")
        return (int(events.split()[0]) / 1e9 if events else None), int(docker("inspect", "-f", "{{.State.ExitCode}}", container))

    def start_services(self, *services: str, timeout: float = 120) -> None:
        """`compose start`, then wait until each is running and, where it has a HEALTHCHECK, healthy."""
        self.compose("start", *services)
        deadline = time.monotonic() + timeout
        for service in services:
            while self.inspect(service, "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}").strip() not in ("running", "running healthy"):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{service} is not healthy {timeout:.0f} s after compose start")
                time.sleep(1)

    # ---- processes, seen from the host (Docker runs them here, under their host pids) ----
    def web_pid(self) -> int | None:
        return int(self.inspect(self.web_service, "{{.State.Pid}}")) or None

    def app_pids(self) -> set[int]:
        if self.frontend == "fastcgi":
            raise NotImplementedError("flup starts again in place on SIGHUP (exec): its pid cannot tell a restart")
        pid = int(self.inspect(self.app_services[0], "{{.State.Pid}}"))
        children = psutil.Process(pid).children(recursive=True)
        if self.frontend == "apache":  # mod_wsgi's daemons, named "(wsgi:flask-reference)"
            return {child.pid for child in children if child.cmdline()[:1] and child.cmdline()[0].startswith("(wsgi:")}
        return {child.pid for child in children}  # gunicorn's workers

    def processes(self) -> set[int]:
        roots = [int(self.inspect(service, "{{.State.Pid}}")) for service in {self.web_service, *self.app_services}]
        return {pid for root in roots for pid in {root, *(child.pid for child in psutil.Process(root).children(recursive=True))}}

    # ---- fault controls ----
    def stop_database(self) -> None:
        self.compose("stop", "db")

    def start_database(self) -> None:
        self.start_services("db")

    def stop_mail(self) -> bool:
        was_running = bool(self.container("mailhog")) and self.inspect("mailhog", "{{.State.Running}}") == "true"
        self.compose("stop", "mailhog")
        return was_running

    def start_mail(self, timeout: float = 30) -> None:
        self.start_services("mailhog")
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
        tool = "apache" if self.frontend == "apache" else "nginx"
        self.compose("exec", "-T", self.web_service, "sh", "-c", RELOAD[tool])

    def reload_app_server(self) -> None:
        if self.frontend == "apache":  # mod_wsgi's daemons restart with Apache's graceful
            return self.reload_web_server()
        for service in self.app_services:  # one back end at a time: the other serves meanwhile
            starts = self._log_count(service, FLUP_START)
            self.compose("kill", "-s", "SIGHUP", service)
            if self.frontend == "fastcgi":
                self._wait_for_log(service, FLUP_START, count=starts + 1)

    def _log_count(self, service: str, line: str) -> int:
        return self.compose("logs", "--no-color", service, check=False).count(line)

    def _wait_for_log(self, service: str, line: str, count: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while self._log_count(service, line) < count:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{service} did not log {line!r} again within {timeout:.0f} s")
            time.sleep(0.2)

    def stop_app_server(self) -> None:
        self.compose("stop", *self.app_services)

    def start_app_server(self) -> None:
        self.start_services(*self.app_services)

    def flask(self, *arguments: str, timeout: float = 120):
        """In the outbox sender's container (every profile runs one): the app's image and settings.
        Not `compose run`: docker-compose 1.29 gives its container links, which the host network refuses."""
        return subprocess.run([*self.command, "exec", "-T", "outbox", "flask", "--app", "app", *arguments],
                              cwd=PROJECT_DIR, env=self.env, capture_output=True, text=True, timeout=timeout)
