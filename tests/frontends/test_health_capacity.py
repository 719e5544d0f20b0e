"""gunicorn and flup keep threads for /healthz alone (deploy/health.py): with every app thread held
by a request, a health check on the health socket is answered at once, one on the app socket waits.

Each server runs on its own here, with one app thread, as the systemd units and containers start it.
"""
import http.client
import os
import socket
import subprocess
import sys
import time

import pytest

from tests.faults.inflight import InFlight
from tests.frontends.test_fastcgi_server import fastcgi_get

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV_BIN = os.path.dirname(sys.executable)
HELD = 3.0  # seconds the app thread is held by a request whose body trickles in


def http_get(path: str, target: str) -> int:
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(30)
        sock.connect(path)
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode())
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status


def fastcgi_status(path: str, target: str) -> int:
    return int(fastcgi_get(path, target).split()[1])


SERVERS = {  # how to start one with a single app thread, its URL scheme for InFlight, how to ask it
    "gunicorn": ([os.path.join(VENV_BIN, "gunicorn"), "-c", "python:deploy.gunicorn.conf"], "gunicorn.sock",
                 {"GUNICORN_THREADS": "1", "WEB_CONCURRENCY": "1"}, "http", http_get),
    "flup": ([sys.executable, "-m", "deploy.fastcgi.fcgi_server"], "fcgi.sock", {"FCGI_MAX_THREADS": "1"},
             "fastcgi", fastcgi_status),
}


@pytest.fixture(params=sorted(SERVERS))
def server(request, tmp_path):
    command, name, settings, scheme, ask = SERVERS[request.param]
    app_socket, health_socket = str(tmp_path / name), str(tmp_path / name.replace(".sock", "-health.sock"))
    env = {**os.environ, "SECRET_KEY": "health-test", "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
           "UPLOAD_FOLDER": str(tmp_path / "uploads"), "APP_ENV_FILE": "/dev/null", "GUNICORN_BIND": f"unix:{app_socket}",
           **settings}
    env.pop("FLASK_DEBUG", None)
    arguments = [f"unix:{app_socket}"] if request.param == "flup" else []
    with open(tmp_path / "server.log", "w") as log:
        process = subprocess.Popen(command + arguments, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        deadline = time.monotonic() + 30
        while not all(_answers(ask, path) for path in (app_socket, health_socket)):
            assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "server.log").read_text()
            time.sleep(0.2)
        yield app_socket, health_socket, scheme, ask
    finally:
        process.terminate()
        process.wait(timeout=30)


def _answers(ask, path: str) -> bool:
    try:
        return ask(path, "/healthz") == 200
    except (OSError, IndexError):
        return False


def test_a_health_check_is_answered_at_once_while_every_app_thread_is_held(server):
    app_socket, health_socket, scheme, ask = server
    with InFlight(f"{scheme}+unix://{app_socket}", seconds=HELD) as held:
        started = time.monotonic()
        assert ask(health_socket, "/healthz") == 200
        health_took = time.monotonic() - started
        started = time.monotonic()
        assert ask(app_socket, "/healthz") == 200  # the same check, on the app's threads: it queues
        app_took = time.monotonic() - started
    assert held.outcome.status == 200
    assert health_took < 0.5, health_took
    assert app_took > 1.0, app_took  # the one app thread really was taken
