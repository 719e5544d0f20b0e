"""make smoke with nothing running says so in one line, instead of failing every route."""
import os
import subprocess
import sys
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_make_smoke_with_nothing_running_says_so_in_one_line(tmp_path):
    env = {**os.environ, "BASE_URL": "", "NATIVE_ROOT": str(tmp_path),  # no native stack recorded
           "COMPOSE_PROJECT_NAME": f"smoke-test-{uuid.uuid4().hex[:8]}"}  # a compose project nobody started
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "smoke", "tests/smoke"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    said = [line for line in done.stdout.splitlines() if "nothing is running" in line]
    assert len(said) == 1, done.stdout
    assert "FAILED" not in done.stdout and "passed" not in done.stdout
