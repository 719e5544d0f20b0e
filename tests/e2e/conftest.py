"""make e2e: each compose profile up once, from the images .ci/e2e-images built, every check through it, down.

Every test here is marked `e2e`, which `make test` leaves out. A test takes `stack`, one profile
brought up for the whole session (pytest runs the tests of one profile together); the stop checks
come last, as they leave the servers stopped. A failing test's report carries the profile's
`compose logs --tail 80`; the run ends with how long each profile took.

CI=true or E2E_LOCAL=1: no registry. Every container on the host network, the CI stand-ins
(.ci/docker-compose.hostnet.yml) and the secrets from files (docker-compose.secrets.yml), so that
path is proven too. Otherwise the operator's files, with their published ports.
"""
import os
import secrets
import time

import pytest

from tests.stacks import FRONTENDS
from tests.stacks.compose import ComposeStack
from tests.stacks.compose.project import OPERATOR_FILES, PROJECT_DIR

HERE = os.path.dirname(os.path.abspath(__file__))
LOCAL = os.environ.get("CI") == "true" or os.environ.get("E2E_LOCAL") == "1"
FILES = ["docker-compose.yml", ".ci/docker-compose.hostnet.yml", "docker-compose.secrets.yml"] if LOCAL else OPERATOR_FILES
ENV = {"API_TOKEN": os.environ.get("API_TOKEN") or "e2e-token",
       "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_hex(32),
       "COMPOSE_PROJECT_NAME": os.environ.get("COMPOSE_PROJECT_NAME") or "flask-reference-e2e"}
STACKS, TIMES, START_LOGS, SHOWN = {}, {}, {}, set()


def pytest_collection_modifyitems(items):
    for item in items:
        if str(item.path).startswith(HERE + os.sep):
            item.add_marker(pytest.mark.e2e)


def write_secret_files() -> None:
    """.secrets/ as docker-compose.secrets.yml reads it (never committed); an operator's files are kept."""
    folder = os.path.join(PROJECT_DIR, ".secrets")
    os.makedirs(folder, exist_ok=True)
    for name, size in (("secret_key", 32), ("db_password", 16)):
        path = os.path.join(folder, name)
        if not os.path.exists(path):
            with open(path, "w") as secret:
                secret.write(secrets.token_hex(size) + "\n")


@pytest.fixture(scope="session")
def sentry_receiver(sentry_receiver):
    """The session's receiver, which the containers reach only on the host's network."""
    if not LOCAL:
        pytest.skip("error reports: the containers reach a receiver on this host's loopback only with CI=true or E2E_LOCAL=1")
    return sentry_receiver


@pytest.fixture(scope="session", params=FRONTENDS)
def stack(request, tmp_path_factory) -> ComposeStack:
    profile = request.param
    env = ENV
    if LOCAL:
        write_secret_files()
        # Every app container reports its errors to the session's receiver; /error-test fails on purpose.
        env = {**ENV, "SENTRY_DSN": request.getfixturevalue("sentry_receiver").dsn, "ERROR_TEST_ROUTE": "true"}
    started = STACKS[profile] = ComposeStack(profile, str(tmp_path_factory.mktemp(profile)), FILES, env)
    began = time.monotonic()
    try:
        started.up()
    except Exception:
        START_LOGS[profile] = started.project.logs()
        started.stop()
        raise
    ready = time.monotonic()
    TIMES[profile] = {"up": ready - began}
    yield started
    TIMES[profile]["checks"] = time.monotonic() - ready
    started.stop()
    TIMES[profile]["down"] = time.monotonic() - ready - TIMES[profile]["checks"]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    profile = getattr(item, "callspec", None) and item.callspec.params.get("stack")
    if report.failed and profile in STACKS:
        if report.when == "setup" and profile not in SHOWN and profile in START_LOGS:
            SHOWN.add(profile)  # a profile that never came up fails every test: its logs once
            report.sections.append((f"compose logs --tail 80 ({profile})", START_LOGS[profile]))
        elif report.when == "call":
            report.sections.append((f"compose logs --tail 80 ({profile})", STACKS[profile].project.logs()))
    return report


def pytest_terminal_summary(terminalreporter):
    for profile, times in TIMES.items():
        figures = ", ".join(f"{step} {seconds:.0f} s" for step, seconds in times.items())
        terminalreporter.write_line(f"e2e: profile {profile}: {figures}")
