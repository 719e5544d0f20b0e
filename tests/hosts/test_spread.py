"""Requests through the balancer spread over every app host (counted in each host's own log)."""
from tests.stacks.hosts import APP_HOSTS

REQUESTS = 60


def test_requests_spread_over_every_app_host(stack, figures):
    before = stack.requests_per_host()
    statuses = [stack.request("GET", "/").status for _ in range(REQUESTS)]
    spread = {name: stack.requests_per_host()[name] - before[name] for name in APP_HOSTS}
    figures(requests=REQUESTS, spread=spread)
    assert statuses == [200] * REQUESTS
    assert sum(spread.values()) == REQUESTS
    assert min(spread.values()) >= REQUESTS // (3 * len(APP_HOSTS))  # round robin: about a third each
