"""Uploads at /uploader: safe names, the size limit, nothing stored is ever replaced, nothing partial kept."""
import errno
import logging
import os
import shutil
import subprocess
from io import BytesIO

import pytest

from app.uploads import storage


def upload(post_form, name, data=b"hello", **kwargs):
    return post_form("/uploader", {"file": (BytesIO(data), name)}, content_type="multipart/form-data", **kwargs)


def test_upload_is_saved_in_the_upload_folder_and_listed(app, client, post_form):
    response = upload(post_form, "notes.txt", follow_redirects=True)
    assert "File uploaded successfully as notes.txt" in response.get_data(as_text=True)
    assert open(os.path.join(app.config["UPLOAD_FOLDER"], "notes.txt"), "rb").read() == b"hello"
    assert 'href="/uploads/notes.txt"' in client.get("/uploads/").get_data(as_text=True)


@pytest.mark.parametrize("name", ["../../x.txt", "/etc/passwd.txt", "..\\..\\x.txt", "a/../../b.txt"])
def test_upload_names_cannot_leave_the_upload_folder(app, post_form, name):
    assert upload(post_form, name).status_code == 303
    folder = app.config["UPLOAD_FOLDER"]
    stored = os.listdir(folder)
    assert len(stored) == 1 and "/" not in stored[0] and not stored[0].startswith(".")
    assert os.path.realpath(os.path.join(folder, stored[0])).startswith(os.path.realpath(folder) + os.sep)


def test_upload_with_a_name_of_only_dots_is_refused_with_a_message(post_form):
    response = upload(post_form, "..")
    assert response.status_code == 400
    assert "is not a usable file name" in response.get_data(as_text=True)


def test_upload_never_replaces_a_stored_file(app, post_form):
    upload(post_form, "same.txt", b"first")
    upload(post_form, "same.txt", b"second")
    folder = app.config["UPLOAD_FOLDER"]
    assert open(os.path.join(folder, "same.txt"), "rb").read() == b"first"
    assert open(os.path.join(folder, "same-1.txt"), "rb").read() == b"second"


def test_upload_rejects_files_over_the_limit_with_a_friendly_413(app, post_form):
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    response = upload(post_form, "big.zip", b"x" * (1024 * 1024 + 1))
    body = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "larger than the 1 MiB limit" in body and "Traceback" not in body
    assert os.listdir(app.config["UPLOAD_FOLDER"]) == []


def test_upload_without_a_file_is_a_400_that_says_so(post_form):
    response = post_form("/uploader", {}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Choose a file to upload." in response.get_data(as_text=True)


def test_uploaded_file_is_offered_back_only_as_a_download(client, post_form):
    upload(post_form, "page.txt", b"<html><script>alert(1)</script></html>")
    response = client.get("/uploads/page.txt")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.mimetype not in ("text/html", "image/svg+xml")


@pytest.mark.parametrize("name", ["evil.html", "x.svg", "run.js", "noextension", "evil.HTML"])
def test_a_file_type_that_could_run_in_the_browser_is_refused_and_nothing_is_stored(app, post_form, name):
    response = upload(post_form, name, b"<svg onload=alert(1)></svg>")
    assert response.status_code == 400
    assert "files are not accepted here" in response.get_data(as_text=True)
    assert os.listdir(app.config["UPLOAD_FOLDER"]) == []


def test_download_cannot_reach_outside_the_upload_folder(client):
    assert client.get("/uploads/../conftest.py").status_code == 404
    assert client.get("/uploads/%2e%2e/conftest.py").status_code == 404


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
    partial = storage.TEMPORARY_PREFIX + "abc123"
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
