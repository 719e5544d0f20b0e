"""The request object, cookies, the session, redirects, error codes and flashing."""
import pytest

from app.web.redirects import ABORT_CODES, REDIRECT_CODES


def test_search_reads_wd_from_the_query_string_and_escapes_it(client):
    body = client.get("/search?wd=<b>flask</b>").get_data(as_text=True)
    assert "&lt;b&gt;flask&lt;/b&gt;" in body


def test_request_page_form_has_a_submit_button(client):
    assert '<input id="submit" name="submit" type="submit" value="Post it">' in client.get("/request").get_data(as_text=True)


def test_request_page_shows_method_form_and_files(client, post_form):
    from io import BytesIO

    response = post_form("/request?q=1", {"text": "hi", "attachment": (BytesIO(b"12345"), "a.txt")}, content_type="multipart/form-data")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "POST" in body and "&#39;text&#39;: &#39;hi&#39;" in body
    assert "&#39;filename&#39;: &#39;a.txt&#39;, &#39;size&#39;: 5" in body


def test_cookie_is_set_with_max_age_read_and_deleted(client):
    response = client.get("/cookies/set?value=chocolate")
    header = response.headers["Set-Cookie"]
    assert "demo=chocolate" in header and "Max-Age=3600" in header and "HttpOnly" in header
    assert "<strong>chocolate</strong>" in client.get("/cookies").get_data(as_text=True)
    deleted = client.get("/cookies/delete").headers["Set-Cookie"]
    assert "Max-Age=0" in deleted or "Expires=Thu, 01 Jan 1970" in deleted
    assert "cookie is not set" in client.get("/cookies").get_data(as_text=True)


def test_session_value_is_set_and_popped(client, post_form):
    post_form("/session/set", {"value": "tea"})
    assert "<strong>tea</strong>" in client.get("/session").get_data(as_text=True)
    post_form("/session/pop")
    assert "is not set" in client.get("/session").get_data(as_text=True)


def test_session_cookie_is_signed_httponly_and_samesite(client, post_form):
    response = post_form("/session/set", {"value": "tea"})
    header = response.headers["Set-Cookie"]
    assert header.startswith("session=") and "HttpOnly" in header and "SameSite=Lax" in header


def test_session_set_with_an_empty_value_says_why(client, post_form):
    post_form("/session/set", {"value": " "})
    assert "Type a value" in client.get("/session").get_data(as_text=True)


@pytest.mark.parametrize("code", REDIRECT_CODES)
def test_redirect_uses_the_chosen_code(client, code):
    response = client.get(f"/redirect/{code}")
    assert response.status_code == code
    assert response.headers["Location"] == f"/redirects?from={code}"
    assert f"You were redirected here by a {code}" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_the_redirect_page_ignores_a_from_that_is_no_redirect_code(client):
    assert "You were redirected" not in client.get("/redirects?from=200").get_data(as_text=True)


@pytest.mark.parametrize("code", ABORT_CODES)
def test_abort_answers_html_to_browsers_and_json_to_api_clients(client, code):
    page = client.get(f"/abort/{code}", headers={"Accept": "text/html"})
    assert page.status_code == code and page.mimetype == "text/html"
    assert "Back to the start" in page.get_data(as_text=True)
    api = client.get(f"/abort/{code}", headers={"Accept": "application/json"})
    assert api.status_code == code and api.json["status"] == code and api.json["message"]


def test_flashed_messages_show_once_with_categories_and_the_error_filter(client, post_form):
    post_form("/flash/info", {"message": "just so you know"})
    post_form("/flash/error", {"message": "it broke"})
    body = client.get("/flash").get_data(as_text=True)
    assert 'class="flash info">just so you know' in body
    assert 'class="flash error">it broke' in body
    filtered = body.split('category_filter=["error"] sees:')[1].split("</div>")[0]
    assert "it broke" in filtered and "just so you know" not in filtered
    assert "it broke" not in client.get("/flash").get_data(as_text=True)


def test_flashing_an_unknown_category_says_which_exist(client, post_form):
    post_form("/flash/purple")
    assert "Unknown category" in client.get("/flash").get_data(as_text=True)


def test_request_info_reports_what_the_app_sees(client):
    info = client.get("/request/info?x=1", headers={"Authorization": "Bearer t"}).json
    assert info == {
        "method": "GET",
        "scheme": "http",
        "host": "localhost",
        "url": "http://localhost/request/info?x=1",
        "path": "/request/info",
        "remote_addr": "127.0.0.1",
        "external_index": "http://localhost/",
        "authorization": "bearer",
    }
