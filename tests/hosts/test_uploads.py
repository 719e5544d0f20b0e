"""A file uploaded through one app host downloads through another: every host keeps uploads in
one store, the storage host's S3 server (or one shared folder: tests/stacks/hosts UPLOAD_STORAGE)."""
import secrets

from tests.faults.mail import CSRF
from tests.stacks.hosts import UPLOAD_STORAGE


def multipart(fields: dict, filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = secrets.token_hex(16)
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode() for name, value in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                 f"Content-Type: text/plain\r\n\r\n".encode() + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_a_file_uploaded_through_one_host_downloads_through_another(stack, figures):
    page = stack.request("GET", "/uploader")
    cookie = page.headers["set-cookie"].split(";")[0]
    name, content = f"hosts-{secrets.token_hex(4)}.txt", secrets.token_hex(2048).encode()
    body, content_type = multipart({"csrf_token": CSRF.search(page.body).group(1).decode()}, name, content)
    posted = stack.request("POST", "/uploader", body, {"Cookie": cookie, "Content-Type": content_type,
                                                        "Referer": f"{stack.url}uploader"})
    uploaded_on = stack.host_of(posted.headers["x-request-id"])
    downloads = [stack.request("GET", f"/uploads/{name}") for _ in range(3)]  # round robin: each host once
    served_by = [stack.host_of(d.headers["x-request-id"]) for d in downloads]
    figures(storage=UPLOAD_STORAGE, uploaded_on=uploaded_on, downloaded_from=served_by)
    assert posted.status == 303
    assert [(d.status, d.body) for d in downloads] == [(200, content)] * 3
    assert all(d.headers["content-disposition"].startswith("attachment") for d in downloads)
    assert set(served_by) - {uploaded_on}
