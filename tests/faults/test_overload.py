"""Overload: far more clients than workers × threads. Each gets a 200 or a fast 503, none hangs.

512 keep-alive connections for 10 s on a hello page, a template page and a database read,
against 2 app processes of 4–15 threads: the requests queue in the web server and the app
server, and the configured timeouts bound how long any of them may wait. Meanwhile the app's
connections to PostgreSQL are counted, to prove workers × pool stays under max_connections.
"""
import collections
import threading
import time

from deploy import render
from tests.stacks import Stack

from .load import DATABASE_READ, HELLO, TEMPLATE, Load, Sample, retried, slowest

CONNECTIONS = 512
SECONDS = 10


class Limits:
    """What the deploy/ templates were rendered with (the runner and this read the same environment)."""

    def __init__(self, frontend: str):
        settings = render.settings()
        # Any answer later than the web server's wait for the app is a hang the timeouts missed.
        self.answer_within = float(settings["APP_RESPONSE_TIMEOUT"])
        # A 503 is a refusal, not a failure, when it comes this soon: the server shed the request
        # instead of letting it wait. mod_wsgi's queue-timeout is the only shedding configured.
        self.shed_within = (float(settings["WSGI_QUEUE_TIMEOUT"]) if frontend == "apache" else 0.0) + 1.0

    def acceptable(self, sample: Sample) -> bool:
        if sample.status is None or sample.seconds > self.answer_within:
            return False
        return sample.status < 500 or (sample.status == 503 and sample.seconds <= self.shed_within)


def test_overload_gets_a_200_or_a_fast_503_and_never_hangs(stack, result):
    limits = Limits(stack.frontend)
    stack.seed_users(20)
    connections = DatabaseConnections(stack)
    with connections, Load(stack, [HELLO, TEMPLATE, DATABASE_READ], CONNECTIONS, SECONDS, timeout=limits.answer_within + 5) as load:
        pass
    samples = load.samples
    ended = time.monotonic()
    healthy = stack.healthy()
    result.recovery = time.monotonic() - ended if healthy else None

    failed = [s for s in samples if not limits.acceptable(s)]
    result.sent, result.failed, result.slowest = len(samples), len(failed), slowest(samples)
    statuses = collections.Counter(s.status or s.error for s in samples)
    result.details += [
        f"{len(samples)} requests from {CONNECTIONS} connections in {SECONDS} s "
        f"({len(samples) / SECONDS:.0f}/s): " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items(), key=str)),
        f"latency p50 {percentile(samples, 50):.2f} s, p99 {percentile(samples, 99):.2f} s, "
        f"slowest {result.slowest:.2f} s (limit {limits.answer_within:g} s, a 503 within {limits.shed_within:g} s)",
        f"{retried(samples)} GETs sent again after the server closed a kept-alive connection; "
        f"PostgreSQL: at most {connections.peak} app connections, max_connections {connections.maximum}",
    ]
    result.expect(not failed, f"{len(failed)} requests failed: " + ", ".join(
        f"{k}: {v}" for k, v in collections.Counter(describe(s) for s in failed).most_common(4)))
    result.expect(statuses.get(200, 0) > 0, "no request was answered 200")
    result.expect(healthy, "not healthy right after the load")
    result.expect(connections.peak <= connections.usable,
                  f"{connections.peak} database connections, over the {connections.usable} PostgreSQL allows")
    assert result.problems == []


def describe(sample: Sample) -> str:
    if sample.status is None:
        return sample.error or "no answer"
    if sample.status == 503:
        return "slow 503"
    return str(sample.status) if sample.status >= 500 else "too slow"


def percentile(samples: list[Sample], p: int) -> float:
    times = sorted(s.seconds for s in samples)
    return times[min(len(times) - 1, len(times) * p // 100)] if times else 0.0


class DatabaseConnections:
    """Counts the app's connections to PostgreSQL twice a second, in a thread, while the load runs."""

    def __init__(self, stack: Stack):
        self.stack = stack
        self.peak = self.maximum = self.usable = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self):
        connection = self.stack.database()
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT current_setting('max_connections')::int, current_setting('superuser_reserved_connections')::int")
                self.maximum, reserved = cursor.fetchone()
        finally:
            connection.close()
        self.usable = self.maximum - reserved
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(10)

    def _watch(self) -> None:
        connection = self.stack.database()
        try:
            with connection.cursor() as cursor:
                while not self._stop.wait(0.5):
                    # Our own watching connection is excluded; every other one to the app's database is the app's.
                    cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
                    self.peak = max(self.peak, cursor.fetchone()[0])
        finally:
            connection.close()
