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
# (folder, filename) -> (mtime_ns, version), for files that exist; per process. Keyed by what url_for
# is given, so the common case (most pages link the same few files) joins no path and checks nothing.
_digests: dict[tuple[str, str], tuple[int, str]] = {}


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


def version_of(folder: str, filename: str) -> str | None:
    """The file's content hash, computed once per process; in debug mode again when its mtime changes."""
    key = (folder, filename)
    known = _digests.get(key)
    if known and not current_app.debug:
        return known[1]  # no join, no stat, no hash: a url_for costs a dict look-up
    path = safe_join(folder, filename)
    try:
        mtime = os.stat(path).st_mtime_ns if path else None
    except OSError:
        mtime = None
    if mtime is None:
        return None  # outside the folder, or missing: the plain URL (and the static 404)
    if known and known[0] == mtime:
        return known[1]
    with open(path, "rb") as f:
        version = hashlib.file_digest(f, "sha256").hexdigest()[:12]
    _digests[key] = (mtime, version)
    return version


def add_version(endpoint: str, values: dict) -> None:
    if "v" in values or "filename" not in values:
        return
    folder = folder_for(endpoint, values)
    version = version_of(folder, values["filename"]) if folder else None
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
