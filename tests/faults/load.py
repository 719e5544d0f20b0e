"""A bounded HTTPS load that records every request: when it started, ended, and what came back.

wrk counts, but a fault case needs the timeline (the first 503, the first 200 after it), so this
small asyncio client keeps one record per request. It runs in a thread while the case provokes
its fault, and never runs longer than `seconds` plus one request timeout. h11 reads the answers.
"""
import asyncio
import itertools
import threading
import time
from dataclasses import dataclass

import h11

from tests.stacks import Stack

# The routes the loads use: no database, a Jinja2 template, a PostgreSQL read (the API's user list).
HELLO, TEMPLATE, DATABASE_READ = "/", "/hello/fault", "/api/users/"


class Unanswered(ConnectionError):
    """The server closed the connection before the first byte of an answer."""


@dataclass
class Sample:
    path: str
    start: float  # seconds since the load began
    end: float
    status: int | None  # None: no HTTP answer at all
    error: str = ""
    retried: bool = False  # sent again on a new connection: the kept-alive one was closed first

    @property
    def seconds(self) -> float:
        return self.end - self.start


class Load:
    """`with Load(stack, paths, connections=32, seconds=20) as load:` … then `load.samples`."""

    def __init__(self, stack: Stack, paths: list[str], connections: int, seconds: float, timeout: float = 10,
                 headers: dict | None = None):
        self.stack, self.paths, self.connections = stack, paths, connections
        self.seconds, self.timeout, self.headers = seconds, timeout, headers or {}
        self.context = stack.ssl  # one for every connection: a context loads the CA file
        self.samples: list[Sample] = []
        self.began = 0.0
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    def __enter__(self) -> "Load":
        self.began = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.wait()

    def wait(self) -> list[Sample]:
        self._thread.join(self.seconds + self.timeout + 30)
        return self.samples

    def now(self) -> float:
        """Seconds since the load began, on the samples' clock."""
        return time.monotonic() - self.began

    async def _run(self) -> None:
        deadline = self.began + self.seconds
        paths = itertools.cycle(self.paths)
        await asyncio.gather(*(self._client(deadline, paths, i) for i in range(self.connections)))

    async def _client(self, deadline: float, paths, number: int) -> None:
        # Spread the first connections over 0.5 s, as real clients arrive, not in one burst.
        await asyncio.sleep(0.5 * number / max(self.connections, 1))
        connection = None  # (reader, writer, h11.Connection) of the kept-alive connection
        while time.monotonic() < deadline:
            path = next(paths)
            start = time.monotonic()
            retried = False
            try:
                if connection is not None:
                    try:
                        status, keep_alive = await asyncio.wait_for(self._exchange(*connection, path), self.timeout)
                    except (Unanswered, ConnectionResetError):
                        # The server closed the kept-alive connection as the request went out (a
                        # reload, an idle timeout): nothing was answered, so every HTTP client
                        # (browsers, urllib3) sends an idempotent GET again on a new connection.
                        connection, retried = _close(connection), True
                if connection is None:
                    reader, writer = await asyncio.wait_for(
                        asyncio.open_connection(self.stack.host, self.stack.port, ssl=self.context), self.timeout)
                    connection = reader, writer, h11.Connection(h11.CLIENT)
                    status, keep_alive = await asyncio.wait_for(self._exchange(*connection, path), self.timeout)
                self.samples.append(Sample(path, start - self.began, time.monotonic() - self.began, status, retried=retried))
                if not keep_alive:
                    connection = _close(connection)
            except (OSError, asyncio.TimeoutError, h11.ProtocolError) as error:
                self.samples.append(Sample(path, start - self.began, time.monotonic() - self.began, None,
                                           type(error).__name__))
                connection = _close(connection)
                await asyncio.sleep(0.05)  # a refused connection must not become a busy loop
        _close(connection)

    async def _exchange(self, reader, writer, http: h11.Connection, path: str) -> tuple[int, bool]:
        """One GET on the connection: its status, and whether the connection may be used again."""
        host = [("Host", f"{self.stack.host}:{self.stack.port}")]
        writer.write(http.send(h11.Request(method="GET", target=path, headers=host + list(self.headers.items()))))
        http.send(h11.EndOfMessage())
        await writer.drain()
        status, answered = None, False
        while True:
            event = http.next_event()
            if event is h11.NEED_DATA:
                data = await reader.read(65536)
                if not data and not answered:
                    raise Unanswered("closed before an answer")
                answered = True
                http.receive_data(data)
            elif isinstance(event, h11.Response):
                status = event.status_code
            elif not isinstance(event, (h11.InformationalResponse, h11.Data)):  # EndOfMessage
                break
        if http.our_state is not h11.DONE or http.their_state is not h11.DONE:
            return status, False  # the answer said Connection: close, or ended with the connection
        http.start_next_cycle()
        return status, True


def _close(connection):
    if connection is not None:
        connection[1].close()
    return None


def failures(samples: list[Sample], allowed: tuple[int, ...] = ()) -> list[Sample]:
    """Connection errors and 5xx answers, except the statuses a case expects (a 503 in an outage)."""
    return [s for s in samples if s.status is None or (s.status >= 500 and s.status not in allowed)]


def retried(samples: list[Sample]) -> int:
    return sum(s.retried for s in samples)


def slowest(samples: list[Sample]) -> float:
    return max((s.seconds for s in samples), default=0.0)


def statuses(samples) -> dict:
    """How many answers of each status, and of each error for those without one."""
    counts: dict = {}
    for s in samples:
        key = s.status or s.error
        counts[key] = counts.get(key, 0) + 1
    return counts


def sleep_until(load: Load, moment: float) -> None:
    """Until `moment` seconds into the load."""
    time.sleep(max(0.0, moment - load.now()))
