"""The server stack: a fresh Debian bookworm server (systemd as PID 1 in a container) on which the
project is installed the README's way, by one command: `deploy/install FRONTEND`, as root.

The server has no network (`--network none`): apt installs from the packages its image downloaded
beforehand, pip from a wheelhouse built here (PIP_NO_INDEX, PIP_FIND_LINKS), so the install command
runs unchanged. Debian's defaults stay inside the server's own network namespace (the web server on
:80 and :443, PostgreSQL on 5432): the test process enters it (netns.py) and asks 127.0.0.1, and the
SMTP sink it starts there is where the server sends mail. Pids (web_pid, app_pids, processes) are
the container's own, as `ps` on the server shows them.
"""
import io
import os
import re
import shlex
import shutil
import time
import urllib.parse

from dotenv import dotenv_values

from tests.services.smtp import SmtpSink

from .. import Stack
from . import container, wheelhouse
from .container import APP_DIR, HOSTNAME, ServerError, docker
from .controls import ACCESS_LOG, APP_UNITS, WEB_UNIT, ServerControls
from .netns import NetworkNamespace

ENV_FILE = "/etc/flask-reference/env"
TLS_CERT = "/etc/flask-reference/tls/fullchain.pem"


class ServerStack(ServerControls, Stack):
    kind = "server"
    host, port, http_port = "127.0.0.1", 443, 80
    status_port = 9180  # the web server's loopback-only listener (deploy/defaults.env STATUS_PORT)

    def __init__(self, frontend: str, state: str, keep: bool = False):
        self.frontend, self.state, self.keep = frontend, state, keep
        self.container = f"flask-reference-server-{frontend}"
        self.netns = NetworkNamespace()
        self.sink: SmtpSink | None = None
        self.ca = self.cert = os.path.join(state, "fullchain.pem")
        self.times: dict[str, float] = {}
        self._env_file: dict | None = None
        self.environment: dict[str, str] = {"SERVER_NAME": HOSTNAME}  # deploy/defaults.env values
        self.app_settings: dict[str, str] = {}  # the app's own, as KEY=VALUE arguments

    # A browser writes no default port: nor do these, so a Referer made from them matches the Host
    # the app sees (Werkzeug drops :443 from it; Flask-WTF's CSRF check compares the ports).
    @property
    def url(self) -> str:
        return f"https://{self.host}/"

    @property
    def http_url(self) -> str:
        return f"http://{self.host}/"

    @classmethod
    def start(cls, frontend: str, state: str, environment: dict | None = None, settings: dict | None = None,
              keep: bool = False, install: str | list[str] | None = None, timeout: float = 900) -> "ServerStack":
        """Boot a fresh server, copy the project to /srv/app, run `deploy/install FRONTEND
        KEY=VALUE…` (or `install`: an argv or a README line, see install()) as root; return once
        /readyz answers over HTTPS.

        `environment`: values of deploy/defaults.env (SERVER_NAME=shop.example unless given);
        `settings`: the app's own (.env.example), which the install writes into its env file:
        the mail settings point at the sink this stack starts unless given."""
        stack = cls(frontend, state, keep)
        os.makedirs(state, exist_ok=True)
        try:
            stack._timed("image", container.ensure_image)
            house = stack._timed("wheelhouse", wheelhouse.ensure)
            stack._timed("boot", lambda: (container.run(stack.container, house), container.wait_booted(stack.container)))
            stack._timed("copy", lambda: container.copy_project(stack.container))
            stack._enter()
            stack.sink = SmtpSink().start()  # after entering: its socket lives where it was opened
            stack.environment = {"SERVER_NAME": HOSTNAME, **(environment or {})}
            stack.app_settings = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(stack.sink.port), **(settings or {})}
            stack._timed("install", lambda: stack.install(install or [f"{APP_DIR}/deploy/install", frontend],
                                                         timeout=timeout))
            stack._timed("ready", stack._after_install)
        except BaseException:
            stack.stop(remove=not keep)  # kept: the failed server stays up to be looked at
            raise
        return stack

    def _timed(self, step: str, action):
        started = time.monotonic()
        try:
            return action()
        finally:
            self.times[step] = time.monotonic() - started

    def install(self, command: str | list[str], check: bool = True, timeout: float = 900):
        """Run the install as root: an argv, or a shell line as the README shows it (`sudo` and
        NAME=VALUE words before the command become its environment). The stack's own settings
        (the sink's mail port, those given to start) follow as KEY=VALUE arguments, pip finds the
        wheelhouse. Its output goes to STATE/install.log (appended); a CompletedProcess."""
        words = shlex.split(command) if isinstance(command, str) else list(command)
        environment = {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": "/wheelhouse", **self.environment}
        while words and (words[0] == "sudo" or re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", words[0])):
            name, _, value = words.pop(0).partition("=")
            if name != "sudo":
                environment[name] = value
        words += [f"{name}={value}" for name, value in self.app_settings.items()]
        flags = [option for name, value in environment.items() for option in ("-e", f"{name}={value}")]
        done = docker("exec", *flags, "-w", APP_DIR, self.container, *words, check=False, timeout=timeout)
        with open(os.path.join(self.state, "install.log"), "a") as log:
            log.write(f"$ {shlex.join(words)}\n{done.stdout}\n--- stderr ---\n{done.stderr}\nexit {done.returncode}\n")
        self._env_file = None  # the install may have changed it
        if check and done.returncode != 0:
            raise ServerError(f"{shlex.join(words)} exited {done.returncode}; {self.state}/install.log. Last lines:\n"
                              + "\n".join((done.stdout + done.stderr).splitlines()[-30:]))
        return done

    def _after_install(self, timeout: float = 120) -> None:
        self.refresh_ca()
        self.wait_until(self.healthy, timeout, f"{self.url}readyz")

    # ---- the network namespace and the mail sink in it ----
    def _enter(self) -> None:
        self.netns.enter(container.pid(self.container))

    # ---- what the install left on the server ----
    @property
    def env_file(self) -> dict:
        """The env file the install wrote (KEY=VALUE lines), as python-dotenv reads it; read once
        (`del stack.env_file` after changing it; install() forgets it itself)."""
        if self._env_file is None:
            self._env_file = dotenv_values(stream=io.StringIO(self.exec("cat", ENV_FILE).stdout))
        return self._env_file

    @env_file.deleter
    def env_file(self) -> None:
        self._env_file = None

    @property
    def database_url(self) -> str:
        """DATABASE_URL with DATABASE_PASSWORD in it, as the app combines them (127.0.0.1:5432 in
        the server's namespace, where this process is)."""
        url = urllib.parse.urlsplit(self.env_file["DATABASE_URL"])
        password = self.env_file.get("DATABASE_PASSWORD")
        if not password or url.password:
            return url.geturl()
        user = f"{url.username}:{urllib.parse.quote(password, safe='')}"
        return url._replace(netloc=f"{user}@{url.hostname}" + (f":{url.port}" if url.port else "")).geturl()

    @property
    def api_token(self) -> str:
        return self.env_file.get("API_TOKEN", "")

    @property
    def smtp_port(self) -> int | None:
        return self.sink.port if self.sink else None

    @property
    def outbox_interval(self) -> float | None:
        if self.systemctl("is-enabled", "flask-reference-outbox", check=False).stdout.strip() != "enabled":
            return None
        found = self.systemctl("show", "-p", "Environment", "--value", "flask-reference-outbox").stdout.split()
        values = dict(item.partition("=")[::2] for item in found)
        return float(self.env_file.get("OUTBOX_INTERVAL") or values.get("OUTBOX_INTERVAL") or 30)

    def refresh_ca(self, path: str = TLS_CERT) -> None:
        """Trust the certificate the server has at `path` now (the install's self-signed one, or
        what a test put there), and forget the SSL context made from the old one."""
        pem = self.exec("cat", path).stdout
        with open(self.ca, "w") as copy:
            copy.write(pem)
        self.__dict__.pop("ssl", None)

    def web_access_log(self) -> str:
        return self.exec("cat", ACCESS_LOG[self.frontend]).stdout

    # ---- on the server ----
    def exec(self, *command: str, check: bool = True, input: str | bytes | None = None, timeout: float = 120,
             user: str | None = None, workdir: str | None = None):
        """`docker exec` on the server (a CompletedProcess, text unless `input` is bytes)."""
        options = ["-i"] if input is not None else []
        options += ["-u", user] if user else []
        options += ["-w", workdir] if workdir else []
        return docker("exec", *options, self.container, *command, check=check, input=input, timeout=timeout)

    def systemctl(self, *arguments: str, check: bool = True):
        return self.exec("systemctl", *arguments, check=check)

    def journal(self, unit_or_identifier: str, lines: int = 200) -> str:
        """A unit's journal (a name with a dot or @, or a known unit) or a syslog identifier's."""
        option = "-u" if unit_or_identifier in (*WEB_UNIT.values(), *sum(APP_UNITS.values(), ()),
                                                "postgresql", "flask-reference-outbox") or "." in unit_or_identifier \
            or "@" in unit_or_identifier else "-t"
        return self.exec("journalctl", "--no-pager", "-o", "cat", "-n", str(lines), option, unit_or_identifier,
                         check=False).stdout

    def flask(self, *arguments: str, timeout: float = 120):
        return self.exec(f"{APP_DIR}/.venv/bin/flask", "--app", "wsgi", *arguments, check=False, timeout=timeout,
                         user="www-data", workdir=APP_DIR)

    def wait_until(self, condition, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise ServerError(f"{self.container}: {what} not there within {timeout:.0f} s; failed units:\n"
                                  + self.systemctl("--failed", "--no-pager", "--plain", check=False).stdout)
            time.sleep(0.2)

    # ---- the whole server ----
    def stop(self, remove: bool = True) -> None:
        if remove:
            docker("rm", "-f", self.container, check=False)
        self.netns.leave()
        if self.sink:
            try:
                self.sink.stop()
            except (AssertionError, RuntimeError, OSError):  # never started, or stopped already
                pass
        if not self.keep:
            shutil.rmtree(self.state, ignore_errors=True)

    def reboot(self, timeout: float = 180) -> None:
        """`docker restart`: systemd stops every unit and boots again; the namespace is a new one."""
        self.stop_mail()
        self.netns.leave()
        docker("restart", self.container, timeout=timeout)
        container.wait_booted(self.container, timeout)
        self._enter()
        self._sink_again()
        self.wait_until(self.healthy, timeout, f"{self.url}readyz after the reboot")
