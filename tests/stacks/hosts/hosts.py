"""The servers of each host, started inside the host's namespace, from the same deploy/ templates.

Each app host runs one front end's app server on its own address (gunicorn on :8000, two flup
back ends on :9000 and :9001, or Apache + mod_wsgi on :443), with /healthz's own port 100 above
(deploy/health.py). Every process started inside a namespace inherits it, so the ordinary
helpers of the native stack (processes.start, PostgresCluster) start them there unchanged.
"""
import http.client
import os
import signal
import socket
import ssl
import subprocess
import sys

import psutil

from deploy.health import health_bind

from ..native import frontends, processes
from ..native.runner import VENV_BIN, StackError, wait_until
from .netns import Network

PROJECT_DIR = frontends.PROJECT_DIR
# The ports each front end's app server listens on, on every app host (/healthz: 100 above each).
APP_PORTS = {"gunicorn": [8000], "fastcgi": [9000, 9001], "apache": [443]}


class AppHost:
    """One app host: its name (and namespace), address, state folder, and the app server it runs."""

    def __init__(self, network: Network, name: str, address: str, frontend: str, state: str, env: dict, values: dict):
        self.network, self.name, self.address, self.frontend = network, name, address, frontend
        self.state, self.env, self.values = state, env, values
        self.roots: list[int] = []  # gunicorn's master, each flup, or Apache's master
        os.makedirs(state, exist_ok=True)
        os.chmod(state, 0o755)

    @property
    def binds(self) -> list[str]:
        return [f"{self.address}:{port}" for port in APP_PORTS[self.frontend]]

    @property
    def log(self) -> str:
        """Where the app's own lines go (with ACCESS_LOG, one per request, with its X-Request-ID)."""
        return os.path.join(self.state, "apache-error.log" if self.frontend == "apache" else "app.log")

    @property
    def marker(self) -> str:
        """What the command line of each root process names (processes.stop checks it)."""
        return self.state if self.frontend == "apache" else self.address

    def start(self) -> None:
        with self.network.inside(self.name):
            if self.frontend == "gunicorn":
                bind, = self.binds
                command = [os.path.join(VENV_BIN, "gunicorn"), "-c", "python:deploy.gunicorn.conf",
                           "--bind", bind, "--bind", health_bind(bind)]
                self.roots = [processes.start(command, self.log, self.env, drop_root=True, cwd=PROJECT_DIR)]
            elif self.frontend == "fastcgi":
                self.roots = [processes.start([sys.executable, "-m", "deploy.fastcgi.fcgi_server", bind, health_bind(bind)],
                                              self.log, self.env, drop_root=True, cwd=PROJECT_DIR) for bind in self.binds]
            else:
                # A killed Apache leaves its pid file, and with it `-k start` would take the dead
                # pid for a running server and start nothing.
                pidfile = os.path.join(self.state, "apache.pid")
                if os.path.exists(pidfile) and not processes.is_ours(processes.read_pid(pidfile), self.state):
                    os.remove(pidfile)
                config = frontends.apache_config(self.state, self.values)
                for arguments in (("-t",), ("-k", "start")):
                    run(["apache2", "-f", config, *arguments], self.env)
                self.roots = [wait_for_pid(pidfile, self.state)]
        wait_until(self.accepts, 60, f"the {self.frontend} app server of {self.name}", self.state)

    def accepts(self) -> bool:
        """Every app port of the host takes a connection (asked from the test's client host)."""
        for bind in self.binds:
            try:
                address, port = bind.rsplit(":", 1)
                socket.create_connection((address, int(port)), timeout=1).close()
            except OSError:
                return False
        return True

    def ready(self) -> bool:
        """The host's own /readyz is 200, asked directly (not through the balancer); a flup back end
        binds its port only once the app is imported, so there its ports taking connections is the sign."""
        if not self.accepts():
            return False
        if self.frontend == "fastcgi":
            return True
        if self.frontend == "gunicorn":
            connection = http.client.HTTPConnection(self.address, APP_PORTS["gunicorn"][0], timeout=5)
        else:  # Apache serves the site's name with the site's certificate, as the balancer checks it
            context = ssl.create_default_context(cafile=self.values["BALANCER_CA"])
            context.check_hostname = False
            connection = http.client.HTTPSConnection(self.address, 443, context=context, timeout=5)
        try:
            connection.request("GET", "/readyz", headers={"Host": self.values["SERVER_NAME"], "X-Forwarded-Proto": "https"})
            return connection.getresponse().status == 200
        except OSError:
            return False
        finally:
            connection.close()

    def pids(self) -> set[int]:
        """Every process of the host's app server: the roots and all under them."""
        return {pid for root in self.roots if processes.is_ours(root, self.marker) for pid in {root} | processes.descendants(root)}

    def stop(self) -> None:
        """Gracefully, as a deploy does: requests in flight finish, new connections are refused."""
        graceful = signal.SIGWINCH if self.frontend == "apache" else signal.SIGTERM  # Apache's graceful-stop
        stopping = [psutil.Process(root) for root in self.roots if processes.is_ours(root, self.marker)]
        for process in stopping:  # all at once: each waits for its own requests
            process.send_signal(graceful)
        _, alive = psutil.wait_procs(stopping, timeout=40)
        for process in alive:
            process.kill()
        self.roots = []

    def kill(self) -> int:
        """SIGKILL every app process of the host at once, as a crashed machine would; returns how many."""
        pids = self.pids()
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for pid in pids:
            processes.reap(pid)
        self.roots = []
        return len(pids)


def run(command: list[str], env: dict) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise StackError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")


def wait_for_pid(path: str, state: str) -> int:
    wait_until(lambda: processes.read_pid(path) is not None, 30, path, state)
    return processes.read_pid(path)


def start_smtp(network: Network, host: str, address: str, maildir: str, log: str, env: dict) -> int:
    """The SMTP sink on the mail host, port 25: every message into a Maildir, as the native stack's."""
    command = [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"{address}:25", "-c", "aiosmtpd.handlers.Mailbox", maildir]
    with network.inside(host):
        pid = processes.start(command, log, env)
    wait_until(lambda: _accepts(address, 25), 30, "the SMTP sink", os.path.dirname(log))
    return pid


def start_s3(network: Network, host: str, address: str, log: str, env: dict) -> int:
    """moto's S3-compatible server on the storage host, port 5000."""
    with network.inside(host):
        pid = processes.start([sys.executable, "-m", "moto.server", "-H", address, "-p", "5000"], log, env)
    wait_until(lambda: _accepts(address, 5000), 60, "the S3 server", os.path.dirname(log))
    return pid


def start_balancer(network: Network, host: str, state: str, site_template: str, values: dict, env: dict) -> int:
    """nginx on the balancer host, with one of deploy/nginx's sites; returns its master's pid."""
    with network.inside(host):
        config = frontends.nginx_config(state, site_template, values)
        command = ["nginx", "-c", config, "-p", state, "-e", os.path.join(state, "nginx-error.log")]
        run([*command, "-t", "-q"], env)
        run(command, env)
    return wait_for_pid(os.path.join(state, "nginx.pid"), state)


def reload_balancer(state: str, site_template: str, values: dict, env: dict, master: int) -> None:
    """nginx on a new rendering of its site; returns once every worker of the old config has exited."""
    old = processes.descendants(master)
    config = frontends.nginx_config(state, site_template, values)
    run(["nginx", "-c", config, "-p", state, "-e", os.path.join(state, "nginx-error.log"), "-s", "reload"], env)
    wait_until(lambda: not old & processes.descendants(master), 40, "nginx's old workers to finish", state)


def flask(network: Network, host: str, env: dict, *arguments: str, log: str | None = None) -> subprocess.Popen:
    """`flask --app app ARGUMENTS` on a host, as the app servers' user; the caller waits for it."""
    with network.inside(host), open(log or os.devnull, "ab") as out:
        return subprocess.Popen([os.path.join(VENV_BIN, "flask"), "--app", "app", *arguments], cwd=PROJECT_DIR, env=env,
                                stdout=out if log else subprocess.PIPE, stderr=subprocess.STDOUT, **processes.run_as())


def _accepts(address: str, port: int) -> bool:
    try:
        socket.create_connection((address, port), timeout=1).close()
        return True
    except OSError:
        return False

