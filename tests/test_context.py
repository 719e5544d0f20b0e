"""Request and application contexts: test_request_context, redirect_url(), current_app, flask urls."""
import pytest
from flask import current_app, request

from app.context.redirects import redirect_url


@pytest.mark.parametrize(
    ("path", "headers", "target"),
    [
        ("/login?next=/about", {}, "/about"),
        ("/login", {"Referer": "http://localhost/students/"}, "http://localhost/students/"),
        ("/login?next=https://evil.example/", {}, "/"),
        ("/login?next=//evil.example/", {}, "/"),
        # Browsers drop tabs and newlines from URLs; a header cannot carry a newline at all.
        ("/login?next=/%09/evil.example/", {}, "/"),
        ("/login?next=%2F%0Aenv", {}, "/"),
        ("/login", {"Referer": "https://evil.example/page"}, "/"),
        ("/login", {}, "/"),
    ],
)
def test_redirect_url_prefers_next_then_referrer_then_index_and_stays_on_site(app, path, headers, target):
    with app.test_request_context(path, headers=headers):
        assert redirect_url() == target


def test_request_contexts_stack_and_pop(app):
    ctx = app.test_request_context("/outer")
    ctx.push()
    try:
        with app.test_request_context("/inner"):
            assert request.path == "/inner"
        assert request.path == "/outer"
    finally:
        ctx.pop()


def test_app_context_gives_current_app_and_the_real_object(app):
    with app.app_context():
        assert current_app.name == "app"
        assert current_app._get_current_object() is app


def test_context_page_shows_redirect_url_for_each_example(client):
    body = client.get("/context").get_data(as_text=True)
    assert "<code>/about</code>" in body and "http://localhost/students/" in body
    assert body.count("<td><code>/</code></td>") == 2  # the off-site next and the bare request


def test_context_page_referer_example_uses_the_host_that_serves_it(client):
    body = client.get("/context", base_url="https://shop.example").get_data(as_text=True)
    assert body.count("https://shop.example/students/") == 2  # the Referer sent, and redirect_url() following it


def test_flask_urls_builds_external_urls_outside_a_request(runner):
    result = runner.invoke(args=["urls", "--server-name", "example.org"])
    assert result.exit_code == 0, result.output
    assert "http://example.org/hello/%3Cem%3EFlask" in result.output
    assert "http://example.org/api/users/" in result.output


def test_flask_urls_uses_server_name_from_the_config(app, runner):
    app.config.update(SERVER_NAME="site.example:8080", PREFERRED_URL_SCHEME="https")
    assert "https://site.example:8080/about" in runner.invoke(args=["urls"]).output


def test_seed_users_adds_examples_once(runner, client):
    assert "added 3 users, 3 in all" in runner.invoke(args=["seed-users", "3"]).output
    assert "added 2 users, 5 in all" in runner.invoke(args=["seed-users", "5"]).output
    assert len(client.get("/api/users/").json["users"]) == 5
