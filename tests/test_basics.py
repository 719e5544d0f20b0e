"""Routing, url_for, HTTP methods, templates and static files."""
import re
import pytest


def test_hello_name_escapes_html_instead_of_echoing_it(client):
    body = client.get("/hello/<img src=x onerror=alert(1)>").get_data(as_text=True)
    assert "<img" not in body
    assert "<h1>Hello &lt;img src=x onerror=alert(1)&gt;!</h1>" in body


def test_the_greeting_pages_render_in_the_layout(client):
    for path in ("/hello", "/hello/Ann", "/python/", "/flask", "/guest/ann", "/admin-greeting"):
        body = client.get(path).get_data(as_text=True)
        assert body.startswith("<!doctype html>") and '<html lang="en">' in body and "<main>" in body, path


@pytest.mark.parametrize("path", ["/post/1.5", "/post/-1", "/rev/abc", "/rev/2", "/hello/"])
def test_converters_reject_values_of_the_wrong_type_with_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "Traceback" not in response.get_data(as_text=True)


def test_path_converter_accepts_slashes(client):
    assert "<code>docs/a/b.txt</code>" in client.get("/path/docs/a/b.txt").get_data(as_text=True)


def test_python_without_slash_redirects_to_the_canonical_url(client):
    response = client.get("/python")
    assert response.status_code == 308
    assert response.headers["Location"].endswith("/python/")


def test_flask_with_a_trailing_slash_is_not_found(client):
    assert client.get("/flask/").status_code == 404


@pytest.mark.parametrize(("name", "target", "text"), [("admin", "/admin-greeting", "Hello Admin"), ("ann", "/guest/ann", "Hello ann as Guest")])
def test_url_for_sends_admin_and_guests_to_different_endpoints(client, name, target, text):
    response = client.get(f"/user/{name}")
    assert response.headers["Location"] == target
    assert text in client.get(target).get_data(as_text=True)


def test_wrong_method_gets_405_with_an_allow_header(client):
    response = client.post("/hello")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "HEAD"}


@pytest.mark.parametrize(("method", "status"), [("GET", 200), ("POST", 201), ("PUT", 200)])
def test_methods_resource_answers_each_method_with_json(client, method, status):
    response = client.open("/methods?x=1", method=method, json={"a": 1} if method != "GET" else None)
    assert response.status_code == status
    assert response.json["method"] == method
    assert response.json["args"] == {"x": "1"}


def test_methods_resource_delete_answers_204_without_body(client):
    response = client.delete("/methods")
    assert response.status_code == 204
    assert response.data == b""


def test_malformed_json_gets_a_400_json_answer(client):
    response = client.post("/methods", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json["status"] == 400
    assert "Traceback" not in response.get_data(as_text=True)


@pytest.mark.parametrize("depth", [70, 990, 100_000])  # past MAX_JSON_DEPTH, just under and past Python's limit
def test_json_nested_too_deeply_gets_a_400_not_a_recursion_error(client, depth):
    response = client.post("/methods", data="[" * depth + "]" * depth, content_type="application/json")
    assert response.status_code == 400 and response.json["status"] == 400


def test_login_keeps_the_user_in_the_session_and_follows_next(client, post_form):
    response = post_form("/login?next=/about", {"username": "ann"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/about"
    page = client.get("/about").get_data(as_text=True)
    assert "ann" in page and "Log out" in page and "Logged in as ann." in page


def test_login_ignores_a_next_that_points_to_another_site(post_form):
    response = post_form("/login?next=https://evil.example/", {"username": "ann"})
    assert response.headers["Location"] == "/"


def test_login_ignores_a_next_with_a_newline_instead_of_failing(post_form):
    response = post_form("/login?next=%2F%0Aenv", {"username": "ann"})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_login_rejects_an_invalid_name_with_the_form_and_its_message(post_form):
    response = post_form("/login", {"username": "<bad name>"})
    assert response.status_code == 400
    assert "Letters, digits" in response.get_data(as_text=True)


def test_logout_pops_the_user(client, post_form):
    post_form("/login", {"username": "ann"})
    post_form("/logout")
    with client.session_transaction() as session:
        assert "username" not in session


def test_template_page_shows_variables_loops_and_with(client):
    body = client.get("/template?message=one&message=two").get_data(as_text=True)
    for text in ("my_str: a string", "plus one: 43", "first: 1", "name: Flask", "1. one", "2. two", "sum of my_array is 6"):
        assert text in body


def test_static_page_loads_hello_js_with_no_inline_handler(client):
    body = client.get("/static-demo").get_data(as_text=True)
    assert re.search(r'src="/static/hello\.js\?v=[0-9a-f]{12}"', body)  # versioned: app/static_versions.py
    assert "onclick" not in body
    script = client.get("/static/hello.js")
    assert script.mimetype in ("text/javascript", "application/javascript")
    assert 'alert("Hello World")' in script.get_data(as_text=True)


def test_logging_in_from_the_login_page_itself_lands_on_the_index(client):
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"csrf_token": token, "username": "ann"}, headers={"Referer": "http://localhost/login"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
