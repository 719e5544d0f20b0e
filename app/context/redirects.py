"""The notes' redirect_url(): `next`, then the referrer, then the index."""
from urllib.parse import urlsplit

from flask import request, url_for


def is_local(url: str | None) -> bool:
    """Only paths on this site: the notes' version follows any `next`, an open redirect."""
    # Judged on the exact string that is sent: urlsplit() drops tabs and newlines, and so do
    # browsers ("/\t/evil.example" is "//evil.example" to them), but a header cannot hold a newline.
    if not url or any(ord(char) < 32 or ord(char) == 127 for char in url):
        return False
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return parts.netloc == request.host and parts.scheme in ("http", "https")
    return url.startswith("/") and not url.startswith("//") and "\\" not in url


def redirect_url(default: str = "basics.index") -> str:
    for candidate in (request.args.get("next"), request.referrer):
        if is_local(candidate):
            return candidate
    return url_for(default)
