"""Slow bodies: 500 connections send a POST body a few bytes at a time (slowhttptest -B, R-U-Dead-Yet).

While they are open, a load of normal GETs runs, and a normal form post is sent every second. Every
GET must answer 200 and every post its 400 (it has no CSRF token), none late, no 5xx: the slow
bodies may hold Apache threads (mod_reqtimeout closes each after CLIENT_BODY_TIMEOUT, at the latest)
and, on Apache, threads of the daemon for request bodies, but never a thread a normal request waits
for. slowhttptest must have held most of its connections open at once, or the case proved nothing.
"""
import collections
import csv
import os
import shutil
import subprocess
import threading
import time
import urllib.parse

import pytest

from tests.stacks import Stack

from .load import HELLO, TEMPLATE, Load, failures, slowest

CONNECTIONS = 500
CI = os.environ.get("CI", "") not in ("", "0", "false")
ATTACK = 20 if CI else 30  # slowhttptest -l: seconds until it gives up its connections
RATE = 250  # connections opened per second: all 500 within 2 s
LOAD_CONNECTIONS = 8
NORMAL_WITHIN = 2.0  # seconds: a GET slower than this was starved, whatever it answered
POST_BODY = urllib.parse.urlencode({"username": "slow-bodies", "password": "x"}).encode()


def test_slow_bodies_never_starve_normal_requests(stack, result):
    if shutil.which("slowhttptest") is None:
        pytest.fail("slowhttptest is not installed (scripts/system-deps faults)", pytrace=False)
    report = os.path.join(stack.state, "slowhttptest")
    posts: list[tuple[int | None, float]] = []
    stop = threading.Event()
    poster = threading.Thread(target=post_every_second, args=(stack, posts, stop), daemon=True)
    attack = subprocess.Popen(slowhttptest_command(stack, report), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        time.sleep(CONNECTIONS / RATE + 1)  # every slow connection open before the first normal request
        poster.start()
        with Load(stack, [HELLO, TEMPLATE], LOAD_CONNECTIONS, ATTACK - CONNECTIONS / RATE - 3) as load:
            pass
    finally:
        stop.set()
        output = attack.communicate(timeout=ATTACK + 60)[0]
        poster.join(15)
    samples, seconds = load.samples, slowhttptest_seconds(report)

    late = [s for s in samples if s.status == 200 and s.seconds > NORMAL_WITHIN]
    bad_posts = [(status, seconds) for status, seconds in posts if status != 400 or seconds > NORMAL_WITHIN]
    failed = failures(samples) + [s for s in samples if s.status is not None and s.status != 200 and s.status < 500]
    statuses = collections.Counter(s.status or s.error for s in samples)
    post_statuses = collections.Counter(status or "error" for status, _ in posts)
    peak = max((row["connected"] for row in seconds), default=0)
    result.sent = len(samples) + len(posts)
    result.failed = len(failed) + len(late) + len(bad_posts)
    result.slowest = slowest(samples)
    result.details += [
        f"slowhttptest -B -c {CONNECTIONS} for {ATTACK} s: at most {peak} slow connections open at once, "
        f"{seconds[-1]['closed'] if seconds else '?'} closed by the end; its own probe: {service_available(seconds)}",
        f"{len(samples)} normal GETs meanwhile: " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items(), key=str))
        + f"; slowest {result.slowest:.2f} s, {len(late)} slower than {NORMAL_WITHIN:g} s",
        f"{len(posts)} normal form posts (one a second): " + ", ".join(f"{k}: {v}" for k, v in sorted(post_statuses.items(), key=str))
        + f"; slowest {max((s for _, s in posts), default=0.0):.2f} s",
    ]
    result.expect(attack.returncode == 0 and seconds, f"slowhttptest failed (exit {attack.returncode}): {output[-500:]!r}")
    result.expect(peak >= CONNECTIONS * 0.8, f"only {peak} slow connections were open at once, want most of {CONNECTIONS}")
    result.expect(len(samples) >= 50, f"only {len(samples)} normal GETs were sent")
    result.expect(not failed, f"{len(failed)} normal GETs did not answer 200: "
                  + ", ".join(f"{s.status or s.error} after {s.seconds:.1f} s" for s in failed[:5]))
    result.expect(not late, f"{len(late)} normal GETs took longer than {NORMAL_WITHIN:g} s")
    result.expect(len(posts) >= 5 and not bad_posts, f"{len(bad_posts)} of {len(posts)} form posts were not a 400 within "
                  f"{NORMAL_WITHIN:g} s: " + ", ".join(f"{status or 'error'} in {seconds:.1f} s" for status, seconds in bad_posts[:5]))
    assert result.problems == []


def slowhttptest_command(stack: Stack, report: str) -> list[str]:
    """Slow-body mode against a POST route over HTTPS: a Content-Length it never reaches, a few
    bytes every 2 s, statistics per second in REPORT.csv."""
    return ["slowhttptest", "-B", "-c", str(CONNECTIONS), "-r", str(RATE), "-i", "2", "-x", "10", "-s", "65536",
            "-l", str(ATTACK), "-t", "POST", "-u", urllib.parse.urljoin(stack.url, "/login"), "-p", "5",
            "-g", "-o", report]


def slowhttptest_seconds(report: str) -> list[dict]:
    """slowhttptest's per-second CSV: connections closed, pending, connected, and its probe's verdict."""
    try:
        with open(report + ".csv", newline="") as f:
            rows = list(csv.reader(f))
    except OSError:
        return []
    return [{"second": int(r[0]), "closed": int(r[1]), "pending": int(r[2]), "connected": int(r[3]),
             "available": int(r[4])} for r in rows[1:] if len(r) >= 5 and r[0].isdigit()]


def service_available(seconds: list[dict]) -> str:
    down = [row["second"] for row in seconds if not row["available"]]
    return "answered every second" if not down else f"unavailable for {len(down)} of {len(seconds)} s"


def post_every_second(stack: Stack, posts: list, stop: threading.Event) -> None:
    """A visitor's small form post, on a fresh connection (its answer is a 400: it has no CSRF token)."""
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Referer": urllib.parse.urljoin(stack.url, "/login")}
    while not stop.is_set():
        started = time.monotonic()
        try:
            posts.append((stack.request("POST", "/login", POST_BODY, headers, timeout=30).status, time.monotonic() - started))
        except OSError:
            posts.append((None, time.monotonic() - started))
        stop.wait(max(0.0, 1.0 - (time.monotonic() - started)))
