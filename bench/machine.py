"""The facts printed with every result: the machine, the core count, pinning, every server's version."""
import importlib.metadata
import os
import platform
import subprocess

import psutil

from deploy import sizing
from tests.stacks.native.postgres import find_bindir

PACKAGES = ("gunicorn", "flup", "mod_wsgi", "uWSGI", "granian", "waitress", "Werkzeug", "Flask", "SQLAlchemy", "psycopg2-binary")


def cores() -> int:
    return sizing.cores()


def _first_line(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "not installed"
    lines = (done.stdout + done.stderr).strip().splitlines()
    return lines[0].strip() if lines else "unknown"


def versions() -> dict:
    found = {
        "nginx": _first_line(["nginx", "-v"]).removeprefix("nginx version: "),
        "apache": _first_line(["apache2", "-v"]).removeprefix("Server version: "),
        "postgresql": _first_line([os.path.join(find_bindir() or "/usr/bin", "postgres"), "--version"]),
        "wrk": _first_line(["wrk", "-v"]).split(" Copyright")[0],
        "python": platform.python_version(),
    }
    for name in PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def machine() -> dict:
    model = "unknown"
    try:  # psutil does not name the CPU model
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), model)
    except OSError:
        pass
    return {"cpu": model, "cores": cores(), "memory_mib": psutil.virtual_memory().total // 2**20,
            "kernel": platform.release(), "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}
