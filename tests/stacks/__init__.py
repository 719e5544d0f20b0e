"""One way to describe a running stack: where it answers, what it owns, how to hurt it, how to stop it.

Every suite (front ends, faults, e2e, smoke, bench) takes a `Stack` and never asks how it was
started. One implementation per way of running it: `native.NativeStack` (processes on loopback,
started by this project), `compose.ComposeStack` (the containers), `server.ServerStack` (a Debian
server booted with systemd), `hosts.HostsStack` (a balancer and three app hosts, each in a network
namespace of its own). A control a deployment cannot offer raises NotImplementedError, so a suite that
needs it fails loudly instead of testing nothing.
"""
import functools
import http.client
import ssl
import time
import urllib.parse
from dataclasses import dataclass

FRONTENDS = ("apache", "gunicorn", "fastcgi")


@dataclass
class Response:
    status: int
    headers: dict  # lower-case names
    body: bytes
    seconds: float


class Stack:
    """A stack that answers HTTPS on `host:port`, trusts `ca`, and keeps its logs in `state`."""

    kind = "abstract"
    frontend: str  # one of FRONTENDS
    host: str = "127.0.0.1"
    port: int  # HTTPS
    http_port: int  # plain HTTP, which redirects to HTTPS
    ca: str  # the CA file that verifies the stack's certificate
    cert: str  # the stack's own certificate (PEM), for clients that pin it
    state: str  # a folder of this stack's configs and logs
    database_url: str  # the app's own database, reachable from here
    api_token: str
    smtp_port: int | None  # where the app sends mail; None: no mail server
    outbox_interval: float | None  # seconds between two rounds of the periodic mail sender (flask outbox send --every); None: no sender
    status_port: int | None = None  # the web server's loopback-only listener: the app's /metrics, its own /server-status

    @property
    def name(self) -> str:
        return f"{self.kind}-{self.frontend}"

    @property
    def url(self) -> str:
        return f"https://{self.host}:{self.port}/"

    @property
    def http_url(self) -> str:
        return f"http://{self.host}:{self.http_port}/"

    @functools.cached_property
    def ssl(self) -> ssl.SSLContext:
        """One context per stack: making one loads the CA file, too slow to do per request under load."""
        return ssl.create_default_context(cafile=self.ca)

    # ---- seen from outside: the same for every deployment ----
    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
                timeout: float = 10) -> Response:
        """One request on a fresh connection; raises OSError when the connection fails."""
        connection = http.client.HTTPSConnection(self.host, self.port, context=self.ssl, timeout=timeout)
        return _exchange(connection, method, path, body, headers)

    def status_request(self, path: str, headers: dict | None = None, timeout: float = 10) -> Response:
        """GET on the web server's status listener (plain HTTP, loopback), as this host's scraper does."""
        return _exchange(http.client.HTTPConnection(self.host, self.status_port, timeout=timeout), "GET", path, None, headers)

    def healthy(self) -> bool:
        try:
            return self.request("GET", "/readyz", timeout=5).status == 200
        except OSError:
            return False

    def database(self):
        """A psycopg2 connection to the app's own database (autocommit)."""
        import psycopg2  # here: the smoke run against a remote server needs only the standard library

        connection = psycopg2.connect(self.database_url, connect_timeout=3)
        connection.autocommit = True
        return connection

    def sql(self, query: str, arguments=()) -> list[tuple]:
        """Run one statement on the app's database, on a connection of its own, closed after."""
        connection = self.database()
        try:
            with connection.cursor() as cursor:
                cursor.execute(query, arguments)
                return cursor.fetchall() if cursor.description else []
        finally:
            connection.close()

    def seed_users(self, count: int = 20) -> None:
        """Enough users for the database read to return `count` rows (as `flask seed-users` does)."""
        self.sql("INSERT INTO users (username, email) SELECT 'user' || n, 'user' || n || '@example.com' "
                 "FROM generate_series(1, %s) AS n ON CONFLICT DO NOTHING", (count,))

    # ---- what the deployment owns, and the fault controls: one implementation each ----
    def stop(self) -> None:
        """Take down everything this stack started, and nothing else."""
        raise NotImplementedError

    def web_pid(self) -> int | None:
        """nginx's or Apache's master process."""
        raise NotImplementedError

    def app_pids(self) -> set[int]:
        """The processes that run the app's code (gunicorn's workers, mod_wsgi's daemons, the flup
        back ends): a restart anywhere changes this set."""
        raise NotImplementedError

    def page_pids(self) -> set[int]:
        """The app processes that serve ordinary requests: app_pids() without Apache's daemons kept
        apart for /healthz and for request bodies."""
        return self.app_pids()

    def processes(self) -> set[int]:
        """Every process of the stack's web and app tier, for memory and CPU figures."""
        raise NotImplementedError

    def web_access_log(self) -> str:
        """What the web server has logged of the requests so far (its access log)."""
        raise NotImplementedError

    def stop_database(self) -> None:
        """A database outage: every backend gone at once, the data kept."""
        raise NotImplementedError

    def start_database(self) -> None:
        raise NotImplementedError

    def freeze_database(self) -> None:
        """A database stall (storage, a paused VM, a dropped network): every PostgreSQL process
        stopped where it stands, connections left open, nothing answered until thaw_database()."""
        raise NotImplementedError

    def thaw_database(self) -> None:
        """The frozen database runs on from where it stood; safe to call when it is not frozen."""
        raise NotImplementedError

    def stop_mail(self) -> bool:
        """A mail outage: the SMTP server goes away. False if it was not running."""
        raise NotImplementedError

    def start_mail(self) -> None:
        """The SMTP server again, on the same port; returns once it accepts connections."""
        raise NotImplementedError

    def delivered(self) -> list[bytes]:
        """Every message the mail server has received, as raw RFC 5322 bytes."""
        raise NotImplementedError

    def hang_mail(self) -> None:
        """A stalled mail server: its port accepts connections and never says a word (no greeting,
        no reply), the way an overloaded or half-dead relay behaves. unhang_mail() ends it."""
        raise NotImplementedError

    def unhang_mail(self) -> None:
        """The real SMTP server again on the same port (the hanging connections are closed)."""
        raise NotImplementedError

    def kill_outbox_sender(self) -> int:
        """SIGKILL the periodic mail sender (not its supervisor), wherever it is in a message;
        returns the pid killed. Its supervisor (systemd, compose, the native runner) starts another."""
        raise NotImplementedError

    def reload_web_server(self) -> None:
        """What an operator does after changing a config: nginx -s reload, apachectl graceful."""
        raise NotImplementedError

    def reload_app_server(self) -> None:
        """New code or settings without a stop: gunicorn HUP, each flup back end in turn; Apache's
        mod_wsgi daemons restart with its graceful."""
        raise NotImplementedError

    def stop_app_server(self) -> None:
        """The app servers gone (Apache: its mod_wsgi daemons go with it)."""
        raise NotImplementedError

    def start_app_server(self) -> None:
        """The app servers again, with the settings they had (a new SECRET_KEY would sign users out)."""
        raise NotImplementedError

    def flask(self, *arguments: str, timeout: float = 120):
        """`flask --app app ARGUMENTS` against this stack's database and mail (a CompletedProcess)."""
        raise NotImplementedError

    def fill_upload_disk(self, size_bytes: int) -> None:
        """A full disk: UPLOAD_FOLDER becomes a filesystem with room for size_bytes only. What was
        stored there before is out of sight until free_upload_disk(); what is stored meanwhile goes with it."""
        raise NotImplementedError

    def free_upload_disk(self) -> None:
        """UPLOAD_FOLDER on its own disk again; nothing if it was not filled."""
        raise NotImplementedError


def _exchange(connection: http.client.HTTPConnection, method: str, path: str, body: bytes | None, headers: dict | None) -> Response:
    started = time.monotonic()
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        return Response(response.status, {k.lower(): v for k, v in response.getheaders()}, data, time.monotonic() - started)
    finally:
        connection.close()


class RemoteStack(Stack):
    """A stack someone else started (a real server, `make up-native` in another shell), known by
    its URL alone: it can be asked, not controlled."""

    kind = "remote"

    def __init__(self, base_url: str, ca: str | None = None, frontend: str = "unknown"):
        self.base = urllib.parse.urlsplit(base_url)
        self.frontend = frontend
        self.host = self.base.hostname
        self.port = self.base.port or (443 if self.base.scheme == "https" else 80)
        self.ca = ca

    @property
    def url(self) -> str:
        return urllib.parse.urlunsplit(self.base)

