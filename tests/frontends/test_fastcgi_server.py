"""The flup server entry on its own, spoken to by a real FastCGI client (cgi-fcgi from libfcgi-bin)."""
import os
import shutil
import signal
import stat
import subprocess
import sys
import time

import pytest

from tests.faults.inflight import InFlight
from tests.stacks.native.postgres import free_port
from tests.services import unavailable

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SERVER = ["-m", "deploy.fastcgi.fcgi_server"]  # as the systemd unit and the container run it


@pytest.fixture
def start_flup(tmp_path):
    started = []

    def start(bind: str, **settings):
        env = {**os.environ, "SECRET_KEY": "flup-test", "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
               "UPLOAD_FOLDER": str(tmp_path / "uploads"), "APP_ENV_FILE": "/dev/null", **settings}
        env.pop("FLASK_DEBUG", None)
        log = open(tmp_path / "flup.log", "w+")
        process = subprocess.Popen([sys.executable, *SERVER, bind], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        started.append(process)
        deadline = time.monotonic() + 30
        while "flup FastCGI server on" not in open(tmp_path / "flup.log").read():
            assert process.poll() is None and time.monotonic() < deadline, open(tmp_path / "flup.log").read()
            time.sleep(0.1)
        return process, tmp_path / "flup.log"

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def fastcgi_get(address: str, path: str) -> str:
    """One request through cgi-fcgi, the FastCGI client from the FastCGI developer's kit."""
    if not shutil.which("cgi-fcgi"):
        unavailable("cgi-fcgi is not installed (apt-get install libfcgi-bin)")
    env = {"REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "localhost",
           "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "localhost"}
    result = subprocess.run(["cgi-fcgi", "-bind", "-connect", address], env=env, capture_output=True, timeout=30)
    return result.stdout.decode()


def test_flup_serves_a_fastcgi_client_over_tcp(start_flup):
    port = free_port()
    start_flup(f"127.0.0.1:{port}")
    answer = fastcgi_get(f"127.0.0.1:{port}", "/hello")
    assert answer.startswith("Status: 200") and "Hello World" in answer


def test_flup_unix_socket_is_reachable_by_the_group_only(start_flup, tmp_path):
    path = tmp_path / "fcgi.sock"
    start_flup(f"unix:{path}")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o770  # umask 007: nginx joins the app's group
    assert "Hello World" in fastcgi_get(str(path), "/hello")


def test_sigterm_stops_flup_cleanly_and_removes_its_socket(start_flup, tmp_path):
    path = tmp_path / "fcgi.sock"
    process, log = start_flup(f"unix:{path}")
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=15) == 0
    assert "stopped" in open(log).read()
    assert not path.exists()


def test_sighup_restarts_flup_in_place_and_it_keeps_serving(start_flup):
    port = free_port()
    process, log = start_flup(f"127.0.0.1:{port}")
    process.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 30
    while open(log).read().count("flup FastCGI server on") < 2:
        assert process.poll() is None and time.monotonic() < deadline, open(log).read()
        time.sleep(0.1)
    assert "SIGHUP: restarting" in open(log).read()
    assert "Hello World" in fastcgi_get(f"127.0.0.1:{port}", "/hello")  # same pid, new interpreter
    assert process.poll() is None


def test_sigterm_lets_a_request_in_flight_finish_then_exits_0(start_flup, tmp_path):
    path = tmp_path / "fcgi.sock"
    process, _log = start_flup(f"unix:{path}")
    with InFlight(f"fastcgi+unix://{path}", seconds=2) as request:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    assert request.outcome.status == 200 and request.outcome.complete  # every byte of the body was read


def test_a_request_still_running_after_the_graceful_timeout_is_cut_and_flup_exits_1(start_flup, tmp_path):
    path = tmp_path / "fcgi.sock"
    process, log = start_flup(f"unix:{path}", FCGI_GRACEFUL_TIMEOUT="1")
    with InFlight(f"fastcgi+unix://{path}", seconds=6) as request:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=5) == 1
    assert request.outcome.status is None
    assert "cut short" in open(log).read()
