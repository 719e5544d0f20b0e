"""Flask-WTF: the notes' ContactForm, its validators, and CSRF on every form."""
import pytest

VALID = {"name": "Ann", "gender": "F", "address": "1 Main St", "email": "ann@example.com", "age": "30", "language": "py"}


def test_contact_form_renders_every_field_and_a_csrf_token(client):
    body = client.get("/contact").get_data(as_text=True)
    for field in ("csrf_token", 'name="name"', 'type="radio"', "<textarea", 'type="email"', 'name="age"', "<select", 'type="url"', 'name="ip_address"'):
        assert field in body


def test_contact_form_accepts_valid_input(post_form):
    response = post_form("/contact", {**VALID, "website": "https://example.com", "ip_address": "2001:db8::1"})
    assert response.status_code == 200
    assert "Thank you, Ann" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Please enter your name."),
        ("email", "not-an-email", "Please enter a valid email address."),
        ("age", "0", "Number must be between 1 and 150."),
        ("website", "example", "Please enter a full URL"),
        ("ip_address", "300.1.1.1", "Invalid IP address."),
        ("name", "x" * 81, "Field cannot be longer than 80 characters."),
    ],
)
def test_contact_form_shows_each_validator_message(post_form, field, value, message):
    response = post_form("/contact", {**VALID, field: value})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path", ["/login", "/contact", "/uploader", "/mail", "/students/new", "/myview", "/session/set", "/flash/info", "/ajax/sijax", "/ajax/hello"]
)
def test_every_form_refuses_a_post_without_a_csrf_token(client, path):
    response = client.post(path, data={"name": "x"})
    assert response.status_code == 400
    assert "The CSRF token is missing." in response.get_data(as_text=True)


def test_a_forged_csrf_token_is_refused(client):
    client.get("/contact")  # the session now holds the real token
    response = client.post("/contact", data={**VALID, "csrf_token": "forged"})
    assert response.status_code == 400
    assert "The CSRF token is invalid." in response.get_data(as_text=True)
