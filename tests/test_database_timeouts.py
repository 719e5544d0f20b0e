"""Bounded database waits (app/database.py): a database that stops answering costs a request at most
DATABASE_TIMEOUT, answered with the app's own 503 + Retry-After, and then nothing while it stays stuck."""
import socket
import threading
import time
from contextlib import contextmanager

import pytest
from flask_migrate import upgrade
from sqlalchemy import text
from sqlalchemy.exc import DataError

from app import create_app
from app.database import PING_AFTER_IDLE, Breaker
from app.extensions import db
from app.users.models import User
from tests.conftest import API_TOKEN

TIMEOUT, COOLDOWN = 1, 1
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


def bounded_app(url: str, tmp_path):
    return create_app({"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": url, "API_TOKEN": API_TOKEN,
                       "UPLOAD_FOLDER": str(tmp_path / "uploads"), "DATABASE_TIMEOUT": TIMEOUT,
                       "DATABASE_COOLDOWN": COOLDOWN, "WTF_CSRF_ENABLED": False})


@pytest.fixture
def silent_server():
    """A port that accepts connections (the kernel does, from the backlog) and never says a word."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield listener.getsockname()[1]


@pytest.fixture
def cluster(postgres):
    if postgres[1] is None:
        pytest.skip("needs the throwaway cluster (TEST_DATABASE_URL is set): the test freezes it")
    return postgres[1]


@pytest.fixture
def app_on_postgres(postgres_url, cluster, tmp_path):
    app = bounded_app(postgres_url, tmp_path)
    with app.app_context():
        upgrade()
        db.session.execute(text("TRUNCATE students, users, outbox RESTART IDENTITY CASCADE"))
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@contextmanager
def frozen(cluster):
    cluster.freeze()
    try:
        yield
    finally:
        cluster.thaw()  # whatever the test found: the session's other tests need the server


def timed(call):
    started = time.monotonic()
    answer = call()
    return answer, time.monotonic() - started


def test_a_server_that_accepts_and_never_answers_gets_a_503_json_within_the_timeout(silent_server, tmp_path):
    client = bounded_app(f"postgresql://postgres@127.0.0.1:{silent_server}/none", tmp_path).test_client()
    api, seconds = timed(lambda: client.get("/api/users/", headers=AUTH))
    assert api.status_code == 503 and api.headers["Retry-After"] == "5" and api.json["status"] == 503
    assert TIMEOUT <= seconds < TIMEOUT + 1


def test_a_page_gets_the_html_503_page_and_the_next_request_fails_at_once(silent_server, tmp_path):
    client = bounded_app(f"postgresql://postgres@127.0.0.1:{silent_server}/none", tmp_path).test_client()
    first, first_seconds = timed(lambda: client.get("/students/", headers={"Accept": "text/html"}))
    page, seconds = timed(lambda: client.get("/students/", headers={"Accept": "text/html"}))
    for answer in (first, page):
        assert answer.status_code == 503 and answer.headers["Retry-After"] == "5"
        assert answer.content_type.startswith("text/html") and "The database is not answering" in answer.get_data(as_text=True)
    assert first_seconds < TIMEOUT + 1 and seconds < 0.2  # the breaker is open: the server is not asked


def test_a_frozen_postgresql_costs_one_timeout_then_answers_503_at_once_and_recovers(app_on_postgres, cluster):
    client = app_on_postgres.test_client()
    assert client.get("/api/users/", headers=AUTH).status_code == 200  # a pooled connection, then the freeze
    with frozen(cluster):
        first, first_seconds = timed(lambda: client.get("/api/users/", headers=AUTH))
        later, later_seconds = timed(lambda: client.get("/api/users/", headers=AUTH))
        time.sleep(COOLDOWN)
        probe, probe_seconds = timed(lambda: client.get("/api/users/", headers=AUTH))
    assert [first.status_code, later.status_code, probe.status_code] == [503, 503, 503]
    # the idle connection's ping, its reconnect and the query together stay within one timeout
    assert TIMEOUT <= first_seconds < TIMEOUT + 0.5 and later_seconds < 0.2 and probe_seconds < TIMEOUT + 0.5
    time.sleep(COOLDOWN)
    back, seconds = timed(lambda: client.get("/api/users/", headers=AUTH))
    assert back.status_code == 200 and seconds < 0.5


def test_requests_already_waiting_are_let_go_when_another_one_times_out(app_on_postgres, cluster):
    client = app_on_postgres.test_client()
    assert client.get("/api/users/", headers=AUTH).status_code == 200
    answers = []

    def later_request(delay):
        time.sleep(delay)
        answers.append(timed(lambda: app_on_postgres.test_client().get("/api/users/", headers=AUTH)))

    with frozen(cluster):
        threads = [threading.Thread(target=later_request, args=(delay,)) for delay in (0, 0.5)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    time.sleep(COOLDOWN)
    assert sorted(answer.status_code for answer, _ in answers) == [503, 503]
    assert max(seconds for _, seconds in answers) < TIMEOUT + 0.5  # the second did not wait its own full second


def test_a_slow_statement_is_cancelled_by_postgresql_and_does_not_open_the_breaker(postgres_url, cluster, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_STATEMENT_TIMEOUT", "200")
    monkeypatch.setenv("DATABASE_URL", postgres_url)  # the statement timeout is set for this URL's engine
    app = create_app({"TESTING": True, "UPLOAD_FOLDER": str(tmp_path), "DATABASE_TIMEOUT": TIMEOUT, "DATABASE_COOLDOWN": COOLDOWN, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        try:
            with pytest.raises(Exception, match="statement timeout"):
                db.session.execute(text("SELECT pg_sleep(2)"))
            db.session.rollback()
            assert not app.extensions["database_breakers"][0].is_open()
            assert db.session.execute(text("SELECT 1")).scalar() == 1
        finally:
            db.session.rollback()
            db.engine.dispose()


def test_a_commit_that_is_never_confirmed_says_the_change_may_have_been_saved(app_on_postgres, cluster):
    """Frozen with the INSERT done and the COMMIT on its way: the server commits when it runs again."""

    @app_on_postgres.post("/insert-then-freeze")
    def insert_then_freeze():
        db.session.add(User(username="unconfirmed", email="unconfirmed@example.com"))
        db.session.flush()
        cluster.freeze()
        db.session.commit()
        return "saved"

    try:
        answer, seconds = timed(lambda: app_on_postgres.test_client().post("/insert-then-freeze", headers={"Accept": "application/json"}))
    finally:
        cluster.thaw()
    assert answer.status_code == 503 and seconds < TIMEOUT + 0.5
    assert "may have been saved" in answer.json["message"]
    time.sleep(COOLDOWN)
    with app_on_postgres.app_context():
        assert db.session.scalar(db.select(User).filter_by(username="unconfirmed")) is not None  # it was


def test_a_commit_while_the_database_is_known_stuck_is_never_sent_and_never_saved(app_on_postgres, cluster):
    @app_on_postgres.post("/insert-then-trip")
    def insert_then_trip():
        db.session.add(User(username="never-sent", email="never-sent@example.com"))
        db.session.flush()
        app_on_postgres.extensions["database_breakers"][0].trip()  # another request just timed out
        db.session.commit()
        return "saved"

    answer = app_on_postgres.test_client().post("/insert-then-trip", headers={"Accept": "application/json"})
    assert answer.status_code == 503 and answer.json["message"].startswith("The database is not answering")
    time.sleep(COOLDOWN)
    with app_on_postgres.app_context():
        assert db.session.scalar(db.select(User).filter_by(username="never-sent")) is None


def test_the_breaker_lets_one_probe_through_after_the_cooldown():
    breaker = Breaker(cooldown=0.2)
    assert breaker.admit() == "closed"
    breaker.trip()
    assert breaker.is_open() and breaker.admit() is None
    time.sleep(0.25)
    assert breaker.admit() == "probe" and breaker.admit() is None  # one at a time
    breaker.trip()  # the probe timed out too
    assert breaker.admit() is None
    time.sleep(0.25)
    probe = breaker.admit()
    breaker.answered(probe)
    assert breaker.admit() == "closed" and not breaker.is_open()


def test_a_probe_answered_with_an_error_still_closes_the_breaker(app_on_postgres, cluster):
    """A statement the server refuses (a SQLSTATE) is an answer all the same: the server is back."""
    breaker = app_on_postgres.extensions["database_breakers"][0]
    with app_on_postgres.app_context(), db.engine.connect() as connection:  # checked out and pinged
        breaker.trip()
        time.sleep(COOLDOWN)
        with pytest.raises(DataError):
            connection.execute(text("SELECT 1/0"))  # the probe
        assert breaker.admit() == "closed"


def counting_pings(app, monkeypatch) -> list:
    with app.app_context():
        dialect = db.engine.dialect
    pings, ping = [], dialect.do_ping
    monkeypatch.setattr(dialect, "do_ping", lambda connection: pings.append(1) or ping(connection))
    return pings


def test_a_connection_in_steady_use_is_not_pinged_one_idle_for_a_second_is(app_on_postgres, monkeypatch):
    pings, client = counting_pings(app_on_postgres, monkeypatch), app_on_postgres.test_client()
    assert [client.get("/api/users/").status_code for _ in range(5)] == [200] * 5
    assert pings == []  # no round trip before each query, as pool_pre_ping made
    time.sleep(PING_AFTER_IDLE + 0.1)
    assert client.get("/api/users/").status_code == 200 and pings == [1]


def test_a_connection_that_sat_idle_across_a_database_restart_is_replaced_unseen(app_on_postgres, cluster, monkeypatch):
    pings, client = counting_pings(app_on_postgres, monkeypatch), app_on_postgres.test_client()
    assert client.get("/api/users/").status_code == 200  # a connection in the pool
    cluster.stop_immediately()
    cluster.start_again()
    time.sleep(PING_AFTER_IDLE + 0.1)
    assert client.get("/api/users/").status_code == 200 and pings == [1]  # pinged, found dead, replaced
