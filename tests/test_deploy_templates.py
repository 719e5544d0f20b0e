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
    assert "listen ${STATUS_ADDRESS}:${STATUS_PORT} default_server;" in directives  # the scraper's listener
    assert directives.count("return 421 ") == 3
    assert "server_name ${SERVER_NAME} ${SERVER_ALIASES};" in read("nginx", "snippets", "flask-redirect.conf.template")


def test_the_first_apache_vhost_of_each_port_refuses_other_hosts():
    text = render.render(read("apache", "flask-reference.conf.template"), render.settings({}))
    seen = set()
    for address, body in re.findall(r"<VirtualHost ([^>]+)>(.*?)</VirtualHost>", text, re.S):
        if address in seen:  # the site's own vhosts come after, with their names
            assert "ServerName example.com" in body and "ServerAlias localhost 127.0.0.1" in body
        else:
            assert "ServerName unknown-host.invalid" in body and "RewriteRule ^ - [R=421,L]" in body
            assert address.endswith((":80", ":9180")) or "SSLCertificateFile" in body  # 9180: the status listener
        seen.add(address)
    assert seen == {"*:80", "*:443", "127.0.0.1:9180"}


def test_server_aliases_default_to_the_machines_own_names_for_local_health_checks():
    assert render.settings({})["SERVER_ALIASES"] == "localhost 127.0.0.1"


def rendered(*parts: str) -> str:
    return render.render(read(*parts), render.settings({}))


@pytest.mark.parametrize("server", ["gunicorn", "fastcgi"])
def test_nginx_sends_healthz_alone_to_the_app_servers_health_sockets(server):
    text, values = rendered("nginx", f"{server}-site.conf.template"), render.settings({})
    upstreams = dict(re.findall(r"upstream (\w+) \{(.*?)\}", text, re.S))
    health = {"gunicorn": ["GUNICORN_HEALTH_UPSTREAM"], "fastcgi": ["FASTCGI_HEALTH_UPSTREAM", "FASTCGI_HEALTH_UPSTREAM_2"]}[server]
    assert re.findall(r"server (\S+)", upstreams[f"flask_{server}_health"]) == [values[name] for name in health]
    locations = dict(re.findall(r"location (= /healthz|/) \{\s*(.*?)\s*\}", text, re.S))
    scheme = "http://" if server == "gunicorn" else ""
    pass_ = "proxy_pass" if server == "gunicorn" else "fastcgi_pass"
    # Each location names its upstream and nothing else: both take every setting from the server.
    assert locations == {"/": f"{pass_} {scheme}flask_{server};", "= /healthz": f"{pass_} {scheme}flask_{server}_health;"}


def test_the_health_sockets_nginx_names_are_those_the_app_servers_derive_from_their_own():
    from deploy.health import health_bind

    values = render.settings({})
    for app in ("GUNICORN_UPSTREAM", "FASTCGI_UPSTREAM", "FASTCGI_UPSTREAM_2"):
        assert health_bind(values[app]) == values[app.replace("_UPSTREAM", "_HEALTH_UPSTREAM")]
    assert health_bind("0.0.0.0:9000") == "0.0.0.0:9100" and health_bind("fastcgi-2:9001") == "fastcgi-2:9101"


def test_the_systemd_units_bind_the_health_sockets_nginx_connects_to():
    gunicorn = rendered("systemd", "flask-reference-gunicorn.service.template")
    assert "GUNICORN_HEALTH_BIND=unix:/run/flask-reference/gunicorn-health.sock" in gunicorn
    fcgi = rendered("systemd", "flask-reference-fcgi@.service.template")
    assert "FCGI_HEALTH_BIND_2=unix:/run/flask-reference/fcgi-2-health.sock" in fcgi
    assert "fcgi_server $FCGI_BIND_%i $FCGI_HEALTH_BIND_%i" in fcgi


def test_apache_serves_healthz_alone_in_a_small_daemon_group_of_its_own():
    text = rendered("apache", "flask-reference.conf.template")
    daemons = dict(re.findall(r"^WSGIDaemonProcess (\S+) (.*?)(?<!\\)\n", text, re.S | re.M))
    health = daemons["flask-reference-health"]
    assert "processes=1 threads=2" in health and "python-home=" in health
    # The daemon is chosen per request by WSGI_DAEMON; /healthz's rule comes last, so it wins.
    rules = re.findall(r"^\s*SetEnvIf (.*) WSGI_DAEMON=(\S+)$", text, re.M)
    assert rules[-1] == ('Request_URI "^/healthz$"', "flask-reference-health")
    assert re.search(r"^WSGIImportScript \S+ process-group=flask-reference-health ", text, re.M)  # loaded at start
