"""Where each app server keeps the files of prometheus_client's multiprocess mode, and when they
start afresh, so /metrics sums every process of one server run and nothing older (README "Metrics").

The folder is METRICS_DIR/<server>. METRICS_DIR defaults to metrics/ in systemd's RuntimeDirectory
(/run/flask-reference/metrics: memory, emptied at boot), else to flask-reference-metrics-<uid>/ in the
temporary folder (a container's tmpfs /tmp; Apache's PrivateTmp on Debian), so no server needs a
setting; compose's two flup containers share a tmpfs volume. Each server sets
PROMETHEUS_MULTIPROC_DIR to its folder before the app is imported:

- gunicorn: `gunicorn`, emptied when the master starts (on_starting), kept across a reload (HUP)
  and a re-exec (USR2), whose workers run on; a worker's live gauges go with it (child_exit).
- mod_wsgi: `apache-<pid of Apache's parent process>`: a new folder each time Apache starts, the
  same one across a graceful restart, whose daemons come from the same parent.
- flup: `fastcgi`, shared by the two back ends and never emptied by them (one restarting must not
  take the other's totals); it is empty after a boot, since /run and a tmpfs are.
"""
import functools
import os
import shutil
import socket
import tempfile

VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def root() -> str:
    if os.environ.get("METRICS_DIR"):
        return os.environ["METRICS_DIR"]
    if os.environ.get("RUNTIME_DIRECTORY"):  # systemd's, for this app alone
        return os.path.join(os.environ["RUNTIME_DIRECTORY"].split(":")[0], "metrics")
    # One per user: a shared name in /tmp would be the first user's to own (make quick's daemons run
    # as www-data beside root's tests), and anyone's to plant first.
    return os.path.join(tempfile.gettempdir(), f"flask-reference-metrics-{os.getuid()}")


def use(server: str) -> str:
    """This server's folder, made if missing and named in PROMETHEUS_MULTIPROC_DIR for the app."""
    folder = os.path.join(root(), server)
    os.makedirs(folder, mode=0o700, exist_ok=True)  # the counts are this app's alone
    os.environ[VARIABLE] = folder
    return folder


def start_afresh(server: str) -> str:
    folder = os.path.join(root(), server)
    shutil.rmtree(folder, ignore_errors=True)
    return use(server)


def use_for_this_apache() -> str:
    """The folder of the Apache that forked this mod_wsgi daemon; those of Apaches gone are removed."""
    parent = os.getppid()
    for name in _listdir(root()):
        pid = name.removeprefix("apache-")
        if pid.isdigit() and int(pid) != parent and not alive(int(pid)):
            shutil.rmtree(os.path.join(root(), name), ignore_errors=True)
    return use(f"apache-{parent}")


@functools.cache  # asked at every count (prometheus_client checks for a fork), so no syscall each time
def host() -> str:
    """Where a pid means this process: the host and its pid namespace. compose's two flup containers
    share one folder and each runs its server as the same pid of its own namespace; on the host's
    network they share the host's name too, so the name alone would not tell them apart."""
    try:
        namespace = os.stat("/proc/self/ns/pid").st_ino
    except OSError:  # no /proc: one namespace is all there is
        namespace = 0
    return f"{socket.gethostname()}-{namespace}".replace("_", "-")  # no "_": prometheus_client splits file names on it


def process_identifier(pid: int | None = None) -> str:
    """What names a process's files: where (host()) and the pid."""
    return f"{host()}-{pid or os.getpid()}"


def process_died(pid: int) -> None:
    """Drop a dead process's live gauges (its counters stay in the totals)."""
    from prometheus_client import multiprocess  # imported when used: the app picks the mode on import

    if os.environ.get(VARIABLE):
        multiprocess.mark_process_dead(process_identifier(pid), os.environ[VARIABLE])


def _listdir(path: str) -> list[str]:
    try:
        return os.listdir(path)
    except OSError:
        return []


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True
