"""The issue's targets, each judged on the figures of this run: met, missed, or not measured (None)."""
import re

from deploy import render, sizing
from deploy.fastcgi import fcgi_server
from deploy.gunicorn import conf as gunicorn_conf

from .figures import Figures
from .plan import DYNAMIC

BASELINE = "gunicorn"
FLOOR = "floor-gunicorn"  # bench/floor.py under the baseline's gunicorn
FLOOR_CPU = 1.3  # the most the app's CPU per request may be, as a ratio to the floor app's (issue 19)
FRONT_ENDS = {"nginx-gunicorn": 1.0, "apache": 1.0, "nginx-fastcgi": 0.8}  # the least ratio to the baseline
PEERS = ("nginx-uwsgi", "granian", "waitress")
ZERO_ERRORS = (*FRONT_ENDS, "quick")
LONG_CACHE_S = 7 * 24 * 3600


def _target(text: str, problems: list[str], measured: bool = True) -> dict:
    return {"target": text, "met": (not problems) if measured else None, "problems": problems}


def evaluate(document: dict) -> list[dict]:
    f = Figures(document)
    return [
        *[_ratio(f, row, least) for row, least in FRONT_ENDS.items()],
        _near_best_peer(f),
        _static(f),
        _zero_errors(f),
        _p99(f),
        _cpu_over_floor(f),
        _cpu_formula(),
    ]


def _ratio(f: Figures, row: str, least: float) -> dict:
    problems, measured = [], True
    for route in DYNAMIC:
        ours, base = f.value(row, route), f.value(BASELINE, route)
        if ours is None or base is None:
            measured = False
        elif ours < least * base:
            problems.append(f"{route}: {ours / base:.2f}×")
    return _target(f"{row} ≥ {least:.1f}× bare gunicorn on hello, template, db", problems, measured)


def _near_best_peer(f: Figures) -> dict:
    problems, measured = [], True
    for route in ("template", "db"):
        peers = {peer: f.value(peer, route) for peer in PEERS if f.value(peer, route) is not None}
        if not peers:
            measured = False
            continue
        best = max(peers, key=peers.get)
        for row in FRONT_ENDS:
            ours = f.value(row, route)
            if ours is None:
                measured = False
            elif ours < 0.9 * peers[best]:
                problems.append(f"{row} {route}: {ours / peers[best]:.2f}× {best}")
    return _target("every front end within 10 % of the best peer on template and db", problems, measured)


def _static(f: Figures) -> dict:
    problems, measured = [], True
    for row in FRONT_ENDS:
        for route in ("static-4k", "static-1m"):
            ours, flask = f.value(row, route), f.value(BASELINE, route)
            if ours is None or flask is None:
                measured = False
            elif ours < 10 * flask:
                problems.append(f"{row} {route}: {ours / flask:.1f}× Flask's")
        headers = f.headers(row, "static-4k")
        if headers is None:
            continue
        age = re.search(r"max-age=(\d+)", headers.get("cache-control", ""))
        if not age or int(age.group(1)) < LONG_CACHE_S:
            problems.append(f"{row}: Cache-Control {headers.get('cache-control')!r}")
        if "etag" not in headers:
            problems.append(f"{row}: no ETag")
        if not f.rows[row].get("sendfile"):
            problems.append(f"{row}: sendfile is off in its config")
    return _target("static files through every front end ≥ 10× Flask's, with sendfile, long Cache-Control, ETag",
                   problems, measured)


def _zero_errors(f: Figures) -> dict:
    problems = [f"{row} {failure}" for row in ZERO_ERRORS if row in f.rows for failure in f.failures(row)]
    measured = all(row in f.rows for row in ZERO_ERRORS)
    return _target("0 errors at every concurrency up to 256 (front ends and make quick)", problems, measured)


def _p99(f: Figures) -> dict:
    problems, measured = [], True
    for row in FRONT_ENDS:
        for route in DYNAMIC:
            ours, base = f.value(row, route, "p99_ms"), f.value(BASELINE, route, "p99_ms")
            if ours is None or base is None:
                measured = False
            elif ours > 1.5 * base:
                problems.append(f"{row} {route}: {ours:.0f} ms = {ours / base:.2f}× {base:.0f} ms")
    return _target("p99 at 64 connections ≤ 1.5× bare gunicorn's", problems, measured)


def _cpu_over_floor(f: Figures) -> dict:
    ratios, problems, measured = [], [], True
    for route in DYNAMIC:
        ours, floor = f.value(BASELINE, route, "cpu_ms"), f.value(FLOOR, route, "cpu_ms")
        if ours is None or not floor:
            measured = False
            continue
        ratios.append(f"{route} {ours / floor:.2f}×")
        if ours > FLOOR_CPU * floor:
            problems.append(f"{route}: {ours:.2f} ms = {ours / floor:.2f}× {floor:.2f} ms")
    text = f"the app's CPU ms/request under bare gunicorn ≤ {FLOOR_CPU:g}× the floor app's on hello, template, db"
    return _target(text + (f" ({', '.join(ratios)})" if ratios else ""), problems, measured)


def _cpu_formula() -> dict:
    """Each shipped default evaluated for 1 and 8 cores (mod_wsgi's as deploy.render fills the Apache
    template): derived from the core count, they differ. And the app servers take theirs from that
    one formula: gunicorn's config and flup's server read deploy.sizing."""
    seen = {}
    for n in (1, 8):
        counts, apache = sizing.settings({}, core_count=n), render.settings({}, core_count=n)
        seen[n] = {"gunicorn processes×threads": f"{counts['WEB_CONCURRENCY']}×{counts['GUNICORN_THREADS']}",
                   "mod_wsgi processes×threads": f"{apache['WSGI_PROCESSES']}×{apache['WSGI_THREADS']}"}
    problems = [f"{name}: {seen[1][name]} on 1 core and on 8" for name in seen[1] if seen[1][name] == seen[8][name]]
    here = sizing.settings()  # this host's, as deploy.gunicorn.conf computed them on import
    if (gunicorn_conf.workers, gunicorn_conf.threads) != (here["WEB_CONCURRENCY"], here["GUNICORN_THREADS"]):
        problems.append(f"gunicorn: deploy.gunicorn.conf runs {gunicorn_conf.workers}×{gunicorn_conf.threads}, "
                        f"deploy.sizing says {here['WEB_CONCURRENCY']}×{here['GUNICORN_THREADS']}")
    if getattr(fcgi_server, "sizing", None) is not sizing:
        problems.append("flup FCGI_MAX_THREADS: not from deploy.sizing")
    return _target("worker/thread/pool counts derived from the CPU count by one formula", problems)
