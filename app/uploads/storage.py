"""Where uploads go: a safe name inside UPLOAD_FOLDER that never replaces a stored file.

A file appears under its name only once all of it is on disk: it is written to a hidden temporary
file in the same folder, fsynced, then linked into place. A full disk, a crash or a killed worker
leaves no partial file listed, and the temporary file of a failed write is removed.
"""
import errno
import os
import shutil
import tempfile

from flask import current_app
from werkzeug.utils import secure_filename

# secure_filename() strips leading dots, so no stored name can start like a temporary one.
TEMPORARY_PREFIX = ".upload-"
# The disk (or the user's quota) is full: the client may try again later, or a smaller file.
NO_SPACE = {errno.ENOSPC, errno.EDQUOT}


class RefusedUpload(ValueError):
    """The file's name cannot be stored: nothing is saved and the message says why."""


class StorageFull(OSError):
    """No room left in UPLOAD_FOLDER: nothing was saved, nothing partial is left behind."""


def upload_folder() -> str:
    return current_app.config["UPLOAD_FOLDER"]


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


def free_name(filename: str) -> str:
    """The accepted name; a clash gets -1, -2… so nothing stored is overwritten."""
    name = accepted_name(filename)
    stem, ext = os.path.splitext(name)
    candidate, n = name, 0
    while os.path.exists(os.path.join(upload_folder(), candidate)):
        n += 1
        candidate = f"{stem}-{n}{ext}"
    return candidate


def save(file_storage) -> str:
    """Store the upload whole or not at all; returns the name it got. Raises RefusedUpload, StorageFull."""
    accepted_name(file_storage.filename)  # refused before a byte is written
    folder, temporary = upload_folder(), None
    try:
        descriptor, temporary = tempfile.mkstemp(prefix=TEMPORARY_PREFIX, dir=folder)
        with os.fdopen(descriptor, "wb") as out:
            shutil.copyfileobj(file_storage.stream, out)
            out.flush()
            os.fsync(out.fileno())  # on disk before it has a name: a crash never shows a short file
        name = _link_under_a_free_name(temporary, file_storage.filename)
        _fsync_directory(folder)  # and the name survives a crash too
        return name
    except OSError as error:
        if error.errno in NO_SPACE:
            raise StorageFull(error.errno, error.strerror) from error
        raise
    finally:
        if temporary:
            _remove(temporary)


def _link_under_a_free_name(temporary: str, filename: str) -> str:
    """link() rather than rename(): it fails instead of replacing a file that another upload of the
    same name stored meanwhile; this one then takes the next free name."""
    while True:
        name = free_name(filename)
        try:
            os.link(temporary, os.path.join(upload_folder(), name))
            return name
        except FileExistsError:
            continue


def _fsync_directory(folder: str) -> None:
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


def stored_files() -> list[dict]:
    """The complete uploads: an upload still being written (a hidden temporary file) is not one."""
    folder = upload_folder()
    entries = (e for e in os.scandir(folder) if e.is_file() and not e.name.startswith(".")) if os.path.isdir(folder) else ()
    return sorted(({"name": e.name, "size": e.stat().st_size} for e in entries), key=lambda f: f["name"])
