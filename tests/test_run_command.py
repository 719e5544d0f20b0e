"""The README's run command, `make run`, serves every feature with its embedded defaults."""
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request

from tests.services import free_port

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_make_run_serves_the_index_and_every_linked_feature():
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MAIL_SERVER", "SECRET_KEY")}
    server = subprocess.Popen(["make", "run", f"PORT={port}"], cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, index = fetch(base + "/")
                break
            except OSError:
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline, "make run did not answer within 60 s"
                time.sleep(0.3)
        assert status == 200
        links = re.findall(r'<td><a href="([^"]+)">', index)
        assert len(links) >= 30
        for link in links:
            status, body = fetch(base + link.replace("&amp;", "&"))
            assert status == 200, (link, body[:300])
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
