"""restore: a backup whose checksums hold, into an empty database and an empty upload folder."""
import os
import re
import tarfile
import time

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from . import DUMP, SUMS, UPLOADS, BackupError, libpq, run, sha256


def verify(folder: str) -> list[str]:
    """The files of a sound backup, checked against SHA256SUMS; the tar's names are checked too."""
    sums = os.path.join(folder, SUMS)
    if not os.path.isfile(sums):
        raise BackupError(f"{folder} is not a backup: it has no {SUMS}")
    recorded = {}
    with open(sums) as stream:
        for line in filter(str.strip, stream):
            digest, separator, file = line.rstrip("\n").partition(" ")
            if not separator or not re.fullmatch(r"[0-9a-f]{64}", digest):
                raise BackupError(f"{sums} is damaged (a line is not `<sha256>  <file>`): use another backup")
            recorded[file.lstrip(" *")] = digest  # sha256sum marks a file read in binary mode with *
    if DUMP not in recorded:
        raise BackupError(f"{sums} lists no {DUMP}: not a backup of this kind")
    for file, digest in recorded.items():
        path = os.path.join(folder, os.path.basename(file))
        if not os.path.isfile(path):
            raise BackupError(f"{path} is missing: this backup is incomplete, use another one")
        if sha256(path) != digest:
            raise BackupError(f"{path} is damaged (its SHA-256 is not the one {SUMS} records): use another backup")
    if UPLOADS in recorded:
        safe_members(os.path.join(folder, UPLOADS))
    return list(recorded)


def safe_members(path: str) -> list[tarfile.TarInfo]:
    """Plain files and folders that land inside UPLOAD_FOLDER; anything else refuses the whole tar."""
    with tarfile.open(path) as tar:
        members = tar.getmembers()
    for member in members:
        if os.path.isabs(member.name) or ".." in member.name.split("/") or not (member.isfile() or member.isdir()):
            raise BackupError(f"{path} holds {member.name!r}, which is not a plain file inside UPLOAD_FOLDER: refused")
    return members


def tables(uri: str) -> list[str]:
    engine = create_engine(uri)
    try:
        with engine.connect() as connection:
            return list(connection.scalars(text(
                "SELECT table_schema || '.' || table_name FROM information_schema.tables"
                " WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1")))
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise BackupError(f"cannot read the database: {reason}") from error
    finally:
        engine.dispose()


def restore(values: dict, folder: str) -> None:
    started = time.monotonic()
    if not os.path.isdir(folder) and os.path.isdir(os.path.join(values["BACKUP_DIR"], folder)):
        folder = os.path.join(values["BACKUP_DIR"], folder)  # a name from `list`
    if not os.path.isdir(folder):
        raise BackupError(f"{folder}: no such backup (python -m deploy.backup list shows them)")
    files = verify(folder)
    uri, environment = libpq(values["SQLALCHEMY_DATABASE_URI"])
    present = tables(values["SQLALCHEMY_DATABASE_URI"])
    if present:
        database = make_url(uri).database
        raise BackupError(f"the database {database} is not empty ({len(present)} tables: {', '.join(present[:3])}…);"
                          f" restore only into an empty one: dropdb {database} && createdb -O <owner> {database}")
    uploads = values["UPLOAD_FOLDER"]
    if UPLOADS in files and os.path.isdir(uploads) and os.listdir(uploads):
        raise BackupError(f"UPLOAD_FOLDER {uploads} is not empty ({len(os.listdir(uploads))} entries);"
                          f" restore only into an empty one: mv {uploads} {uploads}.old && mkdir {uploads}")
    run(["pg_restore", "--exit-on-error", "--single-transaction", "--no-owner", f"--dbname={uri}",
         os.path.join(folder, DUMP)], env=environment)
    if UPLOADS in files:
        os.makedirs(uploads, exist_ok=True)
        with tarfile.open(os.path.join(folder, UPLOADS)) as tar:
            tar.extractall(uploads, members=safe_members(os.path.join(folder, UPLOADS)))
        print(f"restore: the database and {len(os.listdir(uploads))} uploads from {folder}", end="")
    else:
        print(f"restore: the database from {folder} (the backup holds no uploads)", end="")
    print(f" in {time.monotonic() - started:.2f} s")
