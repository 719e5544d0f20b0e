"""Start processes with their logs in the state folder; stop them by pid, and only if still theirs.

psutil reads the process table (trees, command lines, environments, memory) and does the signalling.
"""
import os
import signal
import subprocess
import time

import psutil

# Python processes that serve the app run as this user when the runner is root, like Apache's daemon.
SERVICE_USER = "www-data"


def run_as() -> dict:
    """Popen arguments that drop root to SERVICE_USER; nothing when not root."""
    if os.geteuid() != 0:
        return {}
    return {"user": SERVICE_USER, "group": SERVICE_USER, "extra_groups": []}


def start(command: list[str], log_path: str, env: dict, drop_root: bool = False, cwd: str | None = None) -> int:
    return spawn(command, log_path, env, drop_root, cwd).pid


def spawn(command: list[str], log_path: str, env: dict, drop_root: bool = False, cwd: str | None = None) -> subprocess.Popen:
    """start(), keeping the handle: the caller waits for the process and reads its exit status."""
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, cwd=cwd,
            start_new_session=True, **(run_as() if drop_root else {}),
        )


def environment(pid: int) -> dict:
    """The environment a running process was started with (to start its replacement the same way);
    raises psutil.Error when it is gone or not readable."""
    return psutil.Process(pid).environ()


def read_pid(path: str) -> int | None:
    try:
        with open(path) as pidfile:
            return int(pidfile.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def cmdline(pid: int) -> str:
    """The command line as one string ("" once the process is gone or a zombie)."""
    try:
        return " ".join(psutil.Process(pid).cmdline())
    except psutil.Error:
        return ""


def unix_listeners(pid: int) -> list[str]:
    """The paths of the unix sockets the process has bound (none once it is gone)."""
    try:
        return [c.laddr for c in psutil.Process(pid).net_connections(kind="unix") if c.laddr]
    except psutil.Error:
        return []


def is_ours(pid: int | None, marker: str) -> bool:
    """PIDs are reused quickly here: a pid counts only while its command line still names our file."""
    return bool(pid) and marker in cmdline(pid)


def stop(pid: int | None, marker: str, sig: int = signal.SIGTERM, timeout: float = 30) -> bool:
    """Signal the process, wait until it is gone; SIGKILL after the timeout. False if it was not ours."""
    if not is_ours(pid, marker):
        return False
    process = psutil.Process(pid)  # from here on psutil signals this process only, never a reuser of its pid
    try:
        process.send_signal(sig)
        deadline = time.monotonic() + timeout
        while _running(process) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _running(process):
            process.kill()
            process.wait(10)  # reaps it, if a child of ours
    except (psutil.NoSuchProcess, psutil.TimeoutExpired):
        pass
    return True


def _running(process: psutil.Process) -> bool:
    """Still there and not a zombie: a child of ours that exited is reaped first."""
    reap(process.pid)
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def reap(pid: int) -> None:
    """Collect a child of ours that exited, so it does not linger as a zombie."""
    try:
        psutil.Process(pid).wait(timeout=0)
    except (psutil.TimeoutExpired, psutil.NoSuchProcess):
        pass


def children_map() -> dict[int, list[int]]:
    """Every process's children, by parent pid."""
    children: dict[int, list[int]] = {}
    for process in psutil.process_iter(["ppid"]):
        children.setdefault(process.info["ppid"], []).append(process.pid)
    return children


def descendants(pid: int | None) -> set[int]:
    if not pid:
        return set()
    try:
        return {child.pid for child in psutil.Process(pid).children(recursive=True)}
    except psutil.NoSuchProcess:
        return set()


def memory_kib(pids) -> dict:
    """Summed RSS (it counts shared pages once per process) and PSS (shares them out) of the pids."""
    totals = {"rss_kib": 0, "pss_kib": 0}
    for pid in pids:
        try:
            memory = psutil.Process(pid).memory_full_info()
        except psutil.Error:  # gone meanwhile
            continue
        totals["rss_kib"] += memory.rss // 1024
        totals["pss_kib"] += memory.pss // 1024
    return totals
