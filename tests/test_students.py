"""Flask-SQLAlchemy: the Students UI on PostgreSQL, and on SQLite as the fast extra layer."""
import pytest

from app.extensions import db
from app.students.models import Students

pytestmark = pytest.mark.parametrize("backend", ["postgresql", "sqlite"], indirect=True)

ANN = {"name": "Ann", "city": "Oslo", "addr": "1 Main St", "pin": "0150"}


def stored(app):
    with app.app_context():
        return [(s.name, s.city, s.addr, s.pin) for s in db.session.scalars(db.select(Students).order_by(Students.id))]


def test_student_is_created_and_listed(app, client, post_form):
    response = post_form("/students/new", ANN, follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "Record for Ann was added." in body and "<td>Oslo</td>" in body
    assert stored(app) == [("Ann", "Oslo", "1 Main St", "0150")]


def test_student_is_edited(app, post_form):
    post_form("/students/new", ANN)
    response = post_form("/students/1/edit", {**ANN, "city": "Bergen"})
    assert response.status_code == 303
    assert stored(app)[0][1] == "Bergen"


def test_student_is_deleted(app, post_form):
    post_form("/students/new", ANN)
    post_form("/students/new", {**ANN, "name": "Bo"})
    assert post_form("/students/1/delete").status_code == 303
    assert [row[0] for row in stored(app)] == ["Bo"]


def test_invalid_student_is_refused_and_stored_rows_stay(app, post_form):
    post_form("/students/new", ANN)
    response = post_form("/students/new", {**ANN, "name": "Bad", "pin": "12ab"})
    assert response.status_code == 400
    assert "4 to 10 digits." in response.get_data(as_text=True)
    bad_edit = post_form("/students/1/edit", {**ANN, "name": ""})
    assert bad_edit.status_code == 400
    assert stored(app) == [("Ann", "Oslo", "1 Main St", "0150")]


def test_unknown_student_is_a_404(post_form, client):
    assert client.get("/students/42/edit").status_code == 404
    assert post_form("/students/42/delete").status_code == 404


def test_delete_asks_first_and_only_its_post_deletes(app, client, post_form):
    post_form("/students/new", ANN)
    listed = client.get("/students/").get_data(as_text=True)
    assert 'href="/students/1/delete"' in listed and "<form" not in listed  # a link to the question, no button
    page = client.get("/students/1/delete")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Delete Ann?" in body and 'action="/students/1/delete"' in body
    assert 'value="Delete"' in body and 'href="/students/">Cancel' in body
    assert stored(app) == [("Ann", "Oslo", "1 Main St", "0150")]  # asking deleted nothing
    assert post_form("/students/1/delete", follow_redirects=True).get_data(as_text=True).count("Record for Ann was deleted.") == 1
    assert stored(app) == []


def test_confirming_a_delete_for_a_missing_student_is_a_404(client):
    page = client.get("/students/42/delete", headers={"Accept": "text/html"})
    assert page.status_code == 404 and "No student has that id." in page.get_data(as_text=True)
