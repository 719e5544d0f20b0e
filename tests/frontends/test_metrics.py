"""/metrics through every front end: totals exact over all of its processes (gunicorn's workers,
mod_wsgi's daemons, both flup back ends), after one is killed and after a graceful reload; refused
on the public side; the web server's own status on its loopback listener."""
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor

from prometheus_client.parser import text_string_to_metric_families

ROUTE, N = "/hello", 60
STATUS_PAGE_SAYS = {"apache": b"Total Accesses", "gunicorn": b"Active connections", "fastcgi": b"Active connections"}


def scrape(stack) -> dict[str, list]:
    response = stack.status_request("/metrics")
    assert response.status == 200, response.body[:300]
    return {family.name: family.samples for family in text_string_to_metric_families(response.body.decode())}


def answered(stack, route: str = ROUTE) -> float:
    """The app's own count of GET `route` answered 200, summed over every process, dead ones too."""
    return sum(sample.value for sample in scrape(stack).get("flask_reference_http_requests", [])
               if sample.name.endswith("_total") and sample.labels == {"route": route, "method": "GET", "status": "200"})


def drive(stack, count: int = N) -> int:
    """`count` GETs from 8 clients at once, so several processes serve them; returns the 200s."""
    def one(_):
        try:
            return stack.request("GET", ROUTE).status == 200
        except OSError:
            return False
    with ThreadPoolExecutor(8) as pool:
        return sum(pool.map(one, range(count)))


def wait_for_replacement(stack, victim: int, expected: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while victim in (now := stack.app_pids()) or len(now) < expected:
        assert time.monotonic() < deadline, f"process {victim} was not replaced within {timeout:.0f} s"
        time.sleep(0.1)


def test_metrics_count_every_request_once_across_all_processes(stack):
    before = answered(stack)
    ok = drive(stack)
    assert ok == N
    assert answered(stack) == before + ok


def test_metrics_keep_the_counts_of_a_killed_process(stack):
    before, processes = answered(stack), len(stack.app_pids())
    ok = drive(stack)
    victim = max(stack.page_pids())  # idle now, so no request dies with it
    os.kill(victim, signal.SIGKILL)
    wait_for_replacement(stack, victim, processes)
    ok += drive(stack)
    assert ok == 2 * N
    assert answered(stack) == before + ok


def test_metrics_keep_counting_across_a_graceful_reload(stack):
    before = answered(stack)
    ok = drive(stack)
    # gunicorn and Apache replace every process; flup starts again in place (the same pid, a fresh
    # interpreter), and reload_app_server() waited for each back end.
    replaced = stack.frontend != "fastcgi"
    old = stack.app_pids() if replaced else set()
    stack.reload_app_server()  # gunicorn HUP, a rolling restart of the flup back ends, apache2 -k graceful
    deadline = time.monotonic() + 60
    while (replaced and stack.app_pids() & old) or not stack.healthy():
        assert time.monotonic() < deadline, "the app server did not reload within 60 s"
        time.sleep(0.2)
    ok += drive(stack)
    assert answered(stack) == before + ok and ok >= 2 * N - 8  # Apache's graceful may cut a request in flight


def test_metrics_report_the_outbox_the_pools_and_the_build(stack):
    drive(stack, 8)
    families = scrape(stack)
    assert [s.value for s in families["flask_reference_outbox_up"]] == [1]
    assert {s.labels["state"] for s in families["flask_reference_outbox_messages"]} == {"waiting", "sent", "failed"}
    assert families["flask_reference_db_pool_size"][0].value >= 5  # one pool per live process, summed
    assert families["flask_reference_build_info"][0].labels["version"]


def test_metrics_are_refused_on_the_public_listener(stack):
    for headers in ({}, {"X-Forwarded-For": "127.0.0.1"}, {"Authorization": "Bearer guess"}):
        response = stack.request("GET", "/metrics", headers=headers)
        assert response.status in (403, 404) and b"flask_reference" not in response.body


def test_status_listener_serves_the_web_servers_status_and_nothing_else(stack):
    status = stack.status_request("/server-status?auto")
    assert status.status == 200 and STATUS_PAGE_SAYS[stack.frontend] in status.body
    assert stack.status_request(ROUTE).status == 404
