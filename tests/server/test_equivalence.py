"""The three servers answer every route of the table the same way, as the native front ends do
(tests/frontends/test_equivalence.py, whose masks for per-request values are used here too).
The servers run one after the other: each is compared with those before it, the last with all."""
from urllib.parse import urlsplit

from tests.frontends.test_equivalence import normalise
from tests.route_table import ROUTES, request

ANSWERS: dict[str, dict] = {}


def test_every_route_answers_as_on_the_servers_before(stack):
    mine = {}
    for route in ROUTES:
        status, body = request(urlsplit(stack.url), route, stack.ssl)
        mine[str(route)] = (status, normalise(body))
    ANSWERS[stack.frontend] = mine
    differences = [(frontend, route, theirs[route][0], mine[route][0], theirs[route][1][:200], mine[route][1][:200])
                   for frontend, theirs in ANSWERS.items() for route in mine if theirs[route] != mine[route]]
    assert differences == []
