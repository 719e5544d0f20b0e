"""/metrics: labels that stay bounded, who may read it, and what it reports (front ends:
tests/frontends/test_metrics.py)."""
import os
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata

import pytest
from prometheus_client.parser import text_string_to_metric_families

from app import create_app
from app.extensions import db
from app.mail.models import OutboxMessage
from app.metrics.instruments import instruments
from deploy import metrics as metrics_dirs

PUBLIC = {"REMOTE_ADDR": "203.0.113.7"}


def scrape(client, **kwargs) -> dict:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain; version=")
    return {family.name: family.samples for family in text_string_to_metric_families(response.get_data(as_text=True))}


def requests_counted(client, route: str, method: str = "GET", status: str = "200") -> float:
    wanted = {"route": route, "method": method, "status": status}
    return sum(s.value for s in scrape(client).get("flask_reference_http_requests", [])
               if s.name.endswith("_total") and s.labels == wanted)


def test_metrics_count_requests_by_route_template_method_and_status(client):
    before = requests_counted(client, "/post/<int:post_id>")
    client.get("/post/1")
    client.get("/post/2")
    assert requests_counted(client, "/post/<int:post_id>") == before + 2
    before = requests_counted(client, "/methods", "POST", "201")
    client.post("/methods")
    assert requests_counted(client, "/methods", "POST", "201") == before + 1


def test_metrics_label_every_unmatched_path_as_one_route(client):
    before = requests_counted(client, "unmatched", status="404")
    client.get("/no-such-page-8d1f")
    client.get("/another/missing/page")
    text = client.get("/metrics").get_data(as_text=True)
    assert "no-such-page-8d1f" not in text and "/another/missing" not in text
    assert requests_counted(client, "unmatched", status="404") == before + 2


def test_metrics_time_each_request_in_the_histogram(client):
    client.get("/hello")
    samples = scrape(client)["flask_reference_http_request_duration_seconds"]
    labels = {"route": "/hello", "method": "GET", "status": "200"}
    count = next(s.value for s in samples if s.name.endswith("_count") and s.labels == labels)
    infinite = next(s.value for s in samples if s.name.endswith("_bucket") and s.labels == {**labels, "le": "+Inf"})
    assert count == infinite >= 1


@pytest.mark.parametrize("environ, headers", [
    (PUBLIC, {}),
    # A loopback peer (a proxy on this host) that forwards a public client.
    ({}, {"X-Forwarded-For": "203.0.113.7"}),
    # A public client that claims to be loopback, through a proxy that appends its real address.
    ({}, {"X-Forwarded-For": "127.0.0.1, 203.0.113.7"}),
    ({"REMOTE_ADDR": ""}, {}),  # a unix socket peer with nothing forwarded: nobody knows who
], ids=["public", "forwarded-public", "forged-loopback", "no-address"])
def test_metrics_are_not_found_by_a_client_that_is_not_this_host(client, environ, headers):
    assert client.get("/metrics", environ_base=environ, headers=headers).status_code == 404


def test_metrics_see_through_a_forged_loopback_address_behind_proxy_fix(tmp_path):
    app = create_app({"TESTING": True, "PROXY_FIX_COUNT": 1, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'a.sqlite3'}"})
    client = app.test_client()
    assert client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1, 203.0.113.7"}).status_code == 404
    assert client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 200


def test_metrics_answer_loopback_clients_without_a_token(client):
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    assert client.get("/metrics").status_code == 200  # the test client's 127.0.0.1


def test_metrics_answer_a_bearer_of_metrics_token_from_anywhere(app, client):
    app.config["METRICS_TOKEN"] = "s3cret-metrics-token"
    assert client.get("/metrics", environ_base=PUBLIC, headers={"Authorization": "Bearer s3cret-metrics-token"}).status_code == 200
    for wrong in ("Bearer s3cret", "Bearer s3cret-metrics-token-and-more", "Basic s3cret-metrics-token", ""):
        assert client.get("/metrics", environ_base=PUBLIC, headers={"Authorization": wrong}).status_code == 404


def test_metrics_take_no_empty_token_when_none_is_set(app, client):
    app.config["METRICS_TOKEN"] = None
    assert client.get("/metrics", environ_base=PUBLIC, headers={"Authorization": "Bearer "}).status_code == 404


def test_metrics_report_the_outbox_from_the_database(app, client):
    sent_at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    with app.app_context():
        db.session.add_all([
            OutboxMessage(message_id="<a@test>", sender="a@test", recipients="b@test", raw=b"x"),
            OutboxMessage(message_id="<b@test>", sender="a@test", recipients="b@test", raw=b"x", last_error="550 no"),
            OutboxMessage(message_id="<c@test>", sender="a@test", recipients="b@test", raw=b"x", sent_at=sent_at),
        ])
        db.session.commit()
    families = scrape(client)
    assert {s.labels["state"]: s.value for s in families["flask_reference_outbox_messages"]} == {"waiting": 2, "sent": 1, "failed": 1}
    assert families["flask_reference_outbox_last_sent_timestamp_seconds"][0].value == sent_at.timestamp()
    assert families["flask_reference_outbox_up"][0].value == 1


def test_metrics_count_pooled_connections_in_use_and_beyond_the_pool(app):
    registry = instruments().registry
    value = lambda name: registry.get_sample_value(f"flask_reference_db_connections_{name}", {"engine": "default"})  # noqa: E731
    with app.app_context():
        size = db.engine.pool.size()
        connections = [db.engine.connect() for _ in range(size + 1)]
        assert (value("in_use"), value("overflow")) == (size + 1, 1)
        for connection in connections:
            connection.close()
        assert (value("in_use"), value("overflow")) == (0, 0)


def test_metrics_name_the_build(client, monkeypatch):
    monkeypatch.setenv("BUILD_REVISION", "abc1234")
    [info] = scrape(client)["flask_reference_build_info"]
    assert info.labels == {"version": metadata.version("flask-reference-app"), "revision": "abc1234"} and info.value == 1


def test_metrics_folder_of_gunicorn_starts_empty_and_flup_s_is_shared(tmp_path, monkeypatch):
    monkeypatch.setenv("METRICS_DIR", str(tmp_path))
    monkeypatch.setenv(metrics_dirs.VARIABLE, "")  # restored after: use() names the folder here
    stale = tmp_path / "gunicorn" / "counter_123.db"
    stale.parent.mkdir()
    stale.write_bytes(b"old")
    assert metrics_dirs.start_afresh("gunicorn") == os.environ[metrics_dirs.VARIABLE] == str(tmp_path / "gunicorn")
    assert not stale.exists()
    (tmp_path / "fastcgi").mkdir()
    (tmp_path / "fastcgi" / "counter_1.db").write_bytes(b"the other back end's")
    assert metrics_dirs.use("fastcgi") == str(tmp_path / "fastcgi")
    assert (tmp_path / "fastcgi" / "counter_1.db").exists()


def test_metrics_folder_of_mod_wsgi_is_its_apache_s_and_those_of_gone_apaches_go(tmp_path, monkeypatch):
    monkeypatch.setenv("METRICS_DIR", str(tmp_path))
    monkeypatch.setenv(metrics_dirs.VARIABLE, "")
    gone = tmp_path / "apache-999999999"  # above any pid_max: never a live process
    gone.mkdir()
    folder = metrics_dirs.use_for_this_apache()
    assert folder == str(tmp_path / f"apache-{os.getppid()}") and not gone.exists()


# Each process: a few GETs of /hello, then its own /metrics, in multiprocess mode (the app servers'
# way, PROMETHEUS_MULTIPROC_DIR set by deploy/metrics.py before the app is imported).
PROCESS = """
import sys
from app import create_app
client = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": sys.argv[2]}).test_client()
for _ in range(int(sys.argv[1])):
    client.get("/hello")
with open(sys.argv[3], "w") as out:  # not stdout: the app logs there
    out.write(client.get("/metrics").get_data(as_text=True))
"""


def test_metrics_sum_the_counts_of_every_process_dead_ones_too(tmp_path):
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
    database = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    scraped = tmp_path / "scraped.txt"
    for count in (3, 4, 5):
        subprocess.run([sys.executable, "-c", PROCESS, str(count), database, str(scraped)], env=env, capture_output=True,
                       check=True, cwd=os.path.dirname(os.path.dirname(__file__)))
    families = {family.name: family.samples for family in text_string_to_metric_families(scraped.read_text())}
    [total] = [s.value for s in families["flask_reference_http_requests"]
               if s.name.endswith("_total") and s.labels == {"route": "/hello", "method": "GET", "status": "200"}]
    assert total == 3 + 4 + 5  # the first two processes ended before the last one counted
    # Their live gauges went with them (nobody called mark_process_dead: the scrape found them gone).
    assert [s.value for s in families["flask_reference_db_pool_size"]] == [5]


def test_metrics_label_a_nonstandard_method_as_other(client):
    before = requests_counted(client, "unmatched", "other", "404")
    client.open("/no-such-page", method="BREW")
    assert "BREW" not in client.get("/metrics").get_data(as_text=True)
    assert requests_counted(client, "unmatched", "other", "404") == before + 1


def test_metrics_can_be_turned_off():
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "METRICS": False})
    client = app.test_client()
    client.get("/hello")
    assert client.get("/metrics").status_code == 404
