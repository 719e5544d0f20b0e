"""The `local` backend: files in UPLOAD_FOLDER, a local disk or a folder every host mounts (NFS).

A file appears under its name only once all of it is on disk: it is written to a hidden temporary
file in the same folder, fsynced, then linked into place. A full disk, a crash or a killed worker
leaves no partial file listed, and the temporary file of a failed write is removed.
"""
import errno
import os
import shutil
import tempfile

from flask import Response, send_from_directory

from .storage import StorageFull, candidate_names

# secure_filename() strips leading dots, so no stored name can start like a temporary one.
TEMPORARY_PREFIX = ".upload-"
# The disk (or the user's quota) is full: the client may try again later, or a smaller file.
NO_SPACE = {errno.ENOSPC, errno.EDQUOT}


class LocalFolder:
    where = "UPLOAD_FOLDER"

    def __init__(self, folder: str):
        self.folder = folder
        os.makedirs(folder, exist_ok=True)

    def save(self, file_storage, name: str) -> str:
        temporary = None
        try:
            descriptor, temporary = tempfile.mkstemp(prefix=TEMPORARY_PREFIX, dir=self.folder)
            with os.fdopen(descriptor, "wb") as out:
                shutil.copyfileobj(file_storage.stream, out)
                out.flush()
                os.fsync(out.fileno())  # on disk before it has a name: a crash never shows a short file
            stored = self._link_under_a_free_name(temporary, name)
            self._fsync_folder()  # and the name survives a crash too
            return stored
        except OSError as error:
            if error.errno in NO_SPACE:
                raise StorageFull(error.errno, error.strerror) from error
            raise
        finally:
            if temporary:
                _remove(temporary)

    def stored_files(self) -> list[dict]:
        """The complete uploads: an upload still being written (a hidden temporary file) is not one."""
        folder = self.folder
        entries = (e for e in os.scandir(folder) if e.is_file() and not e.name.startswith(".")) if os.path.isdir(folder) else ()
        return sorted(({"name": e.name, "size": e.stat().st_size} for e in entries), key=lambda f: f["name"])

    def send(self, name: str) -> Response | None:
        if not os.path.isfile(os.path.join(self.folder, name)):
            return None
        return send_from_directory(self.folder, name, as_attachment=True)

    def _free_name(self, name: str) -> str:
        """The name, or with -1, -2… when taken, so nothing stored is overwritten."""
        return next(c for c in candidate_names(name) if not os.path.exists(os.path.join(self.folder, c)))

    def _link_under_a_free_name(self, temporary: str, name: str) -> str:
        """link() rather than rename(): it fails instead of replacing a file that another upload of the
        same name stored meanwhile (on another host too: NFS makes link() atomic on the server); this
        one then takes the next free name."""
        while True:
            candidate = self._free_name(name)
            try:
                os.link(temporary, os.path.join(self.folder, candidate))
                return candidate
            except FileExistsError:
                continue

    def _fsync_folder(self) -> None:
        descriptor = os.open(self.folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
