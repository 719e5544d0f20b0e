"""create: the dump and the uploads' tar into a folder that takes its name only once it is complete."""
import fcntl
import os
import shutil
import tarfile
import time
from datetime import datetime, timezone

from app.uploads.local import TEMPORARY_PREFIX

from . import DUMP, SUMS, UPLOADS, backups, libpq, run, sha256, size

PARTIAL = ".partial-"  # a backup being written, or the remains of one that never finished


def write_uploads_tar(folder: str, path: str) -> None:
    """Every complete upload; a hidden temporary file is one still being written (app/uploads/local.py)."""
    with tarfile.open(path, "w") as tar:
        for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else ():
            if not name.startswith(TEMPORARY_PREFIX):
                tar.add(os.path.join(folder, name), arcname=name)


def create(values: dict, database_from: str | None, uploads_from: str | None) -> None:
    started, folder = time.monotonic(), values["BACKUP_DIR"]
    os.makedirs(folder, mode=0o750, exist_ok=True)
    with open(os.path.join(folder, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one backup at a time: the timer's and one run by hand wait in turn
        for name in os.listdir(folder):  # what a backup killed midway left behind
            if name.startswith(PARTIAL):
                shutil.rmtree(os.path.join(folder, name))
        name = free_name(folder)
        partial = os.path.join(folder, PARTIAL + name)
        os.mkdir(partial, 0o750)
        try:
            files = write_parts(values, partial, database_from, uploads_from)
            seal(partial, files)
            os.rename(partial, os.path.join(folder, name))
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        removed = backups(folder)[:-values["BACKUP_KEEP"]] if values["BACKUP_KEEP"] > 0 else []
        for old in removed:
            shutil.rmtree(os.path.join(folder, old))
    parts = ", ".join(f"{file} {size(os.path.getsize(os.path.join(folder, name, file)))}" for file in files)
    print(f"backup: wrote {os.path.join(folder, name)} ({parts}) in {time.monotonic() - started:.2f} s")
    print(f"backup: kept the newest {values['BACKUP_KEEP']}" + (f", removed {', '.join(removed)}" if removed else ""))


def free_name(folder: str) -> str:
    """The UTC time to the second; a second backup within the same second waits for the next."""
    while True:
        name = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        if not os.path.exists(os.path.join(folder, name)):
            return name
        time.sleep(0.2)


def seal(partial: str, files: list[str]) -> None:
    """SHA256SUMS, then every file and the folder on disk, before the folder takes its name."""
    with open(os.path.join(partial, SUMS), "w") as sums:
        sums.writelines(f"{sha256(os.path.join(partial, file))}  {file}\n" for file in files)
    for file in (*files, SUMS, "."):
        descriptor = os.open(os.path.join(partial, file), os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def write_parts(values: dict, partial: str, database_from: str | None, uploads_from: str | None) -> list[str]:
    with open(os.path.join(partial, DUMP), "wb") as dump:
        if database_from:
            run(database_from, stdout=dump)
        else:
            uri, environment = libpq(values["SQLALCHEMY_DATABASE_URI"])
            run(["pg_dump", "--format=custom", f"--dbname={uri}"], stdout=dump, env=environment)
    if uploads_from:
        with open(os.path.join(partial, UPLOADS), "wb") as tar:
            run(uploads_from, stdout=tar)
    elif values["UPLOAD_STORAGE"] == "s3":
        print(f"backup: UPLOAD_STORAGE=s3: the uploads are in bucket {values['UPLOAD_S3_BUCKET']}, not here;"
              " the database only (keep the bucket's own versioning or replication on)")
        return [DUMP]
    else:
        write_uploads_tar(values["UPLOAD_FOLDER"], os.path.join(partial, UPLOADS))
    return [DUMP, UPLOADS]
