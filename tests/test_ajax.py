"""Ajax: Sijax through the sijax core library on Flask 3, and fetch() with JSON."""
import json

from tests.conftest import csrf_token


def sijax_call(client, args, function="say_hi"):
    token = csrf_token(client, "/ajax/sijax")
    data = {"sijax_rq": function, "sijax_args": json.dumps(args)}
    return client.post("/ajax/sijax", data=data, headers={"X-CSRFToken": token})


def test_sijax_say_hi_answers_with_an_alert_and_new_html(client):
    response = sijax_call(client, ["Ann"])
    commands = response.json
    assert {"type": "alert", "alert": "Hi there!"} in commands
    assert any(c["type"] == "html" and c["html"] == "Hi there, Ann!" for c in commands)


def test_sijax_escapes_the_name_it_puts_into_html(client):
    html = [c for c in sijax_call(client, ["<img src=x onerror=alert(1)>"]).json if c["type"] == "html"][0]["html"]
    assert "<img" not in html and "&lt;img" in html


def test_sijax_unknown_function_is_answered_not_crashed(client):
    response = sijax_call(client, [], function="drop_tables")
    assert response.status_code == 200
    assert response.json == [{"type": "alert", "alert": "The action you performed is unavailable! (Sijax error)"}]


def test_sijax_page_loads_jquery_and_sijax_from_their_packages(client):
    body = client.get("/ajax/sijax").get_data(as_text=True)
    assert "/ajax/vendor/jquery/jquery.min.js" in body and "/ajax/vendor/sijax/sijax.js" in body
    assert "<script>" not in body  # configured from data attributes, no inline script
    assert client.get("/ajax/vendor/jquery/jquery.min.js").status_code == 200


def test_fetch_hello_answers_json(client):
    token = csrf_token(client, "/ajax/fetch")
    response = client.post("/ajax/hello", json={"name": "Ann"}, headers={"X-CSRFToken": token})
    assert response.json == {"message": "Hi there, Ann!"}


def test_fetch_hello_rejects_bad_bodies_with_json_errors(client):
    token = csrf_token(client, "/ajax/fetch")
    headers = {"X-CSRFToken": token}
    assert client.post("/ajax/hello", data="{oops", content_type="application/json", headers=headers).status_code == 400
    wrong_type = client.post("/ajax/hello", json={"name": 5}, headers=headers)
    assert wrong_type.status_code == 400 and "'name' string" in wrong_type.json["message"]
    not_json = client.post("/ajax/hello", data="name=x", headers={**headers, "Accept": "application/json"})
    assert not_json.status_code == 415 and not_json.json["status"] == 415


def test_vendor_files_cannot_leave_their_package(client):
    assert client.get("/ajax/vendor/jquery/../__init__.py").status_code == 404
    assert client.get("/ajax/vendor/jquery/%2e%2e/__init__.py").status_code == 404


def test_sijax_arguments_nested_too_deeply_get_a_400_not_a_500(client):
    token = csrf_token(client, "/ajax/sijax")
    data = {"sijax_rq": "say_hi", "sijax_args": "[" * 100_000 + "]" * 100_000}
    response = client.post("/ajax/sijax", data=data, headers={"X-CSRFToken": token})
    assert response.status_code == 400


def test_sijax_call_with_arguments_say_hi_does_not_take_is_answered_not_crashed(client):
    assert sijax_call(client, ["Ann", "Bo", "Cy"]).status_code < 500
    assert sijax_call(client, {"name": "Ann"}).status_code < 500


def test_fetch_hello_rejects_json_nested_too_deeply_with_a_400(client):
    token = csrf_token(client, "/ajax/fetch")
    deep = "[" * 100_000 + "]" * 100_000
    response = client.post("/ajax/hello", data=deep, content_type="application/json", headers={"X-CSRFToken": token})
    assert response.status_code == 400
