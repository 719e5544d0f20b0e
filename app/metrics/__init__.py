"""Prometheus metrics at /metrics: requests and their durations by route template, method and
status; the database pools; the outbox; the build (README "Metrics").

Counted in every process and summed at scrape time (instruments.py: PROMETHEUS_MULTIPROC_DIR);
read from the database when scraped (collectors.py); served to this host or a token (views.py).
"""
import functools
import threading
import time

from flask import Flask, g, request

from ..extensions import db
from .instruments import instruments
from .views import bp

# The label of a request no route matched (a 404 for any path), and of a method outside the
# standard ones (Werkzeug takes any token): one value each, whatever clients send, so the number of
# series stays bounded.
UNMATCHED = "unmatched"
METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"}
OTHER_METHOD = "other"


def init_app(app: Flask) -> None:
    if not app.config["METRICS"]:
        return
    app.register_blueprint(bp)  # here, with what it measures: the endpoint is this feature's
    app.after_request(count_request)
    with app.app_context():
        engines = dict(db.engines)
    for key, engine in engines.items():
        watch_pool(engine, key or "default")


def count_request(response):
    rule, method = request.url_rule, request.method
    labels = (rule.rule if rule is not None else UNMATCHED, method if method in METHODS else OTHER_METHOD, response.status_code)
    started = g.get("started")  # app/hooks.py's timer, the request's first hook
    counter, histogram = series(labels)
    counter.inc()
    if started is not None:
        histogram.observe(time.perf_counter() - started)
    return response


@functools.cache  # labels() looks the series up under a lock, twice a request; the labels are bounded
def series(labels: tuple) -> tuple:
    route, method, status = labels
    measured = instruments()
    return measured.requests.labels(route, method, str(status)), measured.duration.labels(route, method, str(status))


def watch_pool(engine, name: str) -> None:
    """Connections in use, counted on the pool's own checkout and checkin events (a scrape runs in
    one process and could only see that one's pool)."""
    pool = engine.pool
    if not hasattr(pool, "overflow"):  # a QueuePool's; SQLite's in-memory pools have no size to exceed
        return
    measured, out, lock, beyond = instruments(), set(), threading.Lock(), [0]
    in_use, overflow = measured.in_use.labels(name), measured.overflow.labels(name)
    measured.pool_size.labels(name).set(pool.size())
    overflow.set(0)

    def publish():
        in_use.set(len(out))
        if beyond[0] != (now := max(0, len(out) - pool.size())):  # rarely: a write saved per event
            beyond[0] = now
            overflow.set(now)

    # A set of the records out, not a running count: a record may be checked in without a
    # checkout event (a connect that failed), and must not take the count below the truth.
    @db.event.listens_for(engine, "checkout")
    def checked_out(dbapi_connection, record, proxy):
        with lock:
            out.add(record)
            publish()

    @db.event.listens_for(engine, "checkin")
    def checked_in(dbapi_connection, record):
        with lock:
            out.discard(record)
            publish()
