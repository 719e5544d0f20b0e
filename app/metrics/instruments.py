"""The process's own metrics, written where every process of the app server adds to the same totals.

prometheus_client's multiprocess mode (PROMETHEUS_MULTIPROC_DIR): each process writes its counts
to memory-mapped files of its own in that folder, and a scrape, served by any one process, sums the
files of all of them, those of processes that died included. So a total stays exact across
gunicorn's workers, mod_wsgi's daemon processes and flup's back ends, whichever one is asked, and
across a killed or replaced process. Without the folder (`make run`), the counts are this process's.
"""
import functools
import os

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics, multiprocess, values

from deploy.metrics import alive, host, process_identifier

PREFIX = "flask_reference"
# Seconds: the page's own work is milliseconds; the top buckets catch a request that waited on a
# stalled database (DATABASE_POOL_TIMEOUT + DATABASE_TIMEOUT, 5 s) or up to the web server's 35 s.
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 35.0)


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


class Instruments:
    """One set per process, made on first use (`instruments()`)."""

    def __init__(self):
        folder = multiprocess_dir()
        if folder:
            # Set here rather than left to prometheus_client's import, which picks the mode only
            # from the environment it finds then: files named by host and pid (deploy/metrics.py).
            values.ValueClass = values.MultiProcessValue(process_identifier=process_identifier)
            os.makedirs(folder, exist_ok=True)
        disable_created_metrics()  # no _created series: multiprocess mode has none, so neither mode has
        # Single-process mode collects these from here; multiprocess mode from the folder.
        self.registry = CollectorRegistry()
        labels = ("route", "method", "status")
        self.requests = Counter(f"{PREFIX}_http_requests", "Requests the app answered, by route template, method and status.",
                                labels, registry=self.registry)
        self.duration = Histogram(f"{PREFIX}_http_request_duration_seconds", "Seconds from the app's first hook to its answer.",
                                  labels, buckets=DURATION_BUCKETS, registry=self.registry)
        # livesum: the processes alive now, summed (a dead one's files are removed: prune_dead()).
        self.in_use = Gauge(f"{PREFIX}_db_connections_in_use", "Pooled database connections checked out now.",
                            ("engine",), multiprocess_mode="livesum", registry=self.registry)
        self.overflow = Gauge(f"{PREFIX}_db_connections_overflow", "Connections in use beyond the pool's size (DATABASE_MAX_OVERFLOW's share).",
                              ("engine",), multiprocess_mode="livesum", registry=self.registry)
        self.pool_size = Gauge(f"{PREFIX}_db_pool_size", "Connections each pool keeps (DATABASE_POOL_SIZE), summed over processes.",
                               ("engine",), multiprocess_mode="livesum", registry=self.registry)


@functools.cache
def instruments() -> Instruments:
    return Instruments()


def prune_dead(folder: str) -> None:
    """Drop the live gauges of this host's processes that are gone; their counters stay, so totals hold.

    gunicorn does this from its child_exit hook (deploy/gunicorn/conf.py); mod_wsgi and flup have
    no such hook, so every scrape looks. Another container's processes are its own scrapes' to judge.
    """
    here = host()
    identifiers = {name.removesuffix(".db").rsplit("_", 1)[-1] for name in os.listdir(folder) if name.startswith("gauge_live")}
    for identifier in identifiers:
        where, _, pid = identifier.rpartition("-")
        if where == here and pid.isdigit() and not alive(int(pid)):
            multiprocess.mark_process_dead(identifier, folder)
