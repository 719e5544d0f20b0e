"""How much of the machine went to someone else while a row was measured.

The machine's busy time (user, nice, system in /proc/stat) less what the row's own processes used:
its servers, PostgreSQL, this script and its children (wrk). Softirq time is left out on both
sides. A share over a few percent means another job ran: that row's figures are not fit to quote.
A process that exits before the end (an Apache child reaped under load, as mod_wsgi-express's
defaults do for make quick) takes its time with it, so such a row reads high: 15 % for make quick.
"""
import os
import time

TICK = os.sysconf("SC_CLK_TCK")


def _busy() -> int:
    with open("/proc/stat") as f:
        user, nice, system = (int(x) for x in f.readline().split()[1:4])
    return user + nice + system


def _ticks(pids) -> dict[int, int]:
    found = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            found[pid] = int(fields[11]) + int(fields[12])  # utime, stime: all its threads
        except (OSError, IndexError, ValueError):
            pass
    return found


def _ours() -> int:
    t = os.times()
    return round((t.user + t.system + t.children_user + t.children_system) * TICK)


class Meter:
    """Meter(pids) when the row's servers are up; .foreign_share() when its points are done."""

    def __init__(self, pids):
        self.pids = pids  # a callable: the row's server and database processes, read again at the end
        self.began, self.busy, self.ours, self.servers = time.monotonic(), _busy(), _ours(), _ticks(pids())

    def foreign_share(self) -> float:
        """Other processes' CPU time as a share of all the cores' time since the start (0 to 1)."""
        servers = sum(ticks - self.servers.get(pid, 0) for pid, ticks in _ticks(self.pids()).items())
        foreign = (_busy() - self.busy) - (_ours() - self.ours) - servers
        capacity = (time.monotonic() - self.began) * TICK * len(os.sched_getaffinity(0))
        return max(0.0, foreign / capacity) if capacity else 0.0
