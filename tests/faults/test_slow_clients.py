"""Slow clients: 200 connections send their headers one byte a second (slowloris).

Each opens TLS, then dribbles a request whose headers never end; when the server closes one,
another takes its place, for 30 s. The server must close every one itself within 30 s (nginx
client_header_timeout, Apache mod_reqtimeout), and meanwhile a normal request sent every second
must still be answered within 1 s.
"""
import asyncio
import threading
import time

from tests.stacks import Stack

CONNECTIONS = 200  # open at once: when the server closes one, the next opens at once
ATTACK = 30  # seconds during which closed connections are replaced
SECONDS = 30  # no slow connection is held longer than this, closed by the server or not
NORMAL_WITHIN = 1.0


class Slow:
    """One slow connection: when it opened and ended, and whether the server was the one to close it."""

    def __init__(self):
        self.opened = self.ended = 0.0
        self.closed_by_server = False
        self.answer = ""  # the status line the server sent before closing, if any

    @property
    def seconds(self) -> float:
        return self.ended - self.opened


def test_slow_clients_are_cut_off_while_everyone_else_is_served(stack, result):
    normal: list[tuple[int | None, float]] = []  # (status, seconds) of the normal requests
    stop = threading.Event()
    prober = threading.Thread(target=probe, args=(stack, normal, stop), daemon=True)
    prober.start()
    try:
        slow, refused = asyncio.run(slowloris(stack))
    finally:
        stop.set()
        prober.join(15)

    closed = sorted(s.seconds for s in slow if s.closed_by_server)
    late = [(status, seconds) for status, seconds in normal if status != 200 or seconds >= NORMAL_WITHIN]
    result.sent = len(slow) + len(normal)
    result.failed = len(late) + len(slow) - len(closed)
    result.slowest = max((seconds for _, seconds in normal), default=0.0)
    answers = sorted({s.answer for s in slow if s.answer})
    result.details += [
        f"{len(slow)} slow connections ({refused} refused), at most {most_at_once(slow)} open at once; "
        f"the server closed {len(closed)}"
        + (f" after {closed[0]:.1f}–{closed[-1]:.1f} s (median {closed[len(closed) // 2]:.1f} s)" if closed else "")
        + (f", answering {', '.join(answers)}" if answers else ""),
        f"{len(normal)} normal requests meanwhile: slowest {result.slowest:.2f} s, "
        f"{len(late)} not a 200 within {NORMAL_WITHIN:g} s",
    ]
    result.expect(len(normal) >= ATTACK // 2, f"only {len(normal)} normal requests were sent")
    result.expect(not late, f"{len(late)} normal requests were not a 200 within {NORMAL_WITHIN:g} s: "
                  + ", ".join(f"{status or 'error'} in {seconds:.2f} s" for status, seconds in late[:5]))
    result.expect(len(closed) == len(slow),
                  f"{len(slow) - len(closed)} slow connections were still open after {SECONDS} s")
    assert result.problems == []


def probe(stack: Stack, normal: list, stop: threading.Event) -> None:
    """A normal request every second, on a fresh connection, as a new visitor would send it."""
    while not stop.is_set():
        started = time.monotonic()
        try:
            normal.append((stack.request("GET", "/", timeout=10).status, time.monotonic() - started))
        except OSError:
            normal.append((None, time.monotonic() - started))
        stop.wait(max(0.0, 1.0 - (time.monotonic() - started)))


def most_at_once(slow: list[Slow]) -> int:
    events = sorted([(s.opened, 1) for s in slow] + [(s.ended, -1) for s in slow])
    most = now = 0
    for _, change in events:
        now += change
        most = max(most, now)
    return most


async def slowloris(stack: Stack) -> tuple[list[Slow], int]:
    """The slow connections, and how many attempts the server refused."""
    slow: list[Slow] = []
    refused = 0
    attack_ends = time.monotonic() + ATTACK
    context = stack.ssl  # one for every connection: a context loads the CA file

    async def slot(number: int) -> None:
        nonlocal refused
        await asyncio.sleep(2.0 * number / CONNECTIONS)  # 200 handshakes spread over 2 s
        while time.monotonic() < attack_ends:
            connection = await dribble(stack, context)
            if connection is None:
                refused += 1
                await asyncio.sleep(0.5)  # not a busy loop while the server refuses
            else:
                slow.append(connection)

    await asyncio.gather(*(slot(i) for i in range(CONNECTIONS)))
    return slow, refused


async def dribble(stack: Stack, context) -> Slow | None:
    """One slow connection, one header byte a second; None when it could not be opened."""
    request = (f"GET / HTTP/1.1\r\nHost: {stack.host}:{stack.port}\r\n"
               "User-Agent: slowloris\r\nX-Slow: " + "a" * 1000).encode()
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(stack.host, stack.port, ssl=context), 10)
    except (OSError, asyncio.TimeoutError):
        return None
    slow = Slow()
    slow.opened = time.monotonic()
    answer = asyncio.ensure_future(reader.read(200))
    try:
        for byte in request:
            if time.monotonic() - slow.opened >= SECONDS:
                break
            try:
                writer.write(bytes([byte]))
                await writer.drain()
            except OSError:  # reset by the server
                slow.closed_by_server = True
                break
            done, _ = await asyncio.wait({answer}, timeout=1)
            if done:  # the server answered (408) or closed: either way it gave up on us
                slow.closed_by_server = True
                data = b"" if answer.exception() else answer.result()
                slow.answer = data.split(b"\r\n", 1)[0].decode("latin-1") if data else ""
                break
    finally:
        slow.ended = time.monotonic()
        answer.cancel()
        writer.close()
    return slow
