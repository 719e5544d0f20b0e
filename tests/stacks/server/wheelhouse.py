"""The wheels a server without network installs from: pip reads PIP_NO_INDEX=1 PIP_FIND_LINKS=DIR,
so `deploy/install` runs unchanged and `pip install -c constraints.txt '/srv/app[deploy,apache]'`
works offline, build isolation included.

Built here, on the same Debian bookworm and /usr/bin/python3 as the server (mod_wsgi compiles
against this machine's apache2-dev), into .native/wheelhouse/<hash of constraints.txt, pyproject.toml's
requirements and this file>/, so a change of any builds a new one (.ci/server-image builds it first).
"""
import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tomllib

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ROOT = os.path.join(PROJECT_DIR, ".native", "wheelhouse")
EXTRAS = "deploy,apache"
TOOLS = ("pip", "wheel")  # a venv's `pip install --upgrade pip`, and setuptools' older builds


def key() -> str:
    """constraints.txt, pyproject.toml's requirements (not its tool settings) and this recipe."""
    with open(os.path.join(PROJECT_DIR, "pyproject.toml"), "rb") as f:
        project = tomllib.load(f)
    requirements = [project["build-system"], project["project"].get("dependencies"),
                    project["project"].get("optional-dependencies")]
    digest = hashlib.sha256(json.dumps(requirements, sort_keys=True).encode())
    for path in (os.path.join(PROJECT_DIR, "constraints.txt"), __file__):
        with open(path, "rb") as f:
            digest.update(f.read())
    return digest.hexdigest()[:16]


def build_requirements() -> list[str]:
    """The project's own [build-system] requires: pip's isolated build of /srv/app needs them."""
    with open(os.path.join(PROJECT_DIR, "pyproject.toml"), "rb") as f:
        return tomllib.load(f)["build-system"]["requires"]


def ensure(python: str = sys.executable) -> str:
    """The wheelhouse for the current inputs, built if missing; older ones are removed."""
    folder = os.path.join(ROOT, key())
    if os.path.exists(os.path.join(folder, ".complete")):
        return folder
    for old in glob.glob(os.path.join(ROOT, "*")):
        shutil.rmtree(old, ignore_errors=True)
    building = folder + ".partial"
    os.makedirs(building)
    # --no-cache-dir: a cached mod_wsgi wheel may have been built for another interpreter (Makefile).
    pip = [python, "-m", "pip", "wheel", "-q", "--no-cache-dir", "-w", building]
    for requirements in ([f".[{EXTRAS}]"], [*build_requirements(), *TOOLS]):
        subprocess.run([*pip, "-c", "constraints.txt", *requirements], cwd=PROJECT_DIR, check=True)
    # The project itself is installed from its folder, as an operator's clone is: not from here.
    for own in glob.glob(os.path.join(building, "flask_reference_app-*.whl")):
        os.remove(own)
    open(os.path.join(building, ".complete"), "w").close()
    os.rename(building, folder)
    return folder
