"""One app host killed (SIGKILL of every app process on it) under GET load: nginx sends what that
host refused, or dropped before answering, to the next (proxy_next_upstream / fastcgi_next_upstream).
A GET is lost only if it was in flight there and its answer had begun to reach the client (nginx
cannot send it again then): every failure must have been in flight at the kill. The host comes
back afterwards."""
from tests.faults.load import DATABASE_READ, HELLO, TEMPLATE, Load, failures, sleep_until, statuses

from .conftest import LOAD_SECONDS


def test_an_app_host_killed_under_load_loses_only_gets_in_flight_there(stack, figures):
    victim = stack.app_hosts[1]
    before = stack.requests_per_host()
    with Load(stack, [HELLO, TEMPLATE, DATABASE_READ], connections=16, seconds=LOAD_SECONDS) as load:
        sleep_until(load, LOAD_SECONDS / 3)
        kill_began = load.now()
        killed = victim.kill()
        killed_at = load.now()
    samples = load.samples
    after = stack.requests_per_host()
    victim.start()
    lost = failures(samples)
    in_flight = [s for s in samples if s.start < killed_at and s.end > kill_began]  # on any host
    lost_later = [s for s in lost if s not in in_flight]
    figures(requests=len(samples), statuses=statuses(samples), lost=len(lost), in_flight_at_the_kill=len(in_flight), processes_killed=killed,
            killed_at=f"{killed_at:.1f}s", spread={name: after[name] - before[name] for name in after})
    assert killed > 0
    assert lost_later == [], [(s.path, s.status, s.error, f"{s.start:.2f}") for s in lost_later[:10]]
