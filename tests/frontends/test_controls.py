"""The native stack's fault controls do what the fault suite relies on, and leave the stack as it was."""
import os

import pytest

from tests.frontends.browser import Browser


def test_a_stopped_app_server_answers_an_error_and_comes_back_with_the_same_sessions(stack):
    browser = Browser(stack.url)
    assert browser.post_form("/login", {"username": "ann"}).status == 302
    before = stack.app_pids()
    stack.stop_app_server()
    try:
        if stack.frontend == "apache":  # Apache is its own app server: nothing answers at all
            with pytest.raises(OSError):
                stack.request("GET", "/healthz", timeout=5)
        else:  # nginx answers for the missing back end
            assert stack.request("GET", "/healthz", timeout=5).status in (502, 503)
    finally:
        stack.start_app_server()
    assert stack.app_pids().isdisjoint(before)
    assert "Logged in as ann." in browser.open("/about").text  # the same SECRET_KEY


def test_a_stopped_database_answers_503_and_comes_back(stack):
    stack.stop_database()
    try:
        assert stack.request("GET", "/readyz", timeout=10).status == 503
    finally:
        stack.start_database()
    assert stack.request("GET", "/readyz", timeout=10).status == 200


def test_a_filled_upload_disk_is_the_app_users_and_freed_with_the_folder_as_it_was(stack):
    folder = os.path.join(stack.state, "uploads")
    owner, before = os.stat(folder).st_uid, set(os.listdir(folder))
    stack.fill_upload_disk(64 * 1024)
    try:
        assert os.path.ismount(folder) and os.listdir(folder) == []
        assert os.stat(folder).st_uid == owner  # the app servers' user may write there
        assert os.statvfs(folder).f_blocks * os.statvfs(folder).f_frsize == 64 * 1024
    finally:
        stack.free_upload_disk()
    assert not os.path.ismount(folder) and set(os.listdir(folder)) == before
    stack.free_upload_disk()  # freed twice: nothing happens
