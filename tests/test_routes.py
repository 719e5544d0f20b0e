"""The route table through the app itself; the front-end tests run the same table through servers."""
from urllib.parse import urlsplit

import pytest

from app.catalog import FEATURES
from tests.route_table import ROUTES


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_route_answers_as_the_table_says(client, route):
    response = client.open(route.path, method=route.method, headers=route.headers)
    body = response.get_data().decode("utf-8", errors="replace")
    assert response.status_code == route.status, body[:500]
    assert route.contains in body
    assert "Traceback" not in body


def test_index_links_every_feature_and_each_link_is_in_the_table(client):
    index = client.get("/").get_data(as_text=True)
    table = {urlsplit(route.path).path for route in ROUTES} | {route.path for route in ROUTES}
    with client.application.test_request_context():
        from flask import url_for

        for feature in FEATURES:
            url = url_for(feature.endpoint, **feature.values)
            assert f'href="{url}"' in index.replace("&amp;", "&"), feature
            assert url in table or urlsplit(url).path in table, f"{url} has no row in tests/route_table.py"


def test_head_answers_without_a_body(client):
    response = client.head("/methods")
    assert response.status_code == 200
    assert response.get_data() == b""
