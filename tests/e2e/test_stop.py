"""Last for each profile: each server stopped as compose stops it (`compose stop`: the image's STOPSIGNAL,
SIGKILL after stop_grace_period) while a request body is still being sent to it.

It passes when the stop signal reached the container mid-body, the request completed with 200 (the
app read every byte) and the container exited 0. The web server first, then each app server, where
the host can reach it on its own port (nginx reads a whole body before it passes a request on), then
the outbox sender, with no request: only its exit code. The services stay stopped.
"""
import time
from typing import NamedTuple

import pytest

from tests.faults.inflight import InFlight
from tests.stacks import FRONTENDS
from tests.stacks.compose import APP_SERVERS, WEB_SERVER, ComposeStack

# compose takes a second or two to start and send the signal: the body outlasts that.
BODY_SECONDS = 6.0


class Stop(NamedTuple):
    """One service of one profile. Session-scoped like the stack, and unique to its profile, so that
    pytest keeps it with the rest of that profile's tests (after them: this module comes last)."""

    frontend: str
    service: str


STOPS = [Stop(frontend, service) for frontend in FRONTENDS
         for service in dict.fromkeys([WEB_SERVER[frontend], *APP_SERVERS[frontend], "outbox"])]


@pytest.mark.parametrize("stack, stop", [(stop.frontend, stop) for stop in STOPS], indirect=["stack"], scope="session",
                         ids=[f"{stop.frontend}-{stop.service}" for stop in STOPS])
def test_the_server_stops_gracefully_with_a_request_in_flight(stack: ComposeStack, stop: Stop):
    service = stop.service
    url = stack.url if service == stack.web_service else stack.app_url(service)
    if url is None:  # no door to it from here: its exit code alone
        assert stack.project.stop(service)[1] == 0
        return
    with InFlight(url, seconds=BODY_SECONDS, ca_file=stack.ca) as request:
        signalled, exit_code = stack.project.stop(service)
    outcome = request.outcome
    wall = time.time() - time.monotonic()  # turns the request's monotonic times into wall-clock ones
    assert outcome.status == 200 and outcome.complete, outcome
    assert signalled and outcome.started + wall < signalled < outcome.body_sent + wall, \
        "the stop signal did not arrive while the body was sent: nothing proven"
    assert exit_code == 0
