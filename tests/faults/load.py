"""A bounded HTTPS load that records every request: when it started, ended, and what came back.

wrk counts, but a fault case needs the timeline (the first 503, the first 200 after it), so this
small asyncio client keeps one record per request. It runs in a thread while the case provokes
its fault, and never runs longer than `seconds` plus one request timeout.
"""
import asyncio
import itertools
import threading
import time
from dataclasses import dataclass

from .core import Stack


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
        reader = writer = None
        while time.monotonic() < deadline:
            path = next(paths)
            start = time.monotonic()
            retried = False
            try:
                if writer is not None:
                    try:
                        status, keep_alive = await asyncio.wait_for(self._exchange(reader, writer, path), self.timeout)
                    except (asyncio.IncompleteReadError, ConnectionResetError) as error:
                        # The server closed the kept-alive connection as the request went out (a
                        # reload, an idle timeout): nothing was answered, so every HTTP client
                        # (browsers, urllib3) sends an idempotent GET again on a new connection.
                        if isinstance(error, asyncio.IncompleteReadError) and error.partial:
                            raise
                        writer, retried = _close(writer), True
                if writer is None:
                    reader, writer = await asyncio.wait_for(
                        asyncio.open_connection(self.stack.host, self.stack.port, ssl=self.stack.ssl), self.timeout)
                    status, keep_alive = await asyncio.wait_for(self._exchange(reader, writer, path), self.timeout)
                self.samples.append(Sample(path, start - self.began, time.monotonic() - self.began, status, retried=retried))
                if not keep_alive:
                    writer = _close(writer)
            except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError) as error:
                self.samples.append(Sample(path, start - self.began, time.monotonic() - self.began, None,
                                           type(error).__name__))
                writer = _close(writer)
                await asyncio.sleep(0.05)  # a refused connection must not become a busy loop
        _close(writer)

    async def _exchange(self, reader, writer, path: str) -> tuple[int, bool]:
        extra = "".join(f"{k}: {v}\r\n" for k, v in self.headers.items())
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.stack.host}:{self.stack.port}\r\n{extra}\r\n".encode())
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                await reader.readexactly(size + 2)
                if size == 0:
                    break
        elif "content-length" in headers:
            await reader.readexactly(int(headers["content-length"]))
        else:
            await reader.read()  # the body ends when the server closes
            return status, False
        return status, headers.get("connection", "").lower() != "close"


def _close(writer):
    if writer is not None:
        writer.close()
    return None


def failures(samples: list[Sample], allowed: tuple[int, ...] = ()) -> list[Sample]:
    """Connection errors and 5xx answers, except the statuses a case expects (a 503 in an outage)."""
    return [s for s in samples if s.status is None or (s.status >= 500 and s.status not in allowed)]


def retried(samples: list[Sample]) -> int:
    return sum(s.retried for s in samples)


def slowest(samples: list[Sample]) -> float:
    return max((s.seconds for s in samples), default=0.0)
