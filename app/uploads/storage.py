"""Where uploads go: one small interface, two backends, chosen by UPLOAD_STORAGE.

`local` keeps files in UPLOAD_FOLDER (one host's disk, or an NFS / ReadWriteMany volume that every
host mounts); `s3` keeps them in an S3-compatible bucket that every host reaches. Either way a
stored file appears only whole, keeps a name nothing else ever replaces, and a name the client
sent is cleaned (or refused) here, before any backend sees it.
"""
import os
from typing import Iterator, Protocol

from flask import Flask, Response, current_app
from werkzeug.utils import secure_filename

BACKENDS = ("local", "s3")


class RefusedUpload(ValueError):
    """The file's name cannot be stored: nothing is saved and the message says why."""


class StorageFull(OSError):
    """No room left in the store: nothing was saved, nothing partial is left behind."""


class StorageUnavailable(Exception):
    """The store did not answer in time (or at all): nothing was saved; the client may try again."""


class Storage(Protocol):
    where: str  # for the log: which store a failure was in

    def save(self, file_storage, name: str) -> str:
        """Store the stream whole or not at all under `name` or the next free one; return that name."""

    def stored_files(self) -> list[dict]:
        """Every complete upload as {"name", "size"}, sorted by name."""

    def send(self, name: str) -> Response | None:
        """The stored file as an attachment, or None when nothing of that name is stored."""


def init_app(app: Flask) -> None:
    """Choose the backend once, at start-up; a store that cannot work stops start-up here."""
    kind = app.config["UPLOAD_STORAGE"]
    if kind == "local":
        from .local import LocalFolder
        backend = LocalFolder(app.config["UPLOAD_FOLDER"])
    elif kind == "s3":
        from .s3 import S3Bucket  # boto3 is imported (and its memory taken) only where it is used
        backend = S3Bucket.from_config(app.config)
    else:
        raise SystemExit(f"UPLOAD_STORAGE={kind!r} is not a storage backend: use one of {', '.join(BACKENDS)}")
    app.extensions["upload_storage"] = backend


def backend() -> Storage:
    return current_app.extensions["upload_storage"]


def accepted_name(filename: str) -> str:
    """secure_filename() drops '../' and friends; a type that could run in a browser is refused."""
    name = secure_filename(filename or "")
    if not name:
        raise RefusedUpload(f"{filename!r} is not a usable file name.")
    ext = os.path.splitext(name)[1]
    allowed = current_app.config["UPLOAD_EXTENSIONS"]
    if ext.lower().lstrip(".") not in allowed:
        raise RefusedUpload(f"{ext or 'Files without an extension'} files are not accepted here; allowed: {', '.join(allowed)}.")
    return name


def is_stored_name(name: str) -> bool:
    """Whether `name` is one save() could have given: a download never names anything else (a path,
    a hidden temporary file, a key outside the prefix)."""
    return bool(name) and secure_filename(name) == name


def candidate_names(name: str) -> Iterator[str]:
    """name, name-1, name-2…: the names an upload tries in turn until one is free."""
    stem, ext = os.path.splitext(name)
    yield name
    n = 0
    while True:
        n += 1
        yield f"{stem}-{n}{ext}"


def save(file_storage) -> str:
    """Store the upload whole or not at all; returns the name it got.
    Raises RefusedUpload, StorageFull, StorageUnavailable."""
    name = accepted_name(file_storage.filename)  # refused before a byte is written
    return backend().save(file_storage, name)


def stored_files() -> list[dict]:
    return backend().stored_files()


def send(name: str) -> Response | None:
    return backend().send(name) if is_stored_name(name) else None
