"""The fault suite (`make faults`): each fault provoked through every native front end, one table.

Every test here is marked `faults`, which `make test` leaves out (the suite takes about 10 minutes).
A test takes `stack`, one front end started by the native runner once for the whole session, and
`result`, its row of the "what clients saw" table: printed at the end of the run and written as
JSON to $FAULTS_REPORT (default .native/faults.json). FAULTS_KEEP=1 keeps the stacks' folders.
"""
import os
import shutil
import tempfile

import pytest

from tests.stacks import FRONTENDS
from tests.stacks.native import NativeStack
from tests.stacks.native.frontends import PROJECT_DIR
from tests.stacks.native.postgres import free_port

from .report import Result, table, write_json

HERE = os.path.dirname(os.path.abspath(__file__))
# The order matters only for speed: the cases that restart things come after those that measure.
CASES = ["hostile", "forged_headers", "retried_writes", "racing_writes", "slow_clients", "slow_bodies", "disk_full",
         "mail_outage", "mail_hang", "database_freeze", "database_outage", "health_isolation", "reloads", "worker_dies", "sender_killed", "stop", "overload", "soak"]
REPORT = os.environ.get("FAULTS_REPORT") or os.path.join(PROJECT_DIR, ".native", "faults.json")
KEEP = os.environ.get("FAULTS_KEEP", "") not in ("", "0")
RESULTS, ROOT, ROW = pytest.StashKey[list](), pytest.StashKey[str](), pytest.StashKey[Result]()


def case_name(module) -> str:
    """tests/faults/test_reloads.py holds the case "reloads"."""
    return module.__name__.rpartition(".")[2].removeprefix("test_")


@pytest.fixture(scope="session")
def stacks_root(pytestconfig):
    root = tempfile.mkdtemp(prefix="faults-")
    os.chmod(root, 0o755)  # the postgres and www-data users work inside
    pytestconfig.stash[ROOT] = root
    yield root
    if not KEEP:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session", params=FRONTENDS)
def stack(request, stacks_root) -> NativeStack:
    """One front end with its own PostgreSQL and SMTP sink, up for every case, stopped before the next."""
    started = NativeStack.start(request.param, os.path.join(stacks_root, request.param), free_port(),
                                https_port=free_port())
    yield started
    started.stop()


@pytest.fixture
def result(request, stack) -> Result:
    """This case's row of the table. The stack must answer /readyz after the case, or the row fails."""
    row = Result(case_name(request.module), stack.frontend)
    request.node.stash[ROW] = row
    request.config.stash.setdefault(RESULTS, []).append(row)
    yield row
    if not stack.healthy():
        row.problems.append("the stack was not healthy after the case")
        pytest.fail(row.problems[-1], pytrace=False)


def pytest_itemcollected(item):
    """Called for the tests under this folder only: each is a fault case."""
    item.add_marker(pytest.mark.faults)


@pytest.hookimpl(trylast=True)  # last: pytest's own grouping by the session fixture must not undo it
def pytest_collection_modifyitems(items):
    """Within each front end, the cases in the order of CASES."""
    places = [n for n, item in enumerate(items) if item.path.is_relative_to(HERE) and hasattr(item, "callspec")]
    ordered = sorted((items[n] for n in places), key=lambda item: (
        FRONTENDS.index(item.callspec.params["stack"]), CASES.index(case_name(item.module))))
    for n, item in zip(places, ordered):
        items[n] = item


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    row = item.stash.get(ROW, None)
    if row is not None and report.failed and not row.problems:  # a case that crashed is a failed row
        row.problems.append(f"the case itself failed: {call.excinfo.typename}: {call.excinfo.value}")
    return report


def pytest_terminal_summary(terminalreporter, config):
    results = config.stash.get(RESULTS, [])
    if not results:
        return
    terminalreporter.section("what clients saw")
    terminalreporter.write_line(table(results))
    write_json(results, REPORT)
    terminalreporter.write_line(f"\n{sum(r.passed for r in results)}/{len(results)} rows passed; JSON in {REPORT}")
    if KEEP and ROOT in config.stash:
        terminalreporter.write_line(f"configs and logs kept in {config.stash[ROOT]}")
