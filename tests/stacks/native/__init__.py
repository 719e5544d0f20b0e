"""The native stack: PostgreSQL, an SMTP sink, an app server and a web server, as processes on loopback.

Used by `make up-native` / `make down-native` (`python -m tests.stacks.native -h`) and by every suite
that runs against the native front ends, through `NativeStack`.
"""
import glob
import mailbox
import os
import signal
import socket
import time

from .. import Stack
from . import processes, runner
from .frontends import PROJECT_DIR
from .hanging_smtp import HangingServer
from .postgres import PostgresCluster

# make up-native's state folders, one per front end (NATIVE_ROOT: elsewhere, as the tests of make smoke need)
DEFAULT_ROOT = os.environ.get("NATIVE_ROOT") or os.path.join(PROJECT_DIR, ".native")


class NativeStack(Stack):
    """A stack that runner.up() started; `info` is what it recorded in STATE/state.json."""

    kind = "native"

    def __init__(self, info: dict):
        self.info = info
        self.frontend = info["frontend"]
        self.state = info["state"]
        self.port = info["https_port"]
        self.http_port = info["port"]
        self.status_port = info.get("status_port")  # None for a stack recorded before it had one
        self.ca = info["tls"]["ca"]
        self.cert = info["tls"]["cert"]
        self.database_url = info["database_url"]
        # A stack may run without mail or the outbox sender (the bench's): then these are None.
        self.api_token = info.get("api_token")
        self.smtp_port = info.get("smtp_port")
        self.outbox_interval = info.get("outbox_interval")

    @classmethod
    def start(cls, frontend: str, state: str, port: int, https_port: int | None = None,
              tls_dir: str | None = None) -> "NativeStack":
        return cls(runner.up(frontend, port, state, https_port=https_port, tls_dir=tls_dir))

    @classmethod
    def running(cls, state: str) -> "NativeStack | None":
        """The stack recorded in a state folder, if one is."""
        info = runner.load(state)
        return cls(info) if info else None

    def refresh(self) -> None:
        """Read state.json again: the runner records new pids there after a restart."""
        self.info = runner.load(self.state)

    def stop(self) -> None:
        runner.down(self.state)

    # ---- processes ----
    @property
    def maildir(self) -> str:
        return self.info["maildir"]

    @property
    def web_config(self) -> str:
        """The main config nginx or Apache reads (the operator's site included from it)."""
        return self.info["web_config"]

    @property
    def app_sockets(self) -> list[str]:
        return self.info.get("app_sockets", [])

    def web_pid(self) -> int | None:
        return processes.read_pid(os.path.join(self.state, "apache.pid" if self.frontend == "apache" else "nginx.pid"))

    def app_pids(self) -> set[int]:
        self.refresh()
        if self.frontend == "apache":
            # display-name=%{GROUP} shows as "(wsgi:flask-reference)", cut to the length of argv[0]
            return {pid for pid in processes.descendants(self.web_pid()) if processes.cmdline(pid).startswith("(wsgi:")}
        if self.frontend == "gunicorn":
            return processes.descendants(self.info.get("app_pid"))
        return {pid for supervisor in self.info["app_pids"] for pid in processes.descendants(supervisor)}

    def page_pids(self) -> set[int]:
        pids = self.app_pids()
        if self.frontend == "apache":
            # The display names are cut to argv[0]'s length, "(wsgi:f" for every group; but each
            # daemon listens on its own group's socket, numbered in config order: the main group is 1.
            return {pid for pid in pids if any(path.endswith(".1.sock") for path in processes.unix_listeners(pid))}
        return pids

    def processes(self) -> set[int]:
        self.refresh()
        roots = [self.web_pid(), self.info.get("app_pid"), *self.info.get("app_pids", [])]
        return {pid for root in roots if root for pid in {root} | processes.descendants(root)}

    def web_access_log(self) -> str:
        with open(os.path.join(self.state, "apache-access.log" if self.frontend == "apache" else "nginx-access.log"),
                  errors="replace") as log:
            return log.read()

    # ---- fault controls ----
    def cluster(self) -> PostgresCluster:
        pg = self.info["postgres"]
        return PostgresCluster(pg["bindir"], port=pg["port"], root=pg["root"])

    def stop_database(self) -> None:
        self.cluster().stop_immediately()

    def start_database(self) -> None:
        self.cluster().start_again()

    def freeze_database(self) -> None:
        self.cluster().freeze()

    def thaw_database(self) -> None:
        self.cluster().thaw()

    def stop_mail(self) -> bool:
        return runner.stop_mail(self.state)

    def start_mail(self) -> None:
        runner.start_mail(self.state)

    def delivered(self) -> list[bytes]:
        if not os.path.isdir(self.maildir):
            return []
        box = mailbox.Maildir(self.maildir, factory=None, create=False)
        return [box.get_bytes(key) for key in box.keys()]

    def hang_mail(self) -> None:
        runner.stop_mail(self.state)
        self._hanging = HangingServer(self.smtp_port)

    def unhang_mail(self) -> None:
        self._hanging.close()
        runner.start_mail(self.state)

    def kill_outbox_sender(self) -> int:
        return runner.kill_outbox_sender(self.state)

    def reload_web_server(self) -> None:
        runner.reload_web_server(self.state)

    def reload_app_server(self) -> None:
        if self.frontend == "apache":
            self.reload_web_server()
        elif self.frontend == "gunicorn":
            os.kill(self.info["app_pid"], signal.SIGHUP)
        else:  # one flup back end at a time: nginx sends every request to the other meanwhile
            for number, supervisor in enumerate(self.info["app_pids"], 1):
                self._restart_flup(number, supervisor)

    def _restart_flup(self, number: int, supervisor: int, timeout: float = 30) -> None:
        """HUP one back end (through its supervisor) and wait until it accepts connections again.

        flup drains its requests, then starts again in a fresh interpreter on the same socket. Its
        start-up line comes before it binds the socket: both are awaited, or the next back end
        would go down while this one cannot take connections yet.
        """
        log, path = os.path.join(self.state, f"fastcgi-{number}.log"), self.app_sockets[number - 1]
        starts = _flup_starts(log)
        os.kill(supervisor, signal.SIGHUP)
        deadline = time.monotonic() + timeout
        while not (_flup_starts(log) > starts and _accepts(path)):
            if time.monotonic() > deadline or not processes.descendants(supervisor):
                raise runner.StackError(f"flup back end {number} did not come back; see {log}")
            time.sleep(0.05)

    def stop_app_server(self) -> None:
        """gunicorn's master or both flup supervisors, gracefully; Apache whole (its mod_wsgi daemons
        are its children). The environment they ran with is kept for start_app_server()."""
        self.refresh()
        if self.frontend == "apache":
            self._app_environment = processes.environment(min(self.app_pids()))
            processes.stop(self.web_pid(), self.state)
            return
        roots = [self.info["app_pid"]] if self.frontend == "gunicorn" else self.info["app_pids"]
        self._app_environment = processes.environment(roots[0])
        for pid in roots:
            processes.stop(pid, self.state)

    def start_app_server(self) -> None:
        """Again, with the environment they had (a new SECRET_KEY would sign every user out);
        returns once the stack answers /readyz."""
        env = self._app_environment
        if self.frontend == "apache":
            runner.start_web_server_again(self.state, env)
        else:
            runner.start_app_server_again(self.state, env)
        self.refresh()
        runner.wait_until(self.healthy, 60, f"{self.frontend} after its app server started again", self.state)

    def flask(self, *arguments: str, timeout: float = 120):
        return runner.flask(self.state, *arguments, timeout=timeout)

    def fill_upload_disk(self, size_bytes: int) -> None:
        runner.mount_small_upload_disk(self.state, size_bytes)

    def free_upload_disk(self) -> None:
        runner.unmount_small_upload_disk(self.state)


def _flup_starts(log: str) -> int:
    with open(log, errors="replace") as f:
        return f.read().count("flup FastCGI server on")


def _accepts(path: str) -> bool:
    with socket.socket(socket.AF_UNIX) as probe:
        try:
            probe.connect(path)
            return True
        except OSError:
            return False


def running(states: list[str] | None = None) -> list[NativeStack]:
    """The stacks recorded under .native/ (or in the given state folders) that are still there."""
    found = (NativeStack.running(state) for state in states or sorted(glob.glob(os.path.join(DEFAULT_ROOT, "*"))))
    return [stack for stack in found if stack]
