"""Writes are safe to retry: Idempotency-Key on the API, a submission token on the students form,
and racing writes answer 404 or 409, never 500."""
import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from app.api.validation import UserInput
from app.clock import utcnow
from app.extensions import db
from app.idempotency import StoredAnswer, sha256
from app.students.models import Students
from app.students.views import StudentForm
from app.users.models import User

ANN = {"username": "ann", "email": "ann@example.com"}
STUDENT = {"name": "Ann", "city": "Oslo", "addr": "1 Main St", "pin": "0150"}
both_backends = pytest.mark.parametrize("backend", ["postgresql", "sqlite"], indirect=True)


def keyed(api_headers, key):
    return {**api_headers, "Idempotency-Key": key}


def at_once(*calls) -> None:
    """Each call in its own thread, all released together by a barrier."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        call()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


@both_backends
def test_a_post_retried_with_its_key_gets_the_same_answer_and_makes_one_row(app, client, api_headers):
    first = client.post("/api/users/", json=ANN, headers=keyed(api_headers, "k1"))
    again = client.post("/api/users/", json=ANN, headers=keyed(api_headers, "k1"))
    assert first.status_code == again.status_code == 201
    assert again.get_data() == first.get_data() and again.headers["Location"] == first.headers["Location"] == "/api/users/1"
    assert again.mimetype == "application/json"
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert count(app, User) == 1


@both_backends
def test_a_post_retried_without_a_key_is_a_new_request(client, api_headers):
    assert client.post("/api/users/", json=ANN, headers=api_headers).status_code == 201
    assert client.post("/api/users/", json=ANN, headers=api_headers).status_code == 409


@both_backends
def test_a_put_and_a_delete_retried_with_their_keys_answer_as_the_first_time(client, api_headers):
    client.post("/api/users/", json=ANN, headers=api_headers)
    renamed = {"username": "ann2", "email": "a2@example.com"}
    put = [client.put("/api/users/1", json=renamed, headers=keyed(api_headers, "put")) for _ in range(2)]
    assert [r.status_code for r in put] == [200, 200] and put[0].json == put[1].json
    deleted = [client.delete("/api/users/1", headers=keyed(api_headers, "del")) for _ in range(2)]
    assert [r.status_code for r in deleted] == [204, 204]
    assert client.delete("/api/users/1", headers=keyed(api_headers, "other")).status_code == 404


@both_backends
def test_the_same_key_with_a_different_body_or_path_gets_422(client, api_headers):
    client.post("/api/users/", json=ANN, headers=keyed(api_headers, "k1"))
    other_body = client.post("/api/users/", json={**ANN, "username": "bo"}, headers=keyed(api_headers, "k1"))
    assert other_body.status_code == 422 and "different request" in other_body.json["message"]
    other_path = client.delete("/api/users/1", headers=keyed(api_headers, "k1"))
    assert other_path.status_code == 422 and other_path.json["status"] == 422
    assert client.get("/api/users/1").status_code == 200


@both_backends
def test_an_error_answer_is_not_kept_so_its_retry_runs_again(client, api_headers):
    client.post("/api/users/", json=ANN, headers=api_headers)
    assert client.post("/api/users/", json=ANN, headers=keyed(api_headers, "k1")).status_code == 409
    client.delete("/api/users/1", headers=api_headers)
    assert client.post("/api/users/", json=ANN, headers=keyed(api_headers, "k1")).status_code == 201


@both_backends
@pytest.mark.parametrize("key", ["", "x" * 256, "with space", "é"])
def test_a_malformed_key_gets_400(client, api_headers, key):
    response = client.post("/api/users/", json=ANN, headers=keyed(api_headers, key))
    assert response.status_code == 400 and "Idempotency-Key" in response.json["message"]


@both_backends
def test_keys_are_scoped_to_the_api_token(app, client, api_headers):
    client.post("/api/users/", json=ANN, headers=keyed(api_headers, "k1"))
    app.config["API_TOKEN"] = "rotated"
    again = client.post("/api/users/", json=ANN, headers={"Authorization": "Bearer rotated", "Idempotency-Key": "k1"})
    assert again.status_code == 409  # ran again as a new request: the name is taken


@both_backends
def test_the_token_is_checked_before_the_key(client):
    assert client.post("/api/users/", json=ANN, headers={"Idempotency-Key": "k1"}).status_code == 401


@both_backends
def test_an_expired_key_runs_again_and_expired_keys_are_purged(app, client, api_headers):
    client.post("/api/users/", json=ANN, headers=keyed(api_headers, "old"))
    client.post("/api/users/", json={**ANN, "username": "bo"}, headers=keyed(api_headers, "older"))
    with app.app_context():
        db.session.execute(db.update(StoredAnswer).values(created_at=utcnow() - timedelta(hours=25)))
        db.session.commit()
    assert client.post("/api/users/", json=ANN, headers=keyed(api_headers, "old")).status_code == 409  # ran again
    assert client.post("/api/users/", json={**ANN, "username": "cy"}, headers=keyed(api_headers, "new")).status_code == 201
    with app.app_context():
        assert db.session.scalars(db.select(StoredAnswer.key)).all() == ["new"]  # the others purged by that write


def test_a_second_request_while_the_first_holds_the_key_gets_409_with_retry_after(app, client, api_headers, postgres_url):
    scope = sha256("api", app.config["API_TOKEN"])
    lock_id = int.from_bytes(bytes.fromhex(sha256(scope, "busy")[:16]), "big", signed=True)
    engine = create_engine(postgres_url)
    with engine.begin() as first:  # what the first request holds while it runs
        first.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id})
        response = client.post("/api/users/", json=ANN, headers=keyed(api_headers, "busy"))
    engine.dispose()
    assert response.status_code == 409 and response.headers["Retry-After"] == "1"
    assert "still being processed" in response.json["message"]
    assert count(app, User) == 0
    assert client.post("/api/users/", json=ANN, headers=keyed(api_headers, "busy")).status_code == 201


def test_concurrent_sends_of_one_key_make_one_row_and_never_two_answers(app, api_headers):
    answers = []
    at_once(*[lambda: answers.append(app.test_client().post("/api/users/", json=ANN, headers=keyed(api_headers, "k1")))] * 8)
    assert {r.status_code for r in answers} <= {201, 409}
    assert len({r.get_data() for r in answers if r.status_code == 201}) == 1
    assert all("still being processed" in r.json["message"] for r in answers if r.status_code == 409)
    assert count(app, User) == 1


# ---- racing writes: 404 or 409, never 500 ----

def test_a_put_on_a_user_deleted_meanwhile_gets_404_json(app, client, api_headers, postgres_url, monkeypatch):
    client.post("/api/users/", json=ANN, headers=api_headers)
    engine = create_engine(postgres_url)
    parse = UserInput.parse

    def delete_then_parse(payload):  # the racing DELETE commits after this PUT has loaded the user
        with engine.begin() as other:
            other.execute(text("DELETE FROM users WHERE id = 1"))
        return parse(payload)

    monkeypatch.setattr(UserInput, "parse", staticmethod(delete_then_parse))
    response = client.put("/api/users/1", json={**ANN, "username": "ann2"}, headers=api_headers)
    engine.dispose()
    assert response.status_code == 404 and response.json["message"] == "It was deleted by another request at the same time."


def test_racing_puts_and_deletes_answer_only_200_204_404_or_409(app, api_headers):
    statuses, client = [], app.test_client()
    for n in range(10):
        path = f"/api/users/{client.post('/api/users/', json={**ANN, 'username': f'u{n}'}, headers=api_headers).json['id']}"
        renamed = {**ANN, "username": f"v{n}"}
        at_once(lambda path=path, renamed=renamed: statuses.append(app.test_client().put(path, json=renamed, headers=api_headers).status_code),
                lambda path=path: statuses.append(app.test_client().delete(path, headers=api_headers).status_code))
    assert set(statuses) <= {200, 204, 404, 409}, statuses


@both_backends
def test_a_unique_value_taken_by_a_racing_insert_is_a_409_json_or_page(app, client):
    def racing_insert():
        raise IntegrityError("INSERT", {}, Exception("duplicate key value violates unique constraint"))

    app.add_url_rule("/api/race", "api_race", racing_insert)
    app.add_url_rule("/race", "race", racing_insert)
    api, page = client.get("/api/race"), client.get("/race")
    assert api.status_code == 409 and api.json["status"] == 409
    assert page.status_code == 409 and page.mimetype == "text/html" and "Reload and try again" in page.get_data(as_text=True)


# ---- the students form: one row per submission ----

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
SUBMISSION = re.compile(r'name="submission" type="hidden" value="([^"]+)"')


def shown_form(client) -> dict:
    """The hidden fields of the form as a browser shows it: the CSRF token and the submission token."""
    page = client.get("/students/new").get_data(as_text=True)
    return {"csrf_token": CSRF.search(page).group(1), "submission": SUBMISSION.search(page).group(1)}


@both_backends
def test_a_double_submitted_student_form_makes_one_row_and_says_it_was_already_saved(app, client):
    form = {**shown_form(client), **STUDENT}
    first, again = client.post("/students/new", data=form), client.post("/students/new", data=form)
    assert first.status_code == again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    assert "Record for Ann was already saved." in client.get("/students/").get_data(as_text=True)
    assert count(app, Students) == 1


@both_backends
def test_each_form_shown_gets_its_own_submission_token(app, client):
    for _ in range(2):
        client.post("/students/new", data={**shown_form(client), **STUDENT})
    assert count(app, Students) == 2


@both_backends
def test_a_form_taken_back_and_changed_is_a_new_student(app, client):
    form = {**shown_form(client), **STUDENT}
    client.post("/students/new", data=form)
    client.post("/students/new", data={**form, "name": "Bo"})
    assert count(app, Students) == 2


def test_concurrent_submits_of_one_form_make_one_row(app, client):
    form, answers = {**shown_form(client), **STUDENT}, []
    cookie = client.get_cookie("session")
    browsers = [app.test_client() for _ in range(4)]
    for browser in browsers:  # one browser's cookie: the CSRF token belongs to its session
        browser.set_cookie(cookie.key, cookie.value)
    at_once(*[lambda b=browser: answers.append(b.post("/students/new", data=form).status_code) for browser in browsers])
    assert answers == [303] * 4 and count(app, Students) == 1


def test_editing_a_student_deleted_meanwhile_is_a_404_page(app, client, post_form, postgres_url, monkeypatch):
    post_form("/students/new", STUDENT)
    engine = create_engine(postgres_url)
    fill = StudentForm.fill

    def delete_then_fill(self, student):
        with engine.begin() as other:
            other.execute(text("DELETE FROM students WHERE id = 1"))
        fill(self, student)

    monkeypatch.setattr(StudentForm, "fill", delete_then_fill)
    response = post_form("/students/1/edit", {**STUDENT, "city": "Bergen"})
    engine.dispose()
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "deleted by another request" in response.get_data(as_text=True)


def test_openapi_documents_the_idempotency_key_on_every_write(client):
    document = client.get("/openapi.json").json
    writes = [op for item in document["paths"].values() for method, op in item.items() if method in ("post", "put", "delete")]
    for op in writes:
        assert [p["name"] for p in op["parameters"] if p["in"] == "header"] == ["Idempotency-Key"], op["operationId"]
        assert {"409", "422"} <= set(op["responses"]), op["operationId"]
