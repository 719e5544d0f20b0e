"""PostgreSQL freezes (postmaster and backends SIGSTOPped) at 5 s for 40 s, under load and API writes.

A stalled server answers nothing and closes nothing, so only the app's own deadline ends a wait.
Every database request during the freeze must get the app's 503 + Retry-After within 5 s (JSON
on /api/), nothing a 504 or a 500, /healthz under 1 s, pages without the database 200; every write
answered 201 is in the database and every write answered "not saved" (503) is not. A 503 saying the
change *may* have been saved (its COMMIT was on its way when the server stopped) is counted apart.
Within 5 s of the thaw everything answers 200 again, from the same app processes.
"""
import json
import secrets
import threading
import time
from dataclasses import dataclass

from tests.stacks import Stack

from .load import DATABASE_READ, HELLO, TEMPLATE, Load, failures, sleep_until, slowest, statuses

FREEZE_AT, FROZEN_FOR, AFTER = 5.0, 40.0, 10.0
SECONDS = FREEZE_AT + FROZEN_FOR + AFTER
ANSWER_WITHIN, HEALTHZ_WITHIN, BACK_WITHIN = 5.0, 1.0, 5.0
WRITERS = 2
MAYBE_SAVED = "may have been saved"


def test_a_frozen_database_answers_503_within_5_s_loses_no_write_and_recovers(stack, result):
    stack.seed_users(20)
    pids_before = stack.app_pids()
    writes = Writes(stack, f"freeze-{secrets.token_hex(3)}")
    probes = {}
    with Load(stack, [DATABASE_READ, TEMPLATE, "/healthz", HELLO], connections=16, seconds=SECONDS) as load:
        writes.start(load, SECONDS)
        sleep_until(load, FREEZE_AT)
        try:
            stack.freeze_database()
            frozen_at = load.now()
            sleep_until(load, FREEZE_AT + 10)
            probes = {path: stack.request("GET", path, headers={"Accept": "text/html"}) for path in ("/readyz", DATABASE_READ, "/users/")}
            sleep_until(load, FREEZE_AT + FROZEN_FOR)
        finally:
            stack.thaw_database()  # whatever happened: the next cases need the database
        thawed_at = load.now()
    writes.wait()
    samples, posted = load.samples, writes.done

    database = [s for s in samples if s.path == DATABASE_READ]
    during = [s for s in database + posted if frozen_at < s.start and s.end < thawed_at]
    healthz = [s for s in samples if s.path == "/healthz"]
    bad = (failures(samples + posted, allowed=(503,)) + [s for s in samples if s.path != DATABASE_READ and s.status != 200]
           + [w for w in posted if w.status is not None and w.status < 500 and w.status != 201])
    after = [s for s in samples + posted if s.start >= thawed_at]
    last_bad = max((s.end for s in after if s.status not in (200, 201)), default=thawed_at)
    result.sent, result.failed = len(samples) + len(posted), len(bad)
    result.slowest = slowest(samples + posted)
    result.recovery = last_bad - thawed_at

    saved = {row[0] for row in stack.sql("SELECT username FROM users WHERE username LIKE %s", (writes.tag + "-%",))}
    created = [w for w in posted if w.status == 201]
    refused = [w for w in posted if w.status == 503 and MAYBE_SAVED not in w.message]
    maybe = [w for w in posted if w.status == 503 and MAYBE_SAVED in w.message]
    lost = [w for w in created if w.username not in saved]
    saved_anyway = [w for w in refused if w.username in saved]

    result.expect(not bad, f"{len(bad)} answers other than 200/201/503 (statuses {statuses(bad)})")
    result.expect(bool(during) and all(s.status == 503 and s.seconds <= ANSWER_WITHIN for s in during),
                  f"database requests during the freeze: {statuses(during)}, slowest {slowest(during):.2f} s "
                  f"(want 503 within {ANSWER_WITHIN:g} s)")
    result.expect(slowest(database + posted) <= ANSWER_WITHIN, f"a database request took {slowest(database + posted):.2f} s")
    result.expect(all(w.json and w.retry_after for w in posted if w.status == 503), "an API 503 without JSON or Retry-After")
    result.expect(slowest(healthz) < HEALTHZ_WITHIN, f"/healthz took up to {slowest(healthz):.2f} s (want under {HEALTHZ_WITHIN:g} s)")
    result.expect(result.recovery <= BACK_WITHIN, f"not all 200 again until {result.recovery:.1f} s after the thaw")
    result.expect(not lost, f"{len(lost)} writes answered 201 are not in the database")
    result.expect(not saved_anyway, f"{len(saved_anyway)} writes answered 503 'not saved' were committed")
    readyz, api, page = probes.get("/readyz"), probes.get(DATABASE_READ), probes.get("/users/")
    result.expect(readyz is not None and readyz.status == 503 and readyz.seconds <= ANSWER_WITHIN, f"/readyz during the freeze: {_probe(readyz)}")
    result.expect(api is not None and api.status == 503 and "retry-after" in api.headers
                  and api.headers.get("content-type", "").startswith("application/json"), f"API during the freeze: {_probe(api)}")
    result.expect(page is not None and page.status == 503 and "retry-after" in page.headers
                  and page.headers.get("content-type", "").startswith("text/html"), f"page during the freeze: {_probe(page)}")
    pids_after = stack.app_pids()
    result.expect(bool(pids_before) and pids_after == pids_before, f"app processes changed: {sorted(pids_before)} -> {sorted(pids_after)}")

    answered_503 = [s for s in database + posted if s.status == 503]
    result.details += [
        f"frozen {frozen_at:.1f}-{thawed_at:.1f} s: {len(during)} database requests started and ended in it, {statuses(during)}, "
        f"slowest {slowest(during):.2f} s; all 503s: {len(answered_503)}, slowest {slowest(answered_503):.2f} s; "
        f"/healthz slowest {slowest(healthz):.2f} s; pages without the database: {statuses([s for s in samples if s.path in (HELLO, TEMPLATE)])}",
        f"API writes: {len(posted)} sent, {len(created)} answered 201 ({len(lost)} lost), {len(refused)} answered 503 'not saved' "
        f"({len(saved_anyway)} committed anyway), {len(maybe)} answered 503 '{MAYBE_SAVED}' "
        f"({sum(w.username in saved for w in maybe)} were); after the thaw all 200 again from {result.recovery:.1f} s; "
        f"same {len(pids_after)} app pids",
    ]
    assert result.problems == []


@dataclass
class Write:
    username: str
    start: float
    end: float
    status: int | None
    message: str = ""
    json: bool = False
    retry_after: bool = False
    error: str = ""
    path: str = "POST /api/users/"

    @property
    def seconds(self) -> float:
        return self.end - self.start


class Writes:
    """POST /api/users/ with a new username each time, from WRITERS threads, a few per second each."""

    def __init__(self, stack: Stack, tag: str):
        self.stack, self.tag = stack, tag
        self.done: list[Write] = []
        self._threads: list[threading.Thread] = []
        self._numbers = iter(range(1_000_000))
        self._lock = threading.Lock()

    def start(self, load: Load, seconds: float) -> None:
        self._threads = [threading.Thread(target=self._write, args=(load, seconds), daemon=True) for _ in range(WRITERS)]
        for thread in self._threads:
            thread.start()

    def wait(self) -> None:
        for thread in self._threads:
            thread.join(30)

    def _write(self, load: Load, seconds: float) -> None:
        headers = {"Authorization": f"Bearer {self.stack.api_token}", "Content-Type": "application/json", "Accept": "application/json"}
        while load.now() < seconds:
            with self._lock:
                username = f"{self.tag}-{next(self._numbers)}"
            body = json.dumps({"username": username, "email": f"{username}@example.com"}).encode()
            start = load.now()
            try:
                answer = self.stack.request("POST", "/api/users/", body=body, headers=headers, timeout=10)
            except OSError as error:
                self.done.append(Write(username, start, load.now(), None, error=type(error).__name__))
                continue
            is_json = answer.headers.get("content-type", "").startswith("application/json")
            message = json.loads(answer.body).get("message", "") if is_json and answer.body else ""
            self.done.append(Write(username, start, load.now(), answer.status, message, is_json, "retry-after" in answer.headers))
            time.sleep(0.1)


def _probe(response) -> str:
    if response is None:
        return "not sent"
    return f"{response.status} {response.headers.get('content-type')} Retry-After={response.headers.get('retry-after')} in {response.seconds:.2f} s"

