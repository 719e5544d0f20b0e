"""kill -9 of one app process under load: a gunicorn worker, a mod_wsgi daemon process, a flup back end.

The stack keeps answering; the failed requests are at most those in flight on that process (its
request threads bound them); a new process takes its place (gunicorn's master, Apache, the
flup back end's supervisor).
"""
import os
import signal
import time

import psutil

from .load import DATABASE_READ, HELLO, TEMPLATE, Load, failures, slowest

KILL_AT, SECONDS = 4.0, 12.0


def test_a_killed_app_process_is_replaced_and_costs_only_its_own_requests(stack, result):
    stack.seed_users(20)
    before = stack.app_pids()
    # Any page-serving one will do; the newest is never the gunicorn master's only child.
    victim = max(stack.page_pids())
    threads = max(1, psutil.Process(victim).num_threads() - 1)  # request threads: all but the main one
    replaced_after = None
    with Load(stack, [HELLO, TEMPLATE, DATABASE_READ], connections=32, seconds=SECONDS) as load:
        time.sleep(max(0.0, KILL_AT - load.now()))
        os.kill(victim, signal.SIGKILL)
        killed_at = time.monotonic()
        while time.monotonic() - killed_at < SECONDS - KILL_AT:
            now = stack.app_pids()
            if victim not in now and len(now) >= len(before):
                replaced_after = time.monotonic() - killed_at
                break
            time.sleep(0.05)
    bad = failures(load.samples)
    result.sent, result.failed, result.slowest = len(load.samples), len(bad), slowest(load.samples)
    result.recovery = replaced_after
    result.expect(len(bad) <= threads, f"{len(bad)} failed requests, more than the {threads} the process could hold")
    result.expect(replaced_after is not None, f"process {victim} was not replaced within {SECONDS - KILL_AT:.0f} s")
    late = [s for s in bad if replaced_after is not None and s.start > KILL_AT + replaced_after + 1]
    result.expect(not late, f"{len(late)} requests failed after the replacement was up")
    result.details.append(f"killed pid {victim} ({threads} request threads) at {KILL_AT:.0f} s; {len(bad)} requests failed "
                          f"({', '.join(sorted({str(s.status or s.error) for s in bad})) or 'none'}); "
                          f"replaced after {replaced_after or 0:.1f} s")
    assert result.problems == []
