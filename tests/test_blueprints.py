"""Blueprints: simple_page registered twice, TemplateNotFound as 404, admin's own static folder."""
import re

import pytest


@pytest.mark.parametrize(("prefix", "name"), [("/pages", "simple_page"), ("/help", "help_pages")])
def test_simple_page_serves_its_templates_under_each_prefix(client, prefix, name):
    index = client.get(f"{prefix}/").get_data(as_text=True)
    assert f"<code>{name}</code> registration" in index
    assert f'href="{prefix}/hello"' in index  # url_for('.show') stays inside the same registration
    assert "pages/hello.html" in client.get(f"{prefix}/hello").get_data(as_text=True)


@pytest.mark.parametrize("page", ["missing", "..", "index.html", "%2e%2e%2fbase"])
def test_unknown_blueprint_page_is_a_404(client, page):
    response = client.get(f"/pages/{page}")
    assert response.status_code == 404
    assert "Traceback" not in response.get_data(as_text=True)


def test_admin_has_its_own_static_folder_and_relative_url_for(client):
    index = client.get("/admin/").get_data(as_text=True)
    assert re.search(r'href="/admin/static/admin\.css\?v=[0-9a-f]{12}"', index) and 'href="/admin/settings"' in index
    assert 'href="/admin/"' in client.get("/admin/settings").get_data(as_text=True)
    assert client.get("/admin/static/admin.css").status_code == 200
    assert client.get("/admin/static/../__init__.py").status_code == 404
