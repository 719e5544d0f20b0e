"""Hostile input: 2 000+ generated requests per front end, none of which may get a 5xx, a traceback,
a project path or a secret back, kill a server process or change a stored row.

Hypothesis draws them (derandomized: the same requests on every run, so CI failures reproduce) from
the categories of hostile_input/: paths, query strings, forms and JSON writes sent
without their CSRF token or bearer token, tampered session cookies, unknown Host values, oversized
headers, Content-Length and chunked framing that lies, HTTP/1.0. They go out byte for byte on raw
TLS sockets (rawhttp.py), 8 at a time; a few that promise more body than they send stay open
for the whole run, then are dropped.
"""
import os
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from urllib.parse import urlsplit

import psutil
from hypothesis import HealthCheck, Phase, given, settings

from tests.stacks import Stack
from tests.stacks.native import processes
from tests.stacks.native.frontends import PROJECT_DIR

from . import hostile_input
from .rawhttp import exchange
from .report import Result

SENDERS = 8
# The markers of an answer that says too much; the secrets' values are added per stack.
TELLTALES = [b"Traceback (most recent call last)", b'File "/', b"sqlalchemy.exc.", b"psycopg2.errors", b"Werkzeug Debugger"]
# The 5xx that are no fault: the answers RFC 9110 and 9112 ask for, from the web server itself.
PRESCRIBED = {501: "a method or transfer coding it does not implement", 505: "an HTTP version it does not speak"}


def test_hostile_requests_get_no_5xx_no_leak_and_change_no_row(stack, result):
    began = time.monotonic()
    seeds = seed_rows(stack)
    try:
        target = hostile_input.Target.of(stack, seeds)
        probes, secrets = generate(target), secret_values(stack)
        rows, processes, web_pid = snapshot(stack), app_processes(stack), stack.web_pid()
        answers, held = send_all(stack, probes, hostile_input.incomplete_bodies(target))
        changed, lost = changed_tables(rows, snapshot(stack)), processes - app_processes(stack)
    finally:
        unseed(stack, seeds)
    judge(result, probes, answers, secrets)
    result.sent += len(held)
    result.failed += sum(1 for answer in held if (answer.status or 0) >= 500)
    result.details.append(f"{len(held)} connections held open with less body than announced, for the whole run: "
                          f"{dict(Counter(answer.status or 'no answer' for answer in held))} once dropped")
    result.details.append(f"{len(probes)} requests in {time.monotonic() - began:.0f} s "
                          f"(Hypothesis, derandomized; {SENDERS} senders)")
    result.expect(len(probes) >= 2000, f"only {len(probes)} requests were generated (target 2 000)")
    result.expect(not changed, f"stored rows changed: {changed}")
    result.expect(web_pid is not None and psutil.pid_exists(web_pid) and stack.web_pid() == web_pid,
                  "the web server's master process is gone or was replaced")
    result.expect(not lost, f"{len(lost)} app process(es) died or were replaced during the run")
    assert result.problems == []


def send_all(stack: Stack, probes: list, incomplete: list[bytes]) -> tuple[list, list]:
    """Every probe, SENDERS at a time, while the incomplete requests hold their connections open."""
    release, context = threading.Event(), stack.ssl
    with ThreadPoolExecutor(len(incomplete)) as holders, ThreadPoolExecutor(SENDERS) as senders:
        held = [holders.submit(exchange, stack.host, stack.port, context, raw, hold=release) for raw in incomplete]
        try:
            answers = list(senders.map(lambda probe: send(stack, context, probe), probes))
        finally:
            release.set()
    return answers, [future.result() for future in held]


def generate(target) -> list:
    """Each category's Hypothesis strategy, drawn max_examples times (no shrinking: nothing fails here)."""
    probes = []
    for category, strategy, count in hostile_input.categories(target):
        @settings(max_examples=count, deadline=None, database=None, derandomize=True, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(strategy)
        def collect(probe):
            probes.append(probe)

        collect()
    return probes


def send(stack: Stack, context, probe):
    return exchange(stack.host, stack.port, probe.context or context, probe.raw, server_hostname=probe.sni,
                    head=probe.method == "HEAD")


def judge(result: Result, probes, answers, secrets: list[bytes]) -> None:
    by_category: dict[str, Counter] = {}
    failures = []
    prescribed = Counter()
    for probe, answer in zip(probes, answers):
        by_category.setdefault(probe.category, Counter())[answer.status or "no answer"] += 1
        problem = problem_with(probe, answer, secrets)
        if problem == "prescribed":
            prescribed[answer.status] += 1
        elif problem:
            failures.append(f"{problem}: {probe.category} {probe.raw[:90]!r}")
    result.sent += len(probes)
    result.failed = len(failures)
    result.slowest = max((a.seconds for a in answers), default=0.0)
    for category, statuses in by_category.items():
        shown = ", ".join(f"{status}×{n}" for status, n in sorted(statuses.items(), key=lambda s: str(s[0])))
        result.details.append(f"{category:<8} {sum(statuses.values()):>5} sent: {shown}")
    if prescribed:
        result.details.append("5xx the RFCs prescribe, from the web server: "
                              + ", ".join(f"{s} ({PRESCRIBED[s]})×{n}" for s, n in prescribed.items()))
    result.expect(not failures, f"{len(failures)} bad answers, e.g. " + " | ".join(failures[:8]))


def problem_with(probe, answer, secrets: list[bytes]) -> str:
    status = answer.status
    if status is not None and status >= 500:
        return "prescribed" if status in probe.prescribed else f"status {status}"
    seen = answer.body + repr(answer.headers).encode()
    leaked = [t for t in TELLTALES + secrets if t in seen and t not in probe.raw]  # an echo is no leak
    if leaked:
        return f"{leaked[0][:30]!r} in the answer"
    if probe.refused and status is not None and status < 400:
        return f"status {status} for a Host the site does not serve"
    if probe.forbidden and probe.forbidden.encode() in answer.body:
        return f"{probe.forbidden!r} in the body"
    location = answer.headers.get("location", "")
    if location and urlsplit(location).hostname not in (None, "127.0.0.1", "localhost"):
        return f"a redirect to another host ({location[:60]})"
    return ""


def seed_rows(stack: Stack) -> dict:
    """A user and a student the requests aim at, so that a write that slipped through would show."""
    with closing(stack.database()) as db, db.cursor() as cursor:
        cursor.execute("INSERT INTO users (username, email) VALUES (%s, 'seed@example.com') RETURNING id",
                       (f"hostile-seed-{os.getpid()}",))
        user = cursor.fetchone()[0]
        cursor.execute("INSERT INTO students (name, city, addr, pin, created_at) "
                       "VALUES ('Hostile Seed', 'Nowhere', '1 Seed Street', '12345', now()) RETURNING id")
        return {"user": user, "student": cursor.fetchone()[0]}


def unseed(stack: Stack, seeds: dict) -> None:
    with closing(stack.database()) as db, db.cursor() as cursor:
        cursor.execute("DELETE FROM users WHERE id = %s", (seeds["user"],))
        cursor.execute("DELETE FROM students WHERE id = %s", (seeds["student"],))


def snapshot(stack: Stack) -> dict:
    """Every row of every table of the app, in a stable order."""
    with closing(stack.database()) as db, db.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
        tables = [name for (name,) in cursor.fetchall()]
        rows = {}
        for table in tables:
            cursor.execute(f'SELECT * FROM "{table}" ORDER BY 1')
            rows[table] = cursor.fetchall()
        return rows


def changed_tables(before: dict, after: dict) -> str:
    """The tables whose rows differ, with their row counts; empty when none does."""
    return ", ".join(f"{t} ({len(before.get(t, []))} → {len(after.get(t, []))} rows)"
                     for t in sorted(set(before) | set(after)) if before.get(t) != after.get(t))


def app_processes(stack: Stack) -> set[int]:
    """The app's processes and their children (flup under its supervisor): a crash changes the set."""
    pids = set(stack.app_pids())
    return pids.union(*(processes.descendants(pid) for pid in pids))


def secret_values(stack: Stack) -> list[bytes]:
    """The values no answer may contain: the app's paths, its SECRET_KEY (read from a running app
    process), the database URL and the API token."""
    values = {PROJECT_DIR, stack.state, sys.prefix, stack.database_url, stack.api_token or ""}
    for pid in sorted(stack.app_pids()):
        try:
            secret_key = processes.environment(pid).get("SECRET_KEY")
        except (OSError, psutil.Error):  # gone meanwhile
            continue
        if secret_key:
            values.add(secret_key)
            break
    return [v.encode() for v in values if len(v) >= 8]
