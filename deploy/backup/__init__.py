"""Backups of the database and the uploads that are proven to restore (tests/test_backups.py).

    python -m deploy.backup create      # BACKUP_DIR/<UTC time>/: database.dump, uploads.tar, SHA256SUMS
    python -m deploy.backup list
    python -m deploy.backup verify DIR  # the checksums and the tar's names, nothing written
    python -m deploy.backup restore DIR # into an empty database and an empty UPLOAD_FOLDER

The settings are the app's own (app/config.py, and the env file wsgi.py reads), plus BACKUP_DIR
(default: the instance folder's backups/) and BACKUP_KEEP (the newest 7 are kept). A backup
appears under its name only once it is complete, so a crash or a full disk never leaves one that
looks whole; SHA256SUMS is `sha256sum -c` format. `make backup` streams the dump and the tar from
the compose containers through --database-from and --uploads-from.
"""
import hashlib
import os
import re
import subprocess

from flask import Flask
from sqlalchemy.engine import make_url

from app import config

DUMP, UPLOADS, SUMS = "database.dump", "uploads.tar", "SHA256SUMS"
NAME = re.compile(r"^\d{8}T\d{6}Z$")  # a backup's folder: its UTC time, so names sort by age


class BackupError(Exception):
    """Bad input or a failed step: one line for the operator, never a traceback."""


def settings() -> dict:
    """The app's settings, read as the app reads them (its instance folder, its env file)."""
    config.load_env_file(os.environ.get("APP_ENV_FILE") or "/etc/flask-reference/env")
    instance_path = Flask("app", instance_relative_config=True).instance_path  # the app's own
    values = config.from_env(instance_path)
    values["BACKUP_DIR"] = os.environ.get("BACKUP_DIR") or os.path.join(instance_path, "backups")
    values["BACKUP_KEEP"] = int(os.environ.get("BACKUP_KEEP") or 7)
    return values


def libpq(uri: str) -> tuple[str, dict]:
    """DATABASE_URL as pg_dump and pg_restore take it; the password goes in their environment, not in ps."""
    url = make_url(uri)
    if url.get_backend_name() != "postgresql":
        raise BackupError(f"DATABASE_URL is {url.get_backend_name()}: these backups are of PostgreSQL (pg_dump)")
    environment = {**os.environ, "PGPASSWORD": url.password} if url.password else dict(os.environ)
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), environment


def run(command: list[str] | str, **kwargs) -> None:
    try:
        result = subprocess.run(command, shell=isinstance(command, str), stderr=subprocess.PIPE, text=True, **kwargs)
    except FileNotFoundError as error:
        raise BackupError(f"{error.filename} is not installed (Debian: apt-get install postgresql-client)") from error
    if result.returncode:
        name = command if isinstance(command, str) else command[0]
        raise BackupError(f"{name} failed (exit {result.returncode}): {result.stderr.strip()}")


def sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def size(nbytes: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if nbytes < 1000 or unit == "GB":
            return f"{nbytes:.0f} {unit}" if unit == "B" else f"{nbytes:.1f} {unit}"
        nbytes /= 1000


def backups(folder: str) -> list[str]:
    """The complete backups in folder, oldest first."""
    return sorted(name for name in os.listdir(folder) if NAME.match(name)) if os.path.isdir(folder) else []
