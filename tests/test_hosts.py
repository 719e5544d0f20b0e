"""TRUSTED_HOSTS: a Host the site does not serve gets a clean 400 (HTML, or JSON for the API), never a 500."""
import pytest

from app import create_app

TRUSTED = ["127.0.0.1", "localhost"]


@pytest.fixture
def trusting(app):
    app.config["TRUSTED_HOSTS"] = TRUSTED
    return app.test_client()


@pytest.mark.parametrize("path", ["/", "/no/such/page", "/static/hello.js", "/healthz", "/login"])
def test_an_unknown_host_gets_a_plain_400_page(trusting, path):
    response = trusting.get(path, headers={"Host": "evil.example"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert "does not answer to that host name" in body
    assert "evil.example" not in body and "Traceback" not in body


def test_an_unknown_host_gets_a_json_400_from_the_api(trusting):
    response = trusting.get("/api/users/", headers={"Host": "evil.example"})
    assert response.status_code == 400 and response.json["status"] == 400


def test_a_write_for_an_unknown_host_changes_nothing(trusting, api_headers):
    ann = {"username": "ann", "email": "ann@example.com"}
    assert trusting.post("/api/users/", json=ann, headers={**api_headers, "Host": "evil.example"}).status_code == 400
    assert trusting.get("/api/users/", headers={"Host": "localhost"}).json == {"users": []}


def test_an_unknown_host_during_maintenance_gets_the_503_not_a_500(app, trusting):
    open(app.config["MAINTENANCE_FILE"], "w").close()
    response = trusting.get("/", headers={"Host": "evil.example"})
    assert response.status_code == 503 and "Traceback" not in response.get_data(as_text=True)


@pytest.mark.parametrize("host", ["127.0.0.1:8443", "localhost", "localhost:5000"])
def test_the_trusted_names_are_served_on_any_port(trusting, host):
    assert trusting.get("/hello", headers={"Host": host}).status_code == 200


def test_trusted_hosts_come_from_a_comma_separated_variable(monkeypatch):
    monkeypatch.setenv("TRUSTED_HOSTS", "shop.example, .shop.example,127.0.0.1")
    assert create_app({"TESTING": True}).config["TRUSTED_HOSTS"] == ["shop.example", ".shop.example", "127.0.0.1"]


@pytest.mark.parametrize("value", [None, ""])
def test_without_trusted_hosts_any_host_is_served_as_for_make_run(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("TRUSTED_HOSTS", raising=False)
    else:
        monkeypatch.setenv("TRUSTED_HOSTS", value)
    app = create_app({"TESTING": True})
    assert app.config["TRUSTED_HOSTS"] is None
    assert app.test_client().get("/hello", headers={"Host": "anything.example"}).status_code == 200
