"""The multi-host suite (`make hosts-test`): each case through every front end, on several hosts.

A test takes `stack`, a HostsStack (tests/stacks/hosts/) started once per front end for the whole
session, and `figures`, where it leaves what it measured: printed at the end of the run, for the
closing note. Every test here is marked `hosts`, which `make test` leaves out. HOSTS_KEEP=1 keeps
the state folders (configs and logs).
"""
import os
import shutil
import tempfile

import pytest

from tests.stacks import FRONTENDS
from tests.stacks.hosts import HostsStack

KEEP = os.environ.get("HOSTS_KEEP", "") not in ("", "0")
# Seconds of each load phase; shorter in CI, never skipped.
LOAD_SECONDS = 6.0 if os.environ.get("CI") else 10.0
FIGURES = pytest.StashKey[list]()


@pytest.fixture(scope="session")
def hosts_root():
    root = tempfile.mkdtemp(prefix="hosts-")
    os.chmod(root, 0o755)  # the postgres and www-data users work inside
    yield root
    if not KEEP:
        shutil.rmtree(root, ignore_errors=True)
    else:
        print(f"\nhosts: configs and logs kept in {root}")


@pytest.fixture(scope="session", params=FRONTENDS)
def stack(request, hosts_root) -> HostsStack:
    started = HostsStack.start(request.param, os.path.join(hosts_root, request.param))
    yield started
    started.stop()


@pytest.fixture
def figures(request, stack):
    """figures(name=value, …): this case's numbers, in the summary at the end."""
    rows = request.config.stash.setdefault(FIGURES, [])

    def record(**values):
        rows.append((stack.frontend, request.node.originalname, values))
        print(f"{stack.frontend} {request.node.originalname}: {values}")

    yield record
    assert stack.healthy(), "the stack did not answer /readyz after the case"


def pytest_itemcollected(item):
    item.add_marker(pytest.mark.hosts)


def pytest_terminal_summary(terminalreporter, config):
    rows = config.stash.get(FIGURES, [])
    if rows:
        terminalreporter.section("multi-host figures")
        for frontend, name, values in rows:
            terminalreporter.write_line(f"{frontend:9} {name}: " + ", ".join(f"{k}={v}" for k, v in values.items()))


# Cheap cases first, then those that hurt a host, as a deploy's checks would run.
ORDER = ["spread", "sessions", "uploads", "migrations", "outbox", "failover", "rolling_deploy"]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Within each front end, the cases in the order of ORDER."""
    here = os.path.dirname(os.path.abspath(__file__))
    places = [n for n, item in enumerate(items) if item.path.is_relative_to(here) and hasattr(item, "callspec")]
    ordered = sorted((items[n] for n in places), key=lambda item: (
        FRONTENDS.index(item.callspec.params["stack"]), ORDER.index(item.module.__name__.rpartition(".")[2].removeprefix("test_"))))
    for n, item in zip(places, ordered):
        items[n] = item
