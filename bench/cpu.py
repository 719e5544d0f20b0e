"""What a row's processes cost per request, and how much of the machine went to someone else meanwhile.

Per request: the CPU time (user and system, all threads) of the row's servers and PostgreSQL over
each measured wrk run, divided by the requests wrk completed in it (bench/wrk.py); the preflight
and the warm-up are left out. Foreign share: the machine's busy time (user, nice, system) less what
the row's own processes used: its servers, PostgreSQL, this script and its children (wrk). Softirq
time is left out on both sides. A share over a few percent means another job ran: that row's figures
are not fit to quote. A process that exits before the end (an Apache child reaped under load, as
mod_wsgi-express's defaults do for make quick) takes its time with it, so such a row's share reads
high (15 % for make quick) and its CPU per request low.
"""
import os
import time

import psutil


def _busy() -> float:
    times = psutil.cpu_times()
    return times.user + times.nice + times.system


def _seconds(pids) -> dict[int, float]:
    """Each process's CPU time (user and system, all its threads), in seconds."""
    found = {}
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.Error:  # gone meanwhile
            continue
        found[pid] = times.user + times.system
    return found


def snapshot(pids) -> dict[int, float]:
    """pids(): a callable, as Meter takes; its processes' CPU times now, for used() to subtract."""
    return _seconds(pids())


def used(pids, before: dict[int, float]) -> float:
    """CPU seconds pids() used since snapshot `before`: a process born meanwhile counts from its start,
    one that exited meanwhile not at all."""
    return sum(seconds - before.get(pid, 0) for pid, seconds in _seconds(pids()).items())


def _ours() -> float:
    """This process's CPU time and that of its children it has waited for (wrk)."""
    times = psutil.Process().cpu_times()
    return times.user + times.system + times.children_user + times.children_system


class Meter:
    """Meter(pids) when the row's servers are up; .foreign_share() when its points are done."""

    def __init__(self, pids):
        self.pids = pids  # a callable: the row's server and database processes, read again at the end
        self.began, self.busy, self.ours, self.servers = time.monotonic(), _busy(), _ours(), snapshot(pids)

    def foreign_share(self) -> float:
        """Other processes' CPU time as a share of all the cores' time since the start (0 to 1)."""
        foreign = (_busy() - self.busy) - (_ours() - self.ours) - used(self.pids, self.servers)
        capacity = (time.monotonic() - self.began) * len(os.sched_getaffinity(0))
        return max(0.0, foreign / capacity) if capacity else 0.0
