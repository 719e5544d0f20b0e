"""The configurations the bench starts itself, as a Stack: where each answers, its processes, how it stops.

The peers, nginx alone and `make quick` are children the bench keeps a handle on, so it stops
exactly those (BenchStack); the shipped front ends are NativeStacks (bench/shipped.py), stopped by
the pids the native runner recorded.
"""
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request

import psutil

from tests.stacks import Stack
from tests.stacks.native import processes


class BenchError(RuntimeError):
    pass


class BenchStack(Stack):
    """A server (or nginx and a server) that the bench started as its children, on plain HTTP only:
    nothing in front of it terminates TLS, so `url` is `http_url` and there is no CA."""

    kind = "bench"
    ca = None

    def __init__(self, frontend: str, state: str, http_port: int, children: list[tuple[subprocess.Popen, int]],
                 settings: dict, config_files: list[str] = ()):
        self.frontend = frontend  # what serves it: granian, nginx-uwsgi, quick…
        self.state = state
        self.http_port = http_port
        self.children = children  # each with the signal that stops it gracefully
        self.settings = settings  # worker counts and the like, as started, for the report
        self.config_files = list(config_files)  # what its nginx read (sendfile, headers)

    @property
    def url(self) -> str:
        return self.http_url

    def processes(self) -> set[int]:
        return set().union(*(tree(child.pid) for child, _ in self.children))

    def stop(self) -> None:
        """Each child its signal, up to 30 s, then SIGKILL to the process group it leads."""
        for child, sig in self.children:
            if child.poll() is None:
                child.send_signal(sig)
        for child, _ in self.children:
            try:
                child.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait(10)

    def ready(self, what: str, log: str, timeout: float = 60, path: str = "/readyz") -> "BenchStack":
        """The stack once path answers 200; stopped, and the error raised, if it does not."""
        try:
            wait_until_ready(self.http_url, what, log, [child for child, _ in self.children], timeout, path)
        except BaseException:
            self.stop()
            raise
        return self


def spawn(command: list[str], log: str, env: dict, drop_root: bool = True, cwd: str | None = None) -> subprocess.Popen:
    """A server as our child in its own session, as the app servers' user when we are root."""
    return processes.spawn(command, log, env, drop_root=drop_root, cwd=cwd)


def tree(pid: int | None) -> set[int]:
    """pid and all its descendants (gunicorn's workers, Apache's children and mod_wsgi daemons)."""
    return {pid} | processes.descendants(pid) if pid else set()


def pin(pids: set[int], cpus: set[int]) -> None:
    """Every thread of every process onto cpus; threads and processes they start later inherit it."""
    for pid in pids:
        try:
            threads = psutil.Process(pid).threads()
        except psutil.Error:
            continue
        for thread in threads:
            try:
                os.sched_setaffinity(thread.id, cpus)  # psutil's cpu_affinity() sets the main thread's only
            except OSError:
                pass


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def wait_until_ready(url: str, what: str, log: str, children: list[subprocess.Popen] = (), timeout: float = 60,
                     path: str = "/readyz") -> None:
    """path answers 200 (/readyz: the app and its database), or the error names the log to read."""
    url = url.rstrip("/") + path
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if answers(url):
            return
        for child in children:
            if child.poll() is not None:
                raise BenchError(f"{what} exited with {child.returncode}; see {log}")
        time.sleep(0.2)
    raise BenchError(f"{what} did not answer {url} within {timeout:.0f} s; see {log}")
