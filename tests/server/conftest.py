"""make server-test: each front end installed on a fresh Debian server by `deploy/install FRONTEND`.

Every test here is marked `server`, which `make test` leaves out. A test takes `stack`, a
`ServerStack` (tests/stacks/server): one server booted and installed per front end for the whole
session, installed by the README's own install line (readme.py), stopped before the next one boots. The test process lives in that server's network
namespace meanwhile, so 127.0.0.1:443 is the server's own web server. .ci/server-image builds the
image and the wheelhouse first (make server-test does). SERVER_KEEP=1 keeps a failed server running
and every stack's folder (install.log, the certificate). A failing test's report carries the
journal of the server's units; the run ends with how long each step took.
"""
import os
import tempfile

import pytest

from tests.stacks import FRONTENDS
from tests.stacks.server import ServerStack

from . import readme

HERE = os.path.dirname(os.path.abspath(__file__))
KEEP = os.environ.get("SERVER_KEEP", "") not in ("", "0")
STACKS, TIMES = {}, {}


def pytest_collection_modifyitems(items):
    for item in items:
        if str(item.path).startswith(HERE + os.sep):
            item.add_marker(pytest.mark.server)


@pytest.fixture(scope="session", params=FRONTENDS)
def stack(request) -> ServerStack:
    frontend = request.param
    state = tempfile.mkdtemp(prefix=f"server-{frontend}-")
    started = STACKS[frontend] = ServerStack.start(frontend, state, keep=KEEP, install=readme.install_command(frontend))
    TIMES[frontend] = started.times
    yield started
    started.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    frontend = getattr(item, "callspec", None) and item.callspec.params.get("stack")
    if report.failed and report.when == "call" and frontend in STACKS:
        server = STACKS[frontend]
        units = " ".join(f"-u {unit}" for unit in server.units())
        report.sections.append((f"journal of {server.container}",
                                server.exec("sh", "-c", f"journalctl --no-pager -o short -n 80 {units}", check=False).stdout))
    return report


def pytest_terminal_summary(terminalreporter):
    for frontend, times in TIMES.items():
        figures = ", ".join(f"{step} {seconds:.1f} s" for step, seconds in times.items())
        terminalreporter.write_line(f"server: {frontend}: {figures}")
