"""Static files under URLs that name their content, so a browser may keep them for a year.

url_for() adds `?v=<12 hex of the file's sha256>` to every static URL (the app's, each blueprint's,
and the vendor files of app/ajax); a deploy that changes a file changes its URL. The answer to a
versioned URL may be cached for good; an unversioned one is revalidated each time (a 304 when
unchanged). nginx and Apache apply the same rule to the files they serve themselves (deploy/).
"""
import hashlib
import os
from typing import Callable

from flask import Flask, current_app, request
from werkzeug.security import safe_join

VERSIONED = "public, max-age=31536000, immutable"  # a year: the longest RFC 9111 asks caches to honour
UNVERSIONED = "no-cache"
# Endpoints that serve files outside a static folder, with how to find the folder from the URL's values.
FOLDERS: dict[str, Callable[[dict], str]] = {}
_digests: dict[str, tuple[int, str | None]] = {}  # path -> (mtime_ns, version); per process
_versions: dict[tuple[str, str], str] = {}  # (folder, filename) -> version, for files that exist; per process


def serves_files(endpoint: str, folder_of: Callable[[dict], str]) -> None:
    """Version the URLs of a view that sends files from a folder, as static views are."""
    FOLDERS[endpoint] = folder_of


def folder_for(endpoint: str, values: dict) -> str | None:
    if endpoint in FOLDERS:
        return FOLDERS[endpoint](values)
    if endpoint == "static":
        return current_app.static_folder
    if endpoint.endswith(".static"):
        blueprint = current_app.blueprints.get(endpoint.rpartition(".")[0])
        return blueprint.static_folder if blueprint else None
    return None


def version_of(path: str) -> str | None:
    """The file's content hash, computed once per process; in debug mode again when its mtime changes."""
    known = _digests.get(path)
    if known and not current_app.debug:
        return known[1]  # no stat, no hash: a url_for costs a dict look-up
    try:
        mtime = os.stat(path).st_mtime_ns
    except OSError:
        return None  # a missing file keeps its plain URL (and the static 404)
    if known and known[0] == mtime:
        return known[1]
    with open(path, "rb") as f:
        version = hashlib.file_digest(f, "sha256").hexdigest()[:12]
    _digests[path] = (mtime, version)
    return version


def add_version(endpoint: str, values: dict) -> None:
    if "v" in values or "filename" not in values:
        return
    folder = folder_for(endpoint, values)
    if not folder:
        return
    key = (folder, values["filename"])
    version = _versions.get(key)  # most pages link the same few files: no path to join or check
    if version is None or current_app.debug:
        path = safe_join(folder, values["filename"])
        version = version_of(path) if path else None
        if version:
            _versions[key] = version
    if version:
        values["v"] = version


def set_cache_control(response):
    endpoint = request.endpoint or ""
    if response.status_code in (200, 304) and (endpoint in FOLDERS or endpoint == "static" or endpoint.endswith(".static")):
        response.headers["Cache-Control"] = VERSIONED if request.args.get("v") else UNVERSIONED
        response.headers.pop("Expires", None)  # Cache-Control rules; a stale Expires would only confuse
    return response


def init_app(app: Flask) -> None:
    app.url_defaults(add_version)
    app.after_request(set_cache_control)
