"""deploy/ templates: every ${NAME} has a documented value, and one variable sets both body limits."""
import glob
import os
import re

import pytest

from deploy import render

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEMPLATES = sorted(glob.glob(os.path.join(ROOT, "deploy", "**", "*.template"), recursive=True))


@pytest.mark.parametrize("template", TEMPLATES, ids=os.path.basename)
def test_every_template_variable_is_documented_in_defaults_env(template):
    text = open(template).read()
    used = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)\}", text))
    assert used <= set(render.defaults()), used - set(render.defaults())
    assert "${" not in render.render(text, render.settings({}))


def test_max_body_size_follows_max_content_length():
    assert render.settings({"MAX_CONTENT_LENGTH": "1048576"})["MAX_BODY_SIZE"] == "1048576"
    assert render.settings({"MAX_CONTENT_LENGTH": "1", "MAX_BODY_SIZE": "2"})["MAX_BODY_SIZE"] == "2"


def test_an_empty_value_is_refused():
    with pytest.raises(SystemExit, match="SERVER_NAME is empty"):
        render.render("server_name ${SERVER_NAME};", {**render.defaults(), "SERVER_NAME": ""})


def test_the_environment_overrides_the_defaults_and_nginx_variables_are_left_alone():
    text = render.render("listen ${LISTEN_PORT}; proxy_set_header Host $host:$server_port;", render.settings({"LISTEN_PORT": "8080"}))
    assert text == "listen 8080; proxy_set_header Host $host:$server_port;"


def read(*parts: str) -> str:
    with open(os.path.join(ROOT, "deploy", *parts)) as f:
        return f.read()


def test_every_nginx_snippet_is_rendered_by_the_container_the_native_runner_and_the_server_install():
    # Each renders the whole folder, so a new snippet cannot be left out of one of them.
    assert 'for template in "$dir"/templates/snippets/*.conf.template' in read("docker", "nginx-entrypoint.sh")
    runner = open(os.path.join(ROOT, "tests", "stacks", "native", "frontends.py")).read()
    assert 'os.listdir(os.path.join(DEPLOY, "nginx", "snippets"))' in runner
    install = read("install")
    assert "for template in deploy/nginx/snippets/*.conf.template" in install
    assert "render nginx/snippets/flask-limits.conf.template /etc/nginx/conf.d/" in install


@pytest.mark.parametrize("site", ["gunicorn-site.conf.template", "fastcgi-site.conf.template"])
def test_both_nginx_sites_serve_their_names_only_and_include_the_default_server(site):
    text = read("nginx", site)
    assert "include ${NGINX_SNIPPETS}/flask-default-server.conf;" in text
    assert "server_name ${SERVER_NAME} ${SERVER_ALIASES};" in text
    assert "default_server" not in text  # the snippet holds the only default servers


def test_the_nginx_default_server_refuses_other_hosts_on_both_ports_with_the_sites_certificate():
    text = read("nginx", "snippets", "flask-default-server.conf.template")
    directives = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    assert "listen ${LISTEN_ADDRESS}:${LISTEN_PORT} default_server;" in directives
    assert "listen ${LISTEN_ADDRESS}:${HTTPS_PORT} ssl default_server;" in directives
    # No SNI (a client that connects to an address) must still complete the handshake, then read the 421.
    assert "include ${NGINX_SNIPPETS}/flask-tls.conf;" in directives and "ssl_reject_handshake" not in directives
    assert directives.count("return 421 ") == 2
    assert "server_name ${SERVER_NAME} ${SERVER_ALIASES};" in read("nginx", "snippets", "flask-redirect.conf.template")


def test_the_first_apache_vhost_of_each_port_refuses_other_hosts():
    text = render.render(read("apache", "flask-reference.conf.template"), render.settings({}))
    seen = set()
    for address, body in re.findall(r"<VirtualHost ([^>]+)>(.*?)</VirtualHost>", text, re.S):
        if address in seen:  # the site's own vhosts come after, with their names
            assert "ServerName example.com" in body and "ServerAlias localhost 127.0.0.1" in body
        else:
            assert "ServerName unknown-host.invalid" in body and "RewriteRule ^ - [R=421,L]" in body
            assert address.endswith(":80") or "SSLCertificateFile" in body
        seen.add(address)
    assert seen == {"*:80", "*:443"}


def test_server_aliases_default_to_the_machines_own_names_for_local_health_checks():
    assert render.settings({})["SERVER_ALIASES"] == "localhost 127.0.0.1"
