"""`make up-native FRONTEND=gunicorn` works where mod_wsgi is not installed (only Apache needs it)."""
import os
import shutil
import subprocess
import sys
import tempfile

from tests.services import free_port

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# What `make up-native` runs, in an interpreter that cannot import mod_wsgi: a None in sys.modules
# is how Python marks a module as absent, so `import mod_wsgi` raises ModuleNotFoundError as in a
# venv without it (this venv has it, for the Apache tests).
WITHOUT_MOD_WSGI = "import sys; sys.modules['mod_wsgi'] = None; from tests.stacks.native.__main__ import main; sys.exit(main(sys.argv[1:]))"


def native(*arguments: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", WITHOUT_MOD_WSGI, *arguments], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=180)


def test_up_native_starts_gunicorn_without_mod_wsgi():
    root = tempfile.mkdtemp(prefix="up-native-")  # not pytest's tmp_path: its parents are private to root
    os.chmod(root, 0o755)  # the postgres and www-data users work inside
    env = {**os.environ, "NATIVE_ROOT": root}
    state = os.path.join(root, "gunicorn")
    up = native("up", "--frontend", "gunicorn", "--port", str(free_port()), "--https-port", str(free_port()), "--state", state, env=env)
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        assert "gunicorn stack answering on https://" in up.stdout
    finally:
        down = native("down", "--state", state, env=env)
        shutil.rmtree(root, ignore_errors=True)
    assert down.returncode == 0 and "stopped" in down.stdout, down.stdout + down.stderr
