"""PostgreSQL dies (pg_ctl stop -m immediate) at 5 s and comes back at 10 s, under load.

Database requests must get a 503 with Retry-After within 3 s while it is gone, pages without the
database and /healthz keep answering 200, and within 5 s of its return everything answers 200
from the same worker processes, with every row committed before the outage still there.
"""
from .load import DATABASE_READ, HELLO, TEMPLATE, Load, failures, sleep_until, slowest, statuses

STOP_AT, START_AT, SECONDS = 5.0, 10.0, 18.0


def test_a_database_outage_answers_503_at_once_and_recovers_without_restarts(stack, result):
    stack.seed_users(20)
    rows_before = stack.sql("SELECT count(*) FROM users")[0][0]
    pids_before = stack.app_pids()
    probes = {}
    with Load(stack, [DATABASE_READ, TEMPLATE, "/healthz", HELLO], connections=16, seconds=SECONDS) as load:
        sleep_until(load, STOP_AT)
        stack.stop_database()
        stopped_at = load.now()
        sleep_until(load, STOP_AT + 1.5)
        probes = {path: stack.request("GET", path) for path in ("/readyz", DATABASE_READ, "/users/")}
        sleep_until(load, START_AT)
        starting_at = load.now()
        stack.start_database()
        started_at = load.now()
    samples = load.samples

    database = [s for s in samples if s.path == DATABASE_READ]
    during = [s for s in database if stopped_at < s.start and s.end < starting_at]
    answered_503 = [s for s in database if s.status == 503]
    after = [s for s in database if s.start >= started_at]
    last_bad = max((s.start for s in after if s.status != 200), default=started_at)
    first_good = min((s.end for s in after if s.status == 200 and s.start >= last_bad), default=None)
    result.sent, result.slowest = len(samples), slowest(samples)
    bad = failures(samples, allowed=(503,)) + [s for s in samples if s.path != DATABASE_READ and s.status != 200]
    result.failed = len(bad)
    result.recovery = None if first_good is None else first_good - started_at

    result.expect(not bad, f"{len(bad)} answers other than 200/503 (statuses {statuses(bad)})")
    result.expect(bool(during) and all(s.status == 503 and s.seconds <= 3 for s in during),
                  f"database requests during the outage: {statuses(during)}, slowest {slowest(during):.1f} s (want 503 within 3 s)")
    result.expect(first_good is not None and first_good - started_at <= 5, "database requests not back to 200 within 5 s")
    readyz, api, page = probes["/readyz"], probes[DATABASE_READ], probes["/users/"]
    result.expect(readyz.status == 503, f"/readyz answered {readyz.status} during the outage")
    result.expect(api.status == 503 and "retry-after" in api.headers and api.headers.get("content-type", "").startswith("application/json"),
                  f"API during the outage: {api.status} {api.headers.get('content-type')} Retry-After={api.headers.get('retry-after')}")
    result.expect(page.status == 503 and "retry-after" in page.headers and page.headers.get("content-type", "").startswith("text/html"),
                  f"page during the outage: {page.status} {page.headers.get('content-type')}")
    pids_after = stack.app_pids()
    result.expect(bool(pids_before) and pids_after == pids_before, f"app processes changed: {sorted(pids_before)} -> {sorted(pids_after)}")
    rows_after = stack.sql("SELECT count(*) FROM users")[0][0]
    result.expect(rows_after == rows_before, f"users: {rows_before} rows before, {rows_after} after")
    first_503 = min((s.end for s in answered_503), default=None)
    last_503 = max((s.end for s in answered_503), default=None)
    result.details.append(
        f"stopped at {stopped_at:.1f} s, started at {started_at:.1f} s; first 503 at {_at(first_503)}, "
        f"last 503 at {_at(last_503)}, all 200 again from {_at(first_good)}; "
        f"{len(answered_503)} database requests got 503 (slowest {slowest(answered_503):.2f} s); "
        f"same {len(pids_after)} app pids; {rows_after} users kept")
    assert result.problems == []


def _at(moment: float | None) -> str:
    return "-" if moment is None else f"{moment:.1f} s"

