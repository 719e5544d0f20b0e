"""The three front ends, each started for real by the native runner with its own PostgreSQL and SMTP sink."""
import os
import shutil
import tempfile

import pytest

from tests.stacks import FRONTENDS
from tests.stacks.native import NativeStack
from tests.stacks.native.postgres import free_port
from tests.stacks.native.tls import make_certificates
from tests.services import unavailable

# Small, so the limit tests send 1 MiB and not 16; the app and the web servers read the same value.
BODY_LIMIT = 1024 * 1024
SERVERS = {"apache": ["apache2"], "gunicorn": ["nginx"], "fastcgi": ["nginx"]}


@pytest.fixture(scope="session")
def stacks(sentry_receiver):
    """Every front end up at once, on its own loopback port, for the whole session."""
    missing = sorted({s for servers in SERVERS.values() for s in servers if not shutil.which(s)})
    if missing:
        unavailable(f"{', '.join(missing)} not installed (apt-get install nginx apache2 apache2-dev)")
    root = tempfile.mkdtemp(prefix="frontends-")
    os.chmod(root, 0o755)  # the postgres and www-data users work inside
    tls = make_certificates(os.path.join(root, "tls"))  # one local CA for the three
    os.environ["MAX_CONTENT_LENGTH"] = str(BODY_LIMIT)
    os.environ["SSL_CERT_FILE"] = tls["ca"]  # Python's HTTPS clients here trust that CA
    started = {}
    try:
        # Every app server reports its errors to the session's receiver, and /error-test fails on
        # purpose. Set only while the stacks start (the runner hands the servers a copy), so the
        # apps the tests create in this process report nothing.
        with pytest.MonkeyPatch.context() as env:
            env.setenv("SENTRY_DSN", sentry_receiver.dsn)
            env.setenv("ERROR_TEST_ROUTE", "true")
            for frontend in FRONTENDS:
                state = os.path.join(root, frontend)
                started[frontend] = NativeStack.start(frontend, state, plain_http_port(), https_port=free_port(), tls_dir=os.path.dirname(tls["ca"]))
        yield started
    finally:
        del os.environ["MAX_CONTENT_LENGTH"], os.environ["SSL_CERT_FILE"]
        for stack in started.values():
            stack.stop()
        shutil.rmtree(root, ignore_errors=True)


def plain_http_port() -> int:
    """A free port for plain HTTP without "443" in it: gixy takes any such listen for TLS and then
    reports the redirect servers for lacking ssl_protocols (gixy/plugins/weak_ssl_tls.py; one CI run failed so)."""
    while "443" in str(port := free_port()):
        pass
    return port


@pytest.fixture(params=FRONTENDS)
def stack(request, stacks):
    return stacks[request.param]


def pytest_terminal_summary(terminalreporter):
    from tests.frontends.chromium import SCREENSHOTS

    if os.path.isdir(SCREENSHOTS):
        terminalreporter.write_line(f"browser screenshots: {SCREENSHOTS}")
