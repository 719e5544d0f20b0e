"""Disk full: UPLOAD_FOLDER has room for 1 MiB, and a 2 MiB file is uploaded through the front end.

Two files that fit are stored first. The upload that does not fit must get the app's friendly 507
page (JSON for an API client), leave nothing behind in the folder or the listing, and leave the
earlier uploads byte-identical; the next upload that fits is stored whole. The disk is freed in
any case.
"""
import os
import re
import secrets
import urllib.parse

from urllib3 import encode_multipart_formdata

from tests.stacks import Response, Stack

ROOM = 1024 * 1024  # the tmpfs over UPLOAD_FOLDER
EARLIER = {"earlier-1.txt": 200 * 1024, "earlier-2.csv": 100 * 1024}
TOO_BIG = 2 * 1024 * 1024
CSRF = re.compile(rb'name="csrf[-_]token"[^>]*? (?:content|value)="([^"]+)"')
FRIENDLY = b"no room left to store the upload"


def test_an_upload_that_does_not_fit_is_a_507_that_leaves_nothing_and_the_next_one_works(stack, result):
    folder = os.path.join(stack.state, "uploads")
    session = UploadSession(stack)
    answers: list[Response] = []
    stack.fill_upload_disk(ROOM)
    try:
        earlier = {name: secrets.token_bytes(size) for name, size in EARLIER.items()}
        stored = {name: session.upload(name, data) for name, data in earlier.items()}
        answers += stored.values()
        page = session.upload("too-big.zip", secrets.token_bytes(TOO_BIG))
        api = session.upload("too-big-api.zip", secrets.token_bytes(TOO_BIG), {"Accept": "application/json"})
        answers += [page, api]
        left = sorted(os.listdir(folder))
        listing = session.get("/uploads/").body
        intact = {name: session.get(f"/uploads/{name}").body == data and open(os.path.join(folder, name), "rb").read() == data
                  for name, data in earlier.items()}
        after = secrets.token_bytes(300 * 1024)  # fits only if nothing of the big ones was kept
        after_answer = session.upload("after.txt", after)
        answers.append(after_answer)
        after_stored = session.get("/uploads/after.txt").body == after
    finally:
        stack.free_upload_disk()

    result.sent = len(answers)
    result.failed = sum(a.status >= 500 and a.status != 507 for a in answers)
    result.slowest = max(a.seconds for a in answers)
    result.details += [
        f"{len(EARLIER)} uploads that fit: {', '.join(str(a.status) for a in stored.values())}; "
        f"2 MiB into {ROOM // 1024} KiB: page {page.status} ({page.headers.get('content-type', '')}), "
        f"API client {api.status} ({api.headers.get('content-type', '')})",
        f"left in UPLOAD_FOLDER: {', '.join(left)}; earlier uploads byte-identical: {sum(intact.values())}/{len(intact)}; "
        f"300 KiB afterwards: {after_answer.status}",
    ]
    result.expect(all(a.status == 303 for a in stored.values()), "an upload that fits was not stored: "
                  + ", ".join(str(a.status) for a in stored.values()))
    result.expect(page.status == 507 and FRIENDLY in page.body and b"<html" in page.body,
                  f"the page answered {page.status}, not the friendly 507: {page.body[:200]!r}")
    result.expect(api.status == 507 and api.headers.get("content-type", "").startswith("application/json")
                  and b"Insufficient Storage" in api.body, f"the API client got {api.status}: {api.body[:200]!r}")
    result.expect(left == sorted(EARLIER), f"UPLOAD_FOLDER holds {left}, want only the earlier uploads")
    result.expect(b"too-big" not in listing, "the upload that did not fit is listed on /uploads/")
    result.expect(all(intact.values()), f"earlier uploads changed: {[n for n, ok in intact.items() if not ok]}")
    result.expect(after_answer.status == 303 and after_stored,
                  f"the upload after the full disk answered {after_answer.status} (stored whole: {after_stored})")
    assert result.problems == []


class UploadSession:
    """A browser's way through the upload form over HTTPS: session cookie, CSRF token, Referer."""

    def __init__(self, stack: Stack):
        self.stack, self.cookie, self.token = stack, "", None

    def get(self, path: str) -> Response:
        return self._request("GET", path)

    def upload(self, name: str, data: bytes, headers: dict | None = None) -> Response:
        if self.token is None:
            self.token = CSRF.search(self.get("/uploader").body).group(1).decode()
        body, content_type = encode_multipart_formdata({"csrf_token": self.token, "file": (name, data, "application/octet-stream")})
        return self._request("POST", "/uploader", body, {"Content-Type": content_type,
                                                         "Referer": urllib.parse.urljoin(self.stack.url, "/uploader"), **(headers or {})})

    def _request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> Response:
        response = self.stack.request(method, path, body, {"Cookie": self.cookie, **(headers or {})}, timeout=30)
        if "set-cookie" in response.headers:
            self.cookie = response.headers["set-cookie"].split(";")[0]
        return response
