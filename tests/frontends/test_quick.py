"""make quick: the app under mod_wsgi-express in one command, /static served by Apache itself."""
import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from tests.stacks.native.frontends import PROJECT_DIR
from tests.stacks.native.postgres import free_port
from tests.services import unavailable


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    if not shutil.which("apache2"):
        unavailable("apache2 not installed (apt-get install apache2 apache2-dev)")
    port = free_port()
    database = tmp_path_factory.mktemp("quick", numbered=True) / "app.sqlite3"
    os.chmod(database.parent, 0o777)  # the daemon runs as www-data when we are root
    env = {name: value for name, value in os.environ.items() if not name.startswith(("FLASK_", "WSGI_", "DATABASE_"))}
    env["DATABASE_URL"] = f"sqlite:///{database}"
    log = open(database.parent / "quick.log", "wb")
    child = subprocess.Popen([os.path.join(PROJECT_DIR, "scripts", "quick"), str(port)], cwd=PROJECT_DIR, env=env,
                             stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{url}/hello", timeout=5).read()
                break
            except (urllib.error.URLError, ConnectionError):
                if child.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"make quick did not answer: {(database.parent / 'quick.log').read_text(errors='replace')[-2000:]}")
                time.sleep(0.5)
        yield url, child.pid
    finally:
        child.send_signal(signal.SIGTERM)  # mod_wsgi-express's apachectl stops Apache and its daemons
        try:
            child.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
        log.close()


def test_make_quick_serves_the_app_through_mod_wsgi(quick):
    url, _ = quick
    with urllib.request.urlopen(f"{url}/hello/quick") as response:
        assert response.status == 200 and b"quick" in response.read()


def test_make_quick_serves_static_files_from_apache_itself(quick):
    url, _ = quick
    with urllib.request.urlopen(f"{url}/static/hello.js") as response:
        assert response.status == 200
        assert "Apache" in response.headers["Server"]
        assert response.read() == open(os.path.join(PROJECT_DIR, "app", "static", "hello.js"), "rb").read()


def test_make_quick_runs_the_apache_front_ends_thread_layout(quick):
    """deploy/apache/express.conf: every Apache thread started at once, so no kept-alive client is dropped."""
    _, session = quick
    processes = subprocess.run(["ps", "-s", str(session), "-o", "nlwp=,comm="], capture_output=True, text=True).stdout
    apache_threads = [int(line.split()[0]) for line in processes.splitlines() if line.split()[1] == "apache2"]
    assert max(apache_threads) >= 256, processes
