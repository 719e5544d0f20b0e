"""60 s at 128 connections on a mix of routes: nothing fails, nothing grows.

App-process memory after the warm-up and at the end (growth under 20 %), their open file
descriptors (no growth), and PostgreSQL's client connections afterwards (back within the pools).
"""
import os
import time

import psutil

from tests.stacks.native import processes

from .load import DATABASE_READ, HELLO, TEMPLATE, Load, failures, slowest

SECONDS, WARM_UP = 60.0, 10.0
MIX = [HELLO, TEMPLATE, DATABASE_READ, "/static/hello.js", "/login"]


def test_a_long_load_fails_nothing_and_grows_nothing(stack, result):
    stack.seed_users(20)
    with Load(stack, MIX, connections=128, seconds=SECONDS) as load:
        time.sleep(WARM_UP)
        pids = stack.app_pids()
        rss_warm, fds_warm = rss_kib(pids), open_fds(pids)
        time.sleep(max(0.0, SECONDS - 1 - load.now()))
        rss_end, fds_end = rss_kib(pids), open_fds(pids)
        pids_end = stack.app_pids()
    time.sleep(1)  # the last requests hand their connections back to the pools
    fds_after = open_fds(pids)
    connections = stack.sql("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                            "AND backend_type = 'client backend' AND pid <> pg_backend_pid()")[0][0]
    pool_size = int(os.environ.get("DATABASE_POOL_SIZE", "5"))
    holders = len(pids) + 1  # the periodic mail sender has a pool too
    bad = failures(load.samples) + [s for s in load.samples if s.status not in (200, None) and s.status < 500]
    result.sent, result.failed, result.slowest = len(load.samples), len(bad), slowest(load.samples)
    growth = (rss_end - rss_warm) / rss_warm if rss_warm else 0.0
    result.expect(not bad, f"{len(bad)} requests failed ({sorted({str(s.status or s.error) for s in bad})})")
    result.expect(pids_end == pids, "app processes were restarted during the soak")
    result.expect(growth < 0.20, f"app RSS grew {growth:.0%}")
    # A kept-alive upstream socket or two may come and go; a leak grows with every request.
    result.expect(fds_after <= fds_warm + 2 * len(pids), f"app file descriptors grew from {fds_warm} to {fds_after}")
    result.expect(connections <= pool_size * holders, f"{connections} PostgreSQL connections left, pools hold {pool_size} × {holders}")
    rate = len(load.samples) / SECONDS
    result.details.append(f"{rate:.0f} requests/s; app RSS {rss_warm // 1024} MiB after warm-up, {rss_end // 1024} MiB at the end "
                          f"({growth:+.1%}); fds {fds_warm} -> {fds_end} -> {fds_after} after; "
                          f"{connections} PostgreSQL connections after (pools: {pool_size} × {holders} processes)")
    assert result.problems == []


def rss_kib(pids) -> int:
    return processes.memory_kib(pids)["rss_kib"]


def open_fds(pids) -> int:
    """The file descriptors the processes hold, those of a process gone meanwhile not counted."""
    total = 0
    for pid in pids:
        try:
            total += psutil.Process(pid).num_fds()
        except psutil.Error:
            pass
    return total
