"""Health does not depend on the health of others: /healthz answers while every app thread is busy.

A table the database requests read is locked (as a migration would lock it), so each of them waits
in PostgreSQL until its statement_timeout cancels it, and more of them are sent at once than the
front end has app threads (deploy/sizing.py): every app thread waits on the database and more
requests queue behind them. Meanwhile /healthz, asked 20 times through the front end, must answer
200 within 1 s each time: it has threads of its own (deploy/health.py). A page without the
database, asked the same way, shows that the app threads were all taken: it waits in the queue.

A frozen database no longer holds the app threads for long (app/database.py fails every call at
once after one timed out), so a lock is what keeps them all busy here; the frozen-database case
probes /healthz during a freeze.
"""
import contextlib
import statistics
import threading
import time
from collections import Counter

from deploy import sizing

from .load import DATABASE_READ, HELLO, Load, slowest

PROBES, PROBE_EVERY, LIMIT = 20, 0.5, 1.0
BUSY_AFTER = 3.0  # seconds of load before the first probe, for every app thread to be taken


def app_threads(frontend: str) -> int:
    """Threads that run app requests, all processes together, as the stack sized them."""
    counts = sizing.settings()
    if frontend == "apache":
        return counts["WSGI_PROCESSES"] * counts["WSGI_THREADS"]
    if frontend == "gunicorn":
        return counts["WEB_CONCURRENCY"] * counts["GUNICORN_THREADS"]
    return 2 * counts["FCGI_MAX_THREADS"]  # two flup back ends


@contextlib.contextmanager
def locked(stack, table: str):
    """Every statement on `table` waits for this lock, in PostgreSQL, until it is cancelled."""
    connection = stack.database()
    connection.autocommit = False
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        yield
    finally:
        connection.rollback()
        connection.close()


def test_healthz_answers_within_a_second_while_every_app_thread_waits_on_the_database(stack, result):
    stack.seed_users(20)
    threads = app_threads(stack.frontend)
    # Far more than the threads: every one busy and a queue behind each, even in a gunicorn worker
    # that accepted fewer connections than its neighbour (they race for each one).
    waiting = 3 * threads + 8
    seconds = BUSY_AFTER + PROBES * PROBE_EVERY + 5
    health, page, probing = [], [], threading.Event()
    with locked(stack, "users"):
        # timeout: a client keeps its place in the queue rather than give up and send another.
        with Load(stack, [DATABASE_READ], connections=waiting, seconds=seconds, timeout=seconds + 10) as load:
            time.sleep(BUSY_AFTER)
            probing.set()
            pages = threading.Thread(target=_probe_while, args=(stack, HELLO, probing, page))
            pages.start()  # beside the health checks, whose rhythm a page's wait must not slow
            for _ in range(PROBES):
                health.append(_probe(stack, "/healthz"))
                time.sleep(PROBE_EVERY)
            probing.clear()
            pages.join()
    database = load.samples

    slow_or_bad = [(status, round(took, 2)) for status, took in health if status != 200 or took > LIMIT]
    times = [took for _status, took in health]
    page_slowest = max((took for _status, took in page), default=0.0)
    result.sent, result.failed = len(health), len(slow_or_bad)
    result.slowest = max(times, default=0.0)
    result.expect(len(health) == PROBES and not slow_or_bad,
                  f"/healthz: {len(slow_or_bad)} of {len(health)} answers not 200 within {LIMIT:.0f} s: {slow_or_bad}")
    result.expect(page_slowest > LIMIT, f"a page without the database never waited over {LIMIT:.0f} s "
                  f"(slowest {page_slowest:.2f} s): the app threads were not all busy, nothing was proven")
    result.details.append(
        f"{len(health)} /healthz while {waiting} database requests at once waited on a locked table, "
        f"against {threads} app threads: slowest {result.slowest * 1000:.0f} ms, median "
        f"{statistics.median(times) * 1000:.0f} ms; a page without the database waited up to {page_slowest:.1f} s "
        f"meanwhile ({', '.join(f'{took:.1f}' for _status, took in page)} s); the database requests: "
        f"{dict(Counter(s.status or s.error for s in database))}, slowest {slowest(database):.1f} s")
    assert result.problems == []


def _probe_while(stack, path: str, probing: threading.Event, answers: list) -> None:
    while probing.is_set():
        answers.append(_probe(stack, path))
        time.sleep(PROBE_EVERY)


def _probe(stack, path: str) -> tuple[int | str, float]:
    """One GET on a fresh connection, as a load balancer's health check makes it."""
    started = time.monotonic()
    try:
        return stack.request("GET", path, timeout=15).status, time.monotonic() - started
    except OSError as error:
        return type(error).__name__, time.monotonic() - started
