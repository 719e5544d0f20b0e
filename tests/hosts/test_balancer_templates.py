"""The nginx sites take a list of app hosts: an upstream value with commas is a server line each."""
import os

from deploy import render
from tests.stacks.native.frontends import DEPLOY

HOSTS = "198.51.100.11:{port},198.51.100.12:{port}"


def rendered(template: str, **values: str) -> str:
    with open(os.path.join(DEPLOY, "nginx", template)) as source:
        return render.render(source.read(), render.settings(values))


def test_an_upstream_list_renders_one_server_line_per_app_host():
    site = rendered("gunicorn-site.conf.template", GUNICORN_UPSTREAM=HOSTS.format(port=8000), GUNICORN_HEALTH_UPSTREAM=HOSTS.format(port=8100))
    assert "server 198.51.100.11:8000 fail_timeout=0;\n    server 198.51.100.12:8000 fail_timeout=0;" in site
    assert "server 198.51.100.12:8100 fail_timeout=0;" in site and "," not in site.split("upstream flask_gunicorn_health")[1].split("}")[0]


def test_a_single_upstream_renders_as_before():
    site = rendered("fastcgi-site.conf.template")
    assert site.count("server unix:/run/flask-reference/fcgi.sock max_fails=0;") == 1


def test_the_balancer_site_lists_every_host_and_verifies_them():
    site = rendered("balancer-site.conf.template", BALANCER_UPSTREAM=HOSTS.format(port=443), SERVER_NAME="shop.example")
    assert site.count("server 198.51.100.1") == 2
    assert "proxy_ssl_verify on;" in site and "proxy_ssl_name shop.example;" in site
