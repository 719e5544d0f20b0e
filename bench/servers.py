"""What every configuration is once started: where it answers, which processes are its, how it stops.

The bench starts its own servers (the peers, the limit) as children it keeps a handle on, so it
stops exactly those; the shipped front ends are stopped by stack.runner.down(), by the pids it recorded.
"""
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Callable

from stack import processes
from stack.processes import descendants


class BenchError(RuntimeError):
    pass


@dataclass
class Server:
    url: str  # plain HTTP, http://127.0.0.1:PORT
    pids: Callable[[], set[int]]  # the web server's and the app server's processes, for RSS and pinning
    stop: Callable[[], None]
    settings: dict = field(default_factory=dict)  # worker counts and the like, as started
    https_url: str | None = None
    ca: str | None = None
    config_files: list[str] = field(default_factory=list)  # what the web server read (sendfile, headers)


def spawn(command: list[str], log: str, env: dict, drop_root: bool = True, cwd: str | None = None) -> subprocess.Popen:
    """A server as our child in its own session, as the app servers' user when we are root."""
    return processes.spawn(command, log, env, drop_root=drop_root, cwd=cwd)


def stopper(*children: subprocess.Popen, sig: int = signal.SIGTERM) -> Callable[[], None]:
    """Stop our own children: the signal, up to 30 s, then SIGKILL to the group each one leads."""
    def stop():
        for child in children:
            if child.poll() is None:
                child.send_signal(sig)
        for child in children:
            try:
                child.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait(10)
    return stop


def tree(pid: int | None) -> set[int]:
    """pid and all its descendants (gunicorn's workers, Apache's children and mod_wsgi daemons)."""
    return {pid} | descendants(pid) if pid else set()


def pin(pids: set[int], cpus: set[int]) -> None:
    """Every thread of every process onto cpus; threads and processes they start later inherit it."""
    for pid in pids:
        try:
            tasks = [int(t) for t in os.listdir(f"/proc/{pid}/task")]
        except OSError:
            continue
        for task in tasks:
            try:
                os.sched_setaffinity(task, cpus)
            except OSError:
                pass


def answers(url: str, context=None) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5, context=context) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def wait_until_ready(url: str, what: str, log: str, child: subprocess.Popen | None = None, timeout: float = 60,
                     path: str = "/readyz") -> None:
    """path answers 200 (/readyz: the app and its database), or the error names the log to read."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if answers(url + path):
            return
        if child is not None and child.poll() is not None:
            raise BenchError(f"{what} exited with {child.returncode}; see {log}")
        time.sleep(0.2)
    raise BenchError(f"{what} did not answer {url}{path} within {timeout:.0f} s; see {log}")
