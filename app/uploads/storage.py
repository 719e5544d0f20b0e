"""Where uploads go: a safe name inside UPLOAD_FOLDER that never replaces a stored file."""
import os

from flask import current_app
from werkzeug.utils import secure_filename


class RefusedUpload(ValueError):
    """The file's name cannot be stored: nothing is saved and the message says why."""


def upload_folder() -> str:
    return current_app.config["UPLOAD_FOLDER"]


def free_name(filename: str) -> str:
    """secure_filename() drops '../' and friends; a clash gets -1, -2… so nothing stored is overwritten."""
    name = secure_filename(filename or "")
    if not name:
        raise RefusedUpload(f"{filename!r} is not a usable file name.")
    stem, ext = os.path.splitext(name)
    allowed = current_app.config["UPLOAD_EXTENSIONS"]
    if ext.lower().lstrip(".") not in allowed:
        raise RefusedUpload(f"{ext or 'Files without an extension'} files are not accepted here; allowed: {', '.join(allowed)}.")
    candidate, n = name, 0
    while os.path.exists(os.path.join(upload_folder(), candidate)):
        n += 1
        candidate = f"{stem}-{n}{ext}"
    return candidate


def save(file_storage) -> str:
    name = free_name(file_storage.filename)
    file_storage.save(os.path.join(upload_folder(), name))
    return name


def stored_files() -> list[dict]:
    folder = upload_folder()
    entries = (e for e in os.scandir(folder) if e.is_file()) if os.path.isdir(folder) else ()
    return sorted(({"name": e.name, "size": e.stat().st_size} for e in entries), key=lambda f: f["name"])
