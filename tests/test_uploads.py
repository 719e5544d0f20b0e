"""Uploads at /uploader: safe names, the size limit, nothing stored is ever replaced, nothing partial kept.

What holds for every store runs on both backends: `local` (UPLOAD_FOLDER) and `s3` (a bucket of a
real S3-compatible server, moto). What the store holds is read from the store itself, not the app.
"""
import errno
import logging
import os
import shutil
import socket
import subprocess
from io import BytesIO

import pytest

from app import create_app
from app.uploads import local, storage
from app.uploads.s3 import S3Bucket
from tests.services.s3 import CREDENTIALS

BOTH_STORES = pytest.mark.parametrize("upload_store", ["local", "s3"], indirect=True)


def upload(post_form, name, data=b"hello", **kwargs):
    return post_form("/uploader", {"file": (BytesIO(data), name)}, content_type="multipart/form-data", **kwargs)


@pytest.fixture
def stored(app, upload_store, request):
    """What the store holds, {name: content}, as the store itself says (hidden temporary files too)."""
    def read() -> dict[str, bytes]:
        if upload_store == "s3":
            prefix = app.config["UPLOAD_S3_PREFIX"]  # a key outside it keeps its whole name
            objects = request.getfixturevalue("s3_server").objects(app.config["UPLOAD_S3_BUCKET"])
            return {key.removeprefix(prefix): data for key, data in objects.items()}
        folder = app.config["UPLOAD_FOLDER"]
        return {name: open(os.path.join(folder, name), "rb").read() for name in os.listdir(folder)}

    return read


@BOTH_STORES
def test_upload_is_stored_and_listed_with_its_size(client, post_form, stored):
    response = upload(post_form, "notes.txt", follow_redirects=True)
    assert "File uploaded successfully as notes.txt" in response.get_data(as_text=True)
    assert stored() == {"notes.txt": b"hello"}
    listing = client.get("/uploads/").get_data(as_text=True)
    assert 'href="/uploads/notes.txt"' in listing and "<td>5</td>" in listing


@BOTH_STORES
@pytest.mark.parametrize("name", ["../../x.txt", "/etc/passwd.txt", "..\\..\\x.txt", "a/../../b.txt"])
def test_upload_names_cannot_leave_the_store(app, post_form, stored, name):
    assert upload(post_form, name).status_code == 303
    names = list(stored())
    assert len(names) == 1 and "/" not in names[0] and "\\" not in names[0] and not names[0].startswith(".")
    if app.config["UPLOAD_STORAGE"] == "local":
        folder = app.config["UPLOAD_FOLDER"]
        assert os.path.realpath(os.path.join(folder, names[0])).startswith(os.path.realpath(folder) + os.sep)


def test_upload_with_a_name_of_only_dots_is_refused_with_a_message(post_form):
    response = upload(post_form, "..")
    assert response.status_code == 400
    assert "is not a usable file name" in response.get_data(as_text=True)


@BOTH_STORES
def test_upload_never_replaces_a_stored_file(client, post_form, stored):
    for data in (b"first", b"second", b"third"):
        upload(post_form, "same.txt", data)
    assert stored() == {"same.txt": b"first", "same-1.txt": b"second", "same-2.txt": b"third"}
    assert client.get("/uploads/same-1.txt").data == b"second"


@BOTH_STORES
def test_upload_rejects_files_over_the_limit_with_a_friendly_413(app, post_form, stored):
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    response = upload(post_form, "big.zip", b"x" * (1024 * 1024 + 1))
    body = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "larger than the 1 MiB limit" in body and "Traceback" not in body
    assert stored() == {}


def test_upload_without_a_file_is_a_400_that_says_so(post_form):
    response = post_form("/uploader", {}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Choose a file to upload." in response.get_data(as_text=True)


@BOTH_STORES
def test_uploaded_file_is_offered_back_only_as_a_download(client, post_form):
    content = b"<html><script>alert(1)</script></html>"
    upload(post_form, "page.txt", content)
    response = client.get("/uploads/page.txt")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == "attachment; filename=page.txt"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.mimetype == "text/plain"
    assert response.data == content and response.content_length == len(content)


@BOTH_STORES
def test_a_large_upload_downloads_back_byte_for_byte(app, client, post_form):
    content = os.urandom(3 * 1024 * 1024 + 17)  # more than one chunk of the streamed download
    app.config["MAX_CONTENT_LENGTH"] = 16 * 1024 * 1024
    upload(post_form, "large.zip", content)
    response = client.get("/uploads/large.zip")
    assert response.status_code == 200 and response.data == content


@BOTH_STORES
@pytest.mark.parametrize("name", ["evil.html", "x.svg", "run.js", "noextension", "evil.HTML"])
def test_a_file_type_that_could_run_in_the_browser_is_refused_and_nothing_is_stored(post_form, stored, name):
    response = upload(post_form, name, b"<svg onload=alert(1)></svg>")
    assert response.status_code == 400
    assert "files are not accepted here" in response.get_data(as_text=True)
    assert stored() == {}


@BOTH_STORES
def test_a_missing_file_is_a_404_that_says_so(client):
    response = client.get("/uploads/never-uploaded.txt")
    assert response.status_code == 404
    assert "No uploaded file has that name." in response.get_data(as_text=True)


@BOTH_STORES
def test_download_cannot_reach_outside_the_store(client):
    assert client.get("/uploads/../conftest.py").status_code == 404
    assert client.get("/uploads/%2e%2e/conftest.py").status_code == 404


@pytest.mark.parametrize("upload_store", ["s3"], indirect=True)
def test_s3_objects_outside_the_prefix_are_neither_listed_nor_offered(app, client, s3_server):
    bucket = s3_server.client()
    for key in ("private.txt", "uploads/deeper/inner.txt"):
        bucket.put_object(Bucket=app.config["UPLOAD_S3_BUCKET"], Key=key, Body=b"not an upload")
    listing = client.get("/uploads/").get_data(as_text=True)
    assert "private.txt" not in listing and "inner.txt" not in listing
    for path in ("/uploads/../private.txt", "/uploads/%2e%2e/private.txt", "/uploads/deeper/inner.txt"):
        assert client.get(path).status_code == 404, path


@pytest.mark.parametrize("upload_store", ["s3"], indirect=True)
def test_a_file_uploaded_through_one_host_downloads_through_another(app, client, post_form, upload_settings, tmp_path):
    """Two app instances on one bucket, as two hosts behind a balancer are: nothing host-local."""
    upload(post_form, "shared.csv", b"a,b\n1,2\n")
    other = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                        "UPLOAD_FOLDER": str(tmp_path / "other-host"), **upload_settings,
                        "UPLOAD_S3_PREFIX": "uploads"}).test_client()  # the same place, written without the slash
    response = other.get("/uploads/shared.csv")
    assert response.status_code == 200 and response.data == b"a,b\n1,2\n"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert 'href="/uploads/shared.csv"' in other.get("/uploads/").get_data(as_text=True)
    assert not os.path.exists(tmp_path / "other-host") and not os.path.exists(app.config["UPLOAD_FOLDER"])


@pytest.mark.parametrize("upload_store", ["s3"], indirect=True)
def test_s3_two_uploads_of_one_name_racing_each_keep_their_own_object(client, post_form, stored, s3_server, app, monkeypatch):
    """Another host stores the name after this one listed the bucket: the store itself refuses the
    conditional PUT (If-None-Match: *), and this upload takes the next name."""
    def listing_from_before_the_other_upload(self, start):
        s3_server.client().put_object(Bucket=app.config["UPLOAD_S3_BUCKET"], Key="uploads/race.txt", Body=b"the other upload")
        return set()

    monkeypatch.setattr(S3Bucket, "_names_starting", listing_from_before_the_other_upload)
    response = upload(post_form, "race.txt", b"this upload", follow_redirects=True)
    assert "File uploaded successfully as race-1.txt" in response.get_data(as_text=True)
    assert stored() == {"race.txt": b"the other upload", "race-1.txt": b"this upload"}


@pytest.fixture
def stalled_store(upload_settings):
    """The s3 settings with the endpoint on a socket that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)  # the kernel completes the handshakes; nothing ever reads or replies
    host, port = listener.getsockname()
    try:
        yield {**upload_settings, "UPLOAD_S3_ENDPOINT_URL": f"http://{host}:{port}", "UPLOAD_S3_TIMEOUT": 0.3, "UPLOAD_S3_ATTEMPTS": 1}
    finally:
        listener.close()


@pytest.mark.parametrize("upload_store", ["s3"], indirect=True)
def test_a_stalled_object_store_is_a_503_with_retry_after_not_a_hung_worker(stalled_store, tmp_path):
    stalled = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                          "WTF_CSRF_ENABLED": False, "UPLOAD_FOLDER": str(tmp_path / "unused"), **stalled_store}).test_client()
    answers = [stalled.get("/uploads/"), stalled.get("/uploads/notes.txt"),
               stalled.post("/uploader", data={"file": (BytesIO(b"x"), "notes.txt")}, content_type="multipart/form-data")]
    for response in answers:
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
        assert "The file store is not answering" in response.get_data(as_text=True)


def test_the_s3_store_is_configured_by_the_environment_alone(s3_server, monkeypatch, tmp_path):
    """The variable names every host's environment sets (.env.example, the multi-host test)."""
    bucket = s3_server.create_bucket()
    secret = tmp_path / "aws_secret_access_key"
    secret.write_text(CREDENTIALS["aws_secret_access_key"] + "\n")
    for name, value in {"UPLOAD_STORAGE": "s3", "UPLOAD_S3_BUCKET": bucket, "UPLOAD_S3_ENDPOINT_URL": s3_server.url,
                        "UPLOAD_S3_PREFIX": "shared/", "AWS_ACCESS_KEY_ID": CREDENTIALS["aws_access_key_id"],
                        "AWS_SECRET_ACCESS_KEY_FILE": str(secret), "AWS_DEFAULT_REGION": CREDENTIALS["region_name"]}.items():
        monkeypatch.setenv(name, value)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "WTF_CSRF_ENABLED": False,
                      "UPLOAD_FOLDER": str(tmp_path / "unused")})
    client = app.test_client()
    assert client.post("/uploader", data={"file": (BytesIO(b"from env"), "env.txt")}, content_type="multipart/form-data").status_code == 303
    assert s3_server.objects(bucket) == {"shared/env.txt": b"from env"}
    assert client.get("/uploads/env.txt").data == b"from env"


def test_s3_storage_without_a_bucket_stops_start_up_with_one_line(monkeypatch):
    monkeypatch.setenv("UPLOAD_STORAGE", "s3")
    monkeypatch.delenv("UPLOAD_S3_BUCKET", raising=False)
    with pytest.raises(SystemExit) as stopped:
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert "UPLOAD_STORAGE=s3 needs UPLOAD_S3_BUCKET" in str(stopped.value) and "\n" not in str(stopped.value)


def test_an_unknown_storage_backend_stops_start_up(tmp_path):
    with pytest.raises(SystemExit, match="UPLOAD_STORAGE='ftp' is not a storage backend: use one of local, s3"):
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "UPLOAD_STORAGE": "ftp"})


@pytest.fixture
def small_disk(app):
    """UPLOAD_FOLDER on a real 1 MiB filesystem (a tmpfs mounted over it), unmounted after."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    folder = app.config["UPLOAD_FOLDER"]
    # The body limit well above the uploads here, so the disk refuses them, not the limit (the
    # front-end tests lower MAX_CONTENT_LENGTH in the environment for the whole session).
    app.config["MAX_CONTENT_LENGTH"] = 16 * 1024 * 1024
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", folder], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", folder], check=True)


def test_an_upload_larger_than_the_space_left_is_a_friendly_507_and_leaves_nothing_behind(client, post_form, small_disk):
    upload(post_form, "first.txt", b"kept " * 1000)
    response = upload(post_form, "big.zip", b"x" * (2 * 1024 * 1024))
    body = response.get_data(as_text=True)
    assert response.status_code == 507
    assert "no room left to store the upload" in body and "Traceback" not in body
    assert os.listdir(small_disk) == ["first.txt"]
    assert open(os.path.join(small_disk, "first.txt"), "rb").read() == b"kept " * 1000
    assert "big.zip" not in client.get("/uploads/").get_data(as_text=True)


def test_after_a_full_disk_the_next_upload_that_fits_is_stored_whole(post_form, small_disk):
    assert upload(post_form, "big.zip", b"x" * (2 * 1024 * 1024)).status_code == 507
    assert upload(post_form, "small.txt", b"fits" * 1000).status_code == 303
    assert os.listdir(small_disk) == ["small.txt"]
    assert open(os.path.join(small_disk, "small.txt"), "rb").read() == b"fits" * 1000


def test_a_full_disk_answers_api_clients_in_json_and_logs_a_warning(post_form, small_disk, caplog):
    with caplog.at_level(logging.WARNING):
        response = upload(post_form, "big.zip", b"x" * (2 * 1024 * 1024), headers={"Accept": "application/json"})
    assert response.status_code == 507
    assert response.get_json()["error"] == "Insufficient Storage"
    assert "no room left" in response.get_json()["message"]
    assert any("UPLOAD_FOLDER is full" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)


@pytest.mark.parametrize("step", ["os.fsync", "os.link"])
def test_a_disk_that_fills_after_the_data_was_written_still_leaves_nothing(app, post_form, monkeypatch, step):
    """Network filesystems and quotas may report ENOSPC only at fsync(); a fake disk that does."""
    def no_space(*args):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(step, no_space)
    assert upload(post_form, "late.txt", b"written, never synced").status_code == 507
    monkeypatch.undo()
    assert os.listdir(app.config["UPLOAD_FOLDER"]) == []


def test_a_write_that_fails_for_another_reason_is_not_called_a_full_disk_and_leaves_nothing(app, post_form, monkeypatch):
    """A broken disk is the app's error (a logged 500 outside tests), not the client's 507."""
    def broken(*args):
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr("os.fsync", broken)
    with pytest.raises(OSError) as raised:  # TESTING propagates what production answers with a 500
        upload(post_form, "io.txt")
    assert not isinstance(raised.value, storage.StorageFull)
    monkeypatch.undo()
    assert os.listdir(app.config["UPLOAD_FOLDER"]) == []


def test_an_upload_still_being_written_is_neither_listed_nor_offered(app, client):
    partial = local.TEMPORARY_PREFIX + "abc123"
    open(os.path.join(app.config["UPLOAD_FOLDER"], partial), "wb").write(b"half")
    assert partial not in client.get("/uploads/").get_data(as_text=True)
    assert client.get(f"/uploads/{partial}").status_code == 404


def test_two_uploads_of_one_name_racing_each_keep_their_own_file(app, post_form, monkeypatch):
    """Another upload takes the free name between this one's check and its link: it takes the next."""
    folder, real_link = app.config["UPLOAD_FOLDER"], os.link

    def racing_link(source, target):
        if not os.path.exists(os.path.join(folder, "race.txt")):
            open(os.path.join(folder, "race.txt"), "wb").write(b"the other upload")
        return real_link(source, target)

    monkeypatch.setattr("os.link", racing_link)
    assert upload(post_form, "race.txt", b"this upload").status_code == 303
    assert open(os.path.join(folder, "race.txt"), "rb").read() == b"the other upload"
    assert open(os.path.join(folder, "race-1.txt"), "rb").read() == b"this upload"
