"""The hosts' network: one namespace per host, each with one veth link to a bridge in a namespace of its own.

Addresses are in 198.18.0.0/24 (RFC 2544's benchmarking range, never routed) and only on those
links; no namespace has a default route, so nothing sent here can leave the machine. Every name
starts with PREFIX: a run killed before its teardown leaves namespaces that the next run removes
(with whatever still runs inside them) before it makes its own.
"""
import contextlib
import os
import signal
import subprocess

from ..server.netns import _setns

PREFIX = "frh-"
BRIDGE = PREFIX + "bridge"
NETWORK = "198.18.0"


def ip(*arguments: str) -> str:
    return subprocess.run(["ip", *arguments], check=True, capture_output=True, text=True).stdout


def namespaces() -> list[str]:
    """Our namespaces that exist now (`ip netns list` prints "NAME (id: N)")."""
    return [line.split()[0] for line in ip("netns", "list").splitlines() if line.startswith(PREFIX)]


class Network:
    """`Network({"lb": "198.18.0.2", …}).up()` makes a namespace PREFIX+name per host; down() removes them."""

    def __init__(self, hosts: dict[str, str]):
        self.hosts = hosts

    def namespace(self, host: str) -> str:
        return PREFIX + host

    def up(self) -> "Network":
        if os.geteuid() != 0:
            raise PermissionError("the multi-host test makes network namespaces: run it as root")
        remove_all()  # leftovers of a run that was killed
        try:
            ip("netns", "add", BRIDGE)
            ip("-n", BRIDGE, "link", "add", "br0", "type", "bridge")
            ip("-n", BRIDGE, "link", "set", "br0", "up")
            for number, (host, address) in enumerate(self.hosts.items()):
                name = self.namespace(host)
                ip("netns", "add", name)
                ip("-n", name, "link", "set", "lo", "up")
                ip("-n", BRIDGE, "link", "add", f"port{number}", "type", "veth", "peer", "name", "eth0", "netns", name)
                ip("-n", BRIDGE, "link", "set", f"port{number}", "master", "br0", "up")
                ip("-n", name, "addr", "add", f"{address}/24", "dev", "eth0")
                ip("-n", name, "link", "set", "eth0", "up")
        except BaseException:
            remove_all()
            raise
        return self

    def down(self) -> None:
        remove_all()

    @contextlib.contextmanager
    def inside(self, host: str):
        """This thread in the host's namespace for the block, then back where it was; the
        processes and threads it starts meanwhile stay there (they inherit it)."""
        home = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
        there = os.open(f"/run/netns/{self.namespace(host)}", os.O_RDONLY | os.O_CLOEXEC)
        try:
            _setns(there)
            yield
        finally:
            _setns(home)
            os.close(there)
            os.close(home)

    def enter(self, host: str) -> None:
        """This thread in the host's namespace until leave(): the test process as the client host."""
        self._entered = self.inside(host)
        self._entered.__enter__()

    def leave(self) -> None:
        entered, self._entered = getattr(self, "_entered", None), None
        if entered is not None:
            entered.__exit__(None, None, None)


def remove_all() -> None:
    """Every namespace of ours: what runs inside is killed first (never this process), then the
    namespace goes, and its veth ends with it."""
    for name in namespaces():
        pids = {int(pid) for pid in ip("netns", "pids", name).split()} - {os.getpid()}
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        ip("netns", "delete", name)
