"""How much of the machine went to someone else while a row was measured.

The machine's busy time (user, nice, system) less what the row's own processes used: its servers,
PostgreSQL, this script and its children (wrk). Softirq time is left out on both sides. A share
over a few percent means another job ran: that row's figures are not fit to quote. A process that
exits before the end (an Apache child reaped under load, as mod_wsgi-express's defaults do for
make quick) takes its time with it, so such a row reads high: 15 % for make quick.
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


def _ours() -> float:
    """This process's CPU time and that of its children it has waited for (wrk)."""
    times = psutil.Process().cpu_times()
    return times.user + times.system + times.children_user + times.children_system


class Meter:
    """Meter(pids) when the row's servers are up; .foreign_share() when its points are done."""

    def __init__(self, pids):
        self.pids = pids  # a callable: the row's server and database processes, read again at the end
        self.began, self.busy, self.ours, self.servers = time.monotonic(), _busy(), _ours(), _seconds(pids())

    def foreign_share(self) -> float:
        """Other processes' CPU time as a share of all the cores' time since the start (0 to 1)."""
        servers = sum(seconds - self.servers.get(pid, 0) for pid, seconds in _seconds(self.pids()).items())
        foreign = (_busy() - self.busy) - (_ours() - self.ours) - servers
        capacity = (time.monotonic() - self.began) * len(os.sched_getaffinity(0))
        return max(0.0, foreign / capacity) if capacity else 0.0
