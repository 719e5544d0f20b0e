"""Every route of the route table answers as the table says, through the running stack."""
import urllib.parse

import pytest

from tests.route_table import ROUTES, check

pytestmark = pytest.mark.smoke


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_route_answers_as_the_table_says(stack, route):
    context = stack.ssl if urllib.parse.urlsplit(stack.url).scheme == "https" else None
    assert check(urllib.parse.urlsplit(stack.url), route, context) is None
