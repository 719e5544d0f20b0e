"""The session cookie only where a page needs one: a form, or a script that posts.

Every other page (404s included) sets no cookie, so a shared cache may keep it and a visitor who
only reads gets no session. The token a form posts lives in the session, so a form page makes one.
"""
import pytest

from tests.conftest import csrf_token
from tests.route_table import ROUTES
from tests.test_forms import VALID

# GET pages with a form, or with a script that posts (the Ajax pages carry the token in a meta).
SESSION_PAGES = {"/login", "/request?q=x", "/session", "/flash", "/uploader", "/contact", "/mail", "/students/new",
                 "/ajax/sijax", "/ajax/fetch", "/myview"}
# The cookie demo sets (and deletes) a cookie of its own, never the session.
COOKIE_DEMOS = {"/cookies/set?value=hi", "/cookies/delete"}
READ_ONLY = [route for route in ROUTES if route.method == "GET" and route.path not in SESSION_PAGES | COOKIE_DEMOS]


def session_cookie(response) -> str | None:
    return next((cookie for cookie in response.headers.getlist("Set-Cookie") if cookie.startswith("session=")), None)


@pytest.mark.parametrize("route", READ_ONLY, ids=str)
def test_a_page_without_a_form_sets_no_cookie(client, route):
    response = client.get(route.path, headers={"Accept": "text/html", **route.headers})
    assert response.status_code == route.status
    assert "Set-Cookie" not in response.headers
    assert b'name="csrf-token"' not in response.data


@pytest.mark.parametrize("path", sorted(COOKIE_DEMOS))
def test_the_cookie_demo_sets_its_own_cookie_but_no_session(client, path):
    response = client.get(path)
    assert response.headers.getlist("Set-Cookie") and session_cookie(response) is None


@pytest.mark.parametrize("path", sorted(SESSION_PAGES))
def test_a_page_with_a_form_sets_the_session_and_keeps_it_out_of_shared_caches(client, path):
    response = client.get(path)
    assert response.status_code == 200 and session_cookie(response)
    # Private: a shared cache that kept this answer would hand its session to the next visitor.
    assert response.cache_control.private
    assert "Cookie" in response.vary


def test_only_the_pages_whose_script_posts_carry_the_csrf_meta(client):
    for path in sorted(SESSION_PAGES):
        has_meta = 'name="csrf-token"' in client.get(path).get_data(as_text=True)
        assert has_meta == path.startswith("/ajax/"), path


def test_a_page_without_a_session_sends_no_cache_control_and_varies_on_the_cookie(client):
    # The header shows who is logged in, so the page differs by cookie; Flask says so itself.
    response = client.get("/")
    assert "Cache-Control" not in response.headers and "Cookie" in response.vary


@pytest.mark.parametrize(
    ("page", "path", "data", "status"),
    [
        ("/login", "/login", {"username": "ann"}, 302),
        ("/session", "/session/set", {"value": "tea"}, 303),
        ("/flash", "/flash/info", {"message": "hi"}, 303),
        ("/contact", "/contact", VALID, 200),
    ],
)
def test_a_form_posts_with_the_token_of_its_own_page(client, page, path, data, status):
    response = client.post(path, data={"csrf_token": csrf_token(client, page), **data})
    assert response.status_code == status, response.get_data(as_text=True)


def test_an_ajax_page_posts_with_the_token_of_its_meta(client):
    response = client.post("/ajax/hello", json={"name": "Ann"}, headers={"X-CSRFToken": csrf_token(client, "/ajax/fetch")})
    assert response.json == {"message": "Hi there, Ann!"}


def test_a_returning_user_is_shown_logged_in_and_the_session_is_not_rewritten(client):
    client.post("/login", data={"csrf_token": csrf_token(client, "/login"), "username": "ann"})
    client.get("/")  # shows (and so consumes) the "Logged in" flash
    for path in ("/template", "/no/such/page", "/contact"):
        response = client.get(path)
        body = response.get_data(as_text=True)
        assert "ann" in body and "Log out" in body, path
        # Not permanent, so SESSION_REFRESH_EACH_REQUEST rewrites nothing; the token is already there.
        assert "Set-Cookie" not in response.headers, path
    logout = client.post("/logout", data={"csrf_token": csrf_token(client, "/contact")})
    assert logout.status_code == 302 and session_cookie(logout)
