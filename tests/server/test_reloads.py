"""`systemctl reload` of every service of the server, under traffic, loses no request (Apache: at
most the requests in flight at each graceful restart, as make faults documents)."""
import time

from tests.faults.load import DATABASE_READ, HELLO, TEMPLATE, Load, failures

CONNECTIONS, SECONDS = 32, 20.0


def test_systemctl_reload_of_each_service_under_traffic_loses_no_request(stack):
    stack.seed_users(20)
    web = ("systemctl reload " + ("apache2" if stack.frontend == "apache" else "nginx"), stack.reload_web_server)
    app = ("systemctl reload of the app server(s)", stack.reload_app_server)
    plan = [(4, web), (12, web)] if stack.frontend == "apache" else [(3, web), (6, web), (9, app), (14, app)]
    with Load(stack, [HELLO, TEMPLATE, DATABASE_READ], connections=CONNECTIONS, seconds=SECONDS) as load:
        for moment, (_, action) in plan:
            time.sleep(max(0.0, moment - load.now()))
            action()
    bad = failures(load.samples)
    assert len(load.samples) > 100
    if stack.frontend == "apache":
        assert len(bad) <= CONNECTIONS * len(plan), bad[:5]
    else:
        assert not bad, bad[:5]
