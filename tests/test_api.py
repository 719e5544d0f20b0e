"""The MethodView UserAPI: JSON in and out, bearer-token writes, CORS, clear errors, nothing lost."""
import re

import pytest

pytestmark = pytest.mark.parametrize("backend", ["postgresql", "sqlite"], indirect=True)

ANN = {"username": "ann", "email": "ann@example.com"}


def test_users_list_starts_empty(client):
    assert client.get("/api/users/").json == {"users": []}


def test_user_is_created_with_201_and_a_location(client, api_headers):
    response = client.post("/api/users/", json=ANN, headers=api_headers)
    assert response.status_code == 201
    assert response.json == {"id": 1, **ANN}
    assert response.headers["Location"] == "/api/users/1"
    assert client.get("/api/users/1").json["username"] == "ann"


def test_writes_without_the_token_get_401_with_www_authenticate(client):
    for response in (client.post("/api/users/", json=ANN), client.put("/api/users/1", json=ANN), client.delete("/api/users/1")):
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].lower().startswith("bearer")
        assert response.json["status"] == 401


def test_a_wrong_token_is_refused(client):
    assert client.post("/api/users/", json=ANN, headers={"Authorization": "Bearer nope"}).status_code == 401


def test_a_logged_in_browser_session_cannot_write_to_the_api(client, post_form):
    post_form("/login", {"username": "ann"})
    assert client.post("/api/users/", json=ANN).status_code == 401


def test_user_is_replaced_with_put_and_deleted(client, api_headers):
    client.post("/api/users/", json=ANN, headers=api_headers)
    response = client.put("/api/users/1", json={"username": "ann2", "email": "a2@example.com"}, headers=api_headers)
    assert response.json == {"id": 1, "username": "ann2", "email": "a2@example.com"}
    assert client.delete("/api/users/1", headers=api_headers).status_code == 204
    assert client.get("/api/users/1").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [({"username": "", "email": "a@example.com"}, "username"), ({"username": "ok", "email": "nope"}, "email"), ({"username": "a b"}, "username")],
)
def test_invalid_fields_get_a_400_naming_each_field(client, api_headers, body, field):
    response = client.post("/api/users/", json=body, headers=api_headers)
    assert response.status_code == 400
    assert field in response.json["errors"]


@pytest.mark.parametrize("data", ["{bad json", "[1, 2]", '"text"'])
def test_malformed_or_non_object_json_gets_a_400_json_answer(client, api_headers, data):
    response = client.post("/api/users/", data=data, content_type="application/json", headers=api_headers)
    assert response.status_code == 400
    assert response.json["status"] == 400


def test_a_body_that_is_not_json_gets_415(client, api_headers):
    response = client.post("/api/users/", data="username=ann", content_type="application/x-www-form-urlencoded", headers=api_headers)
    assert response.status_code == 415
    assert response.json["status"] == 415


def test_a_duplicate_name_gets_409_and_the_stored_user_stays(client, api_headers):
    client.post("/api/users/", json=ANN, headers=api_headers)
    response = client.post("/api/users/", json={**ANN, "email": "other@example.com"}, headers=api_headers)
    assert response.status_code == 409
    assert client.get("/api/users/").json["users"] == [{"id": 1, **ANN}]


def test_renaming_onto_a_taken_name_gets_409_and_changes_nothing(client, api_headers):
    client.post("/api/users/", json=ANN, headers=api_headers)
    client.post("/api/users/", json={"username": "bo", "email": "bo@example.com"}, headers=api_headers)
    assert client.put("/api/users/2", json={**ANN}, headers=api_headers).status_code == 409
    assert client.get("/api/users/2").json["username"] == "bo"


def test_unknown_user_and_wrong_method_answer_json(client):
    assert client.get("/api/users/99").json["message"] == "No user has that id."
    response = client.patch("/api/users/1")
    assert response.status_code == 405 and response.json["status"] == 405
    assert "PUT" in response.headers["Allow"]


def test_cors_allows_the_configured_origin_only(client):
    allowed = client.get("/api/users/", headers={"Origin": "https://allowed.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://allowed.example"
    other = client.get("/api/users/", headers={"Origin": "https://other.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    assert "Access-Control-Allow-Origin" not in client.get("/users/", headers={"Origin": "https://allowed.example"}).headers


def test_cors_headers_are_on_the_apis_errors_too(client):
    origin = {"Origin": "https://allowed.example"}
    for response in (client.get("/api/users/999", headers=origin), client.post("/api/users/", json={}, headers=origin),
                     client.get("/api/no-such-thing", headers=origin)):
        assert response.status_code in (401, 404) and response.headers["Access-Control-Allow-Origin"] == "https://allowed.example"


def test_cors_preflight_for_a_write_is_answered(client):
    response = client.options(
        "/api/users/",
        headers={"Origin": "https://allowed.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "Authorization, Content-Type"},
    )
    assert response.status_code == 200
    assert "POST" in response.headers["Access-Control-Allow-Methods"]


def test_an_email_longer_than_the_column_gets_a_400_naming_the_field(client, api_headers):
    long_email = "a" * 60 + "@" + "b" * 60 + ".example.com"  # valid, but 133 characters
    response = client.post("/api/users/", json={"username": "ann", "email": long_email}, headers=api_headers)
    assert response.status_code == 400
    assert "email" in response.json["errors"]
    assert client.get("/api/users/").json == {"users": []}


def test_a_body_nested_too_deeply_gets_a_400_not_a_500(client, api_headers):
    deep = "[" * 100_000 + "]" * 100_000
    response = client.post("/api/users/", data=deep, content_type="application/json", headers=api_headers)
    assert response.status_code == 400 and response.json["status"] == 400


OPERATIONS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def test_openapi_document_is_served_and_well_formed(client):
    response = client.get("/openapi.json")
    document = response.json
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert document["openapi"] == "3.1.0" and {"title", "version"} <= set(document["info"])
    text = response.get_data(as_text=True)
    for ref in re.findall(r'"\$ref":\s*"#/([^"]+)"', text):  # every reference resolves
        node = document
        for key in ref.split("/"):
            node = node[key]
    operations = [op for item in document["paths"].values() for method, op in item.items() if method in OPERATIONS]
    assert len({op["operationId"] for op in operations}) == len(operations)
    schemes = document["components"]["securitySchemes"]
    for op in operations:
        assert any(code.startswith("2") for code in op["responses"]), op["operationId"]
        assert all(set(requirement) <= set(schemes) for requirement in op.get("security", []))
    for path, item in document["paths"].items():  # each {name} in a path is a declared path parameter
        declared = {p["name"] for p in item.get("parameters", []) if p["in"] == "path"}
        assert set(re.findall(r"{(\w+)}", path)) == declared, path


def test_openapi_paths_and_methods_are_the_apps_real_routes(app, client):
    document = client.get("/openapi.json").json
    documented = {(path, method.upper()) for path, item in document["paths"].items() for method in item
                  if method in OPERATIONS}
    real = {(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method) for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/api/") for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == real


def test_openapi_says_what_the_api_really_does(client, api_headers):
    document = client.get("/openapi.json").json
    create = document["paths"]["/api/users/"]["post"]
    assert client.post("/api/users/", json=ANN).status_code == 401 and "401" in create["responses"]
    created = client.post("/api/users/", json=ANN, headers=api_headers)
    user_schema = document["components"]["schemas"]["User"]
    assert created.status_code == 201 and set(created.json) == set(user_schema["required"])
    assert re.fullmatch(document["components"]["schemas"]["UserInput"]["properties"]["username"]["pattern"], "ann")
    error = client.get("/api/users/99").json
    assert set(document["components"]["schemas"]["Error"]["required"]) <= set(error)


@pytest.mark.parametrize(("email", "status"), [("ann@example.com", 201), ("ann@mail.example.org", 201),
                                                ("ann@shop.test", 400), ("ann@localhost", 400), ("ann@x.invalid", 400)])
def test_the_documented_email_rule_is_the_one_the_api_applies(client, api_headers, email, status):
    schema = client.get("/openapi.json").json["components"]["schemas"]["UserInput"]["properties"]["email"]
    refused_by_the_document = re.search(schema["not"]["pattern"], email) is not None
    response = client.post("/api/users/", json={"username": f"u{len(email)}", "email": email}, headers=api_headers)
    assert response.status_code == status and refused_by_the_document == (status == 400)
