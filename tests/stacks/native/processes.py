"""Start processes with their logs in the state folder; stop them by pid, and only if still theirs."""
import os
import signal
import subprocess
import time

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
    """The environment a running process was started with (to start its replacement the same way)."""
    with open(f"/proc/{pid}/environ", "rb") as f:
        pairs = (item.decode(errors="replace").partition("=") for item in f.read().split(b"\0") if item)
        return {name: value for name, _, value in pairs}


def read_pid(path: str) -> int | None:
    try:
        with open(path) as pidfile:
            return int(pidfile.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def is_ours(pid: int | None, marker: str) -> bool:
    """PIDs are reused quickly here: a pid counts only while its command line still names our file."""
    return bool(pid) and marker in cmdline(pid)


def stop(pid: int | None, marker: str, sig: int = signal.SIGTERM, timeout: float = 30) -> bool:
    """Signal the process, wait until it is gone; SIGKILL after the timeout. False if it was not ours."""
    if not is_ours(pid, marker):
        return False
    os.kill(pid, sig)
    deadline = time.monotonic() + timeout
    while is_ours(pid, marker) and time.monotonic() < deadline:
        reap(pid)
        time.sleep(0.1)
    if is_ours(pid, marker):
        os.kill(pid, signal.SIGKILL)
        reap(pid)
    return True


def reap(pid: int) -> None:
    """Collect a child of ours that exited, so it does not linger as a zombie."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                # the command name may hold spaces and parentheses: the ppid follows the last ")"
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    return children


def descendants(pid: int | None) -> set[int]:
    if not pid:
        return set()
    tree, found, todo = children_map(), set(), [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def memory_kib(pids) -> dict:
    """Summed RSS (it counts shared pages once per process) and PSS (shares them out) of the pids."""
    totals = {"rss_kib": 0, "pss_kib": 0}
    for pid in pids:
        for key, path, label in (("rss_kib", "status", "VmRSS:"), ("pss_kib", "smaps_rollup", "Pss:")):
            try:
                with open(f"/proc/{pid}/{path}") as f:
                    totals[key] += next(int(line.split()[1]) for line in f if line.startswith(label))
            except (OSError, StopIteration, ValueError):
                pass
    return totals
