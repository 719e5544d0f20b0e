"""What every fault case shares: the stack under test, and the row it reports in the table."""
import http.client
import os
import ssl
import time
from dataclasses import dataclass, field

import psycopg2

from stack import processes
from stack.processes import descendants
from stack.postgres import PostgresCluster

# The routes the loads use: no database, a Jinja2 template, a PostgreSQL read (the API's user list).
HELLO, TEMPLATE, DATABASE_READ = "/", "/hello/fault", "/api/users/"


@dataclass
class Result:
    """One row of the table: what a client saw while one fault was provoked on one front end."""

    fault: str
    frontend: str
    sent: int = 0
    failed: int = 0
    slowest: float = 0.0  # seconds, the slowest answer a client waited for
    recovery: float | None = None  # seconds until the stack served normally again; None: not applicable
    problems: list[str] = field(default_factory=list)  # each a target missed; empty means passed
    details: list[str] = field(default_factory=list)  # figures printed under the table
    # A target this stack cannot reach for a reason outside it (measured, and named here): the row
    # says LIMIT instead of ok, and the suite still fails if the case's own bound is exceeded.
    limit: str = ""

    @property
    def passed(self) -> bool:
        return not self.problems

    @property
    def verdict(self) -> str:
        return "FAILED" if self.problems else "LIMIT" if self.limit else "ok"

    def expect(self, condition: bool, problem: str) -> None:
        if not condition:
            self.problems.append(problem)


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes
    seconds: float


class Stack:
    """A stack started by stack.runner.up(), seen from outside: its URL, processes and database."""

    def __init__(self, info: dict):
        self.info = info
        self.frontend = info["frontend"]
        self.state = info["state"]
        self.host = "127.0.0.1"
        self.port = info["https_port"]
        self.ca = info["tls"]["ca"]
        self.ssl = ssl.create_default_context(cafile=self.ca)

    def url(self, path: str = "/") -> str:
        return f"https://{self.host}:{self.port}{path}"

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
                timeout: float = 10) -> Response:
        """One request on a fresh connection; raises OSError when the connection fails."""
        started = time.monotonic()
        connection = http.client.HTTPSConnection(self.host, self.port, context=self.ssl, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            data = response.read()
            return Response(response.status, {k.lower(): v for k, v in response.getheaders()}, data, time.monotonic() - started)
        finally:
            connection.close()

    def healthy(self) -> bool:
        try:
            return self.request("GET", "/readyz", timeout=5).status == 200
        except OSError:
            return False

    def database(self):
        """A psycopg2 connection to the app's own database (autocommit)."""
        connection = psycopg2.connect(self.info["database_url"], connect_timeout=3)
        connection.autocommit = True
        return connection

    def cluster(self) -> PostgresCluster:
        pg = self.info["postgres"]
        return PostgresCluster(pg["bindir"], port=pg["port"], root=pg["root"])

    def seed_users(self, count: int = 20) -> None:
        """Enough users for the database read to return `count` rows (as `flask seed-users` does)."""
        self.sql("INSERT INTO users (username, email) SELECT 'user' || n, 'user' || n || '@example.com' "
                 "FROM generate_series(1, %s) AS n ON CONFLICT DO NOTHING", (count,))

    def sql(self, query: str, arguments=()) -> list[tuple]:
        """Run one statement on the app's database, on a connection of its own, closed after."""
        connection = self.database()
        try:
            with connection.cursor() as cursor:
                cursor.execute(query, arguments)
                return cursor.fetchall() if cursor.description else []
        finally:
            connection.close()

    def web_pid(self) -> int | None:
        name = "apache.pid" if self.frontend == "apache" else "nginx.pid"
        return processes.read_pid(os.path.join(self.state, name))

    def app_pids(self) -> set[int]:
        """The processes that run the app's code: gunicorn's workers, mod_wsgi's daemon processes,
        the flup back ends. A restart anywhere changes this set."""
        if self.frontend == "apache":
            # display-name=%{GROUP} shows as "(wsgi:flask-reference)", cut to the length of argv[0]
            return {pid for pid in descendants(self.web_pid()) if processes.cmdline(pid).startswith("(wsgi:")}
        if self.frontend == "gunicorn":
            return descendants(self.info.get("app_pid"))
        return {pid for supervisor in self.info["app_pids"] for pid in descendants(supervisor)}


def rss_kib(pids) -> int:
    return processes.memory_kib(pids)["rss_kib"]


def open_fds(pids) -> int:
    total = 0
    for pid in pids:
        try:
            total += len(os.listdir(f"/proc/{pid}/fd"))
        except OSError:
            pass
    return total
