"""This process in a container's network namespace, and back.

The server runs with `--network none`: its own namespace with only loopback, so Debian's defaults
(the web server on :80 and :443, PostgreSQL on 5432) stay inside it. The tests reach it on
127.0.0.1 by entering that namespace: setns(2) on /proc/PID/ns/net. Python 3.11 has no os.setns,
hence ctypes (one call, nothing a library would add). Only the calling thread moves: call it from
the main thread, before the threads and processes that must be inside (they inherit it). Sockets
opened before stay where they were. The docker CLI still works (its socket is a path, not an address).
"""
import ctypes
import os

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def _setns(fd: int) -> None:
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"setns(CLONE_NEWNET): {os.strerror(errno)}")


class NetworkNamespace:
    """enter(pid) moves this thread into the namespace of process `pid`; leave() comes home."""

    def __init__(self):
        self._home: int | None = None

    @property
    def inside(self) -> bool:
        return self._home is not None

    def enter(self, pid: int) -> None:
        if self._home is None:
            self._home = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
        fd = os.open(f"/proc/{pid}/ns/net", os.O_RDONLY | os.O_CLOEXEC)
        try:
            _setns(fd)
        finally:
            os.close(fd)

    def leave(self) -> None:
        if self._home is None:
            return
        try:
            _setns(self._home)
        finally:
            os.close(self._home)
            self._home = None
