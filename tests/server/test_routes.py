"""The installed server answers: every route of the route table (as make smoke checks a stack), and
/readyz over HTTPS with the certificate the install made, plain HTTP redirecting to it."""
import http.client
import urllib.parse

import pytest

from tests.route_table import ROUTES, check


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_route_answers_as_the_table_says(stack, route):
    assert check(urllib.parse.urlsplit(stack.url), route, stack.ssl) is None


def test_readyz_over_https_with_the_installed_certificate(stack):
    answer = stack.request("GET", "/readyz")
    assert (answer.status, answer.body) == (200, b'{"database":"ok","status":"ok"}\n')
    plain = http.client.HTTPConnection(stack.host, stack.http_port, timeout=10)
    try:
        plain.request("GET", "/readyz", headers={"Host": "shop.example"})
        redirect = plain.getresponse()
    finally:
        plain.close()
    location = urllib.parse.urlsplit(redirect.getheader("Location", ""))
    assert redirect.status == 308
    assert (location.scheme, location.hostname, location.port or 443, location.path) == ("https", "shop.example", 443, "/readyz")
