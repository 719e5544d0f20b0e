"""Uploads at /uploader: safe names, the size limit, nothing stored is ever replaced."""
import os
from io import BytesIO

import pytest


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
