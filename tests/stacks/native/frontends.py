"""What differs between the front ends, for the runner: which deploy/ templates, which servers.

Every file a server reads is rendered from deploy/ into the state folder, so the tests prove the
same templates an operator copies.
"""
import grp
import importlib.util
import os
import pwd
import sys

from deploy import render

from .processes import SERVICE_USER

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
DEPLOY = os.path.join(PROJECT_DIR, "deploy")
NGINX_TEMP = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")  # nginx.conf.template puts them in RUN_DIR


def service_account() -> tuple[str, str]:
    """Who the servers' workers run as: www-data when the runner is root, else the runner's user."""
    if os.geteuid() == 0:
        return SERVICE_USER, SERVICE_USER
    return pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid()).gr_name


def template_values(state: str, info: dict, env: dict) -> dict:
    user, group = service_account()
    values = render.settings(env)
    try:  # mod_wsgi is installed only where Apache is used
        wsgi_spec = importlib.util.find_spec("mod_wsgi.server")
    except ModuleNotFoundError:
        wsgi_spec = None
    values.update(
        APP_DIR=PROJECT_DIR,
        VENV_DIR=sys.prefix,
        STATIC_DIR=os.path.join(PROJECT_DIR, "app", "static"),
        SERVER_NAME="127.0.0.1",
        SERVER_ALIASES="localhost",  # with SERVER_NAME, what TRUSTED_HOSTS says (runner.app_environment)
        LISTEN_ADDRESS="127.0.0.1",  # loopback only: nothing here is meant for the network
        LISTEN_PORT=str(info["port"]),
        HTTPS_PORT=str(info["https_port"]),
        STATUS_ADDRESS="127.0.0.1",
        STATUS_PORT=str(info["status_port"]),
        TLS_CERT=info["tls"]["cert"],
        TLS_KEY=info["tls"]["key"],
        ACME_ROOT=os.path.join(state, "acme"),
        RUN_DIR=state,
        NGINX_USER=user,
        NGINX_SITE=os.path.join(state, "site.conf"),
        APACHE_SITE=os.path.join(state, "site.conf"),
        NGINX_SNIPPETS=state,
        NGINX_ACCESS_LOG=os.path.join(state, "nginx-access.log"),
        NGINX_ERROR_LOG=os.path.join(state, "nginx-error.log"),
        GUNICORN_UPSTREAM=f"unix:{state}/run/gunicorn.sock",
        FASTCGI_UPSTREAM=f"unix:{state}/run/fcgi-1.sock",
        FASTCGI_UPSTREAM_2=f"unix:{state}/run/fcgi-2.sock",
        # /healthz's own sockets, named as the app servers derive them (deploy/health.py).
        GUNICORN_HEALTH_UPSTREAM=f"unix:{state}/run/gunicorn-health.sock",
        FASTCGI_HEALTH_UPSTREAM=f"unix:{state}/run/fcgi-1-health.sock",
        FASTCGI_HEALTH_UPSTREAM_2=f"unix:{state}/run/fcgi-2-health.sock",
        APACHE_ERROR_LOG=os.path.join(state, "apache-error.log"),
        APACHE_ACCESS_LOG=os.path.join(state, "apache-access.log"),
        WSGI_USER=user,
        WSGI_GROUP=group,
        WSGI_SOCKET_PREFIX=os.path.join(state, "wsgi"),
    )
    if wsgi_spec:
        folder = wsgi_spec.submodule_search_locations[0]
        values["WSGI_MODULE"] = os.path.join(folder, next(f for f in os.listdir(folder) if f.startswith("mod_wsgi") and f.endswith(".so")))
    return values


def render_to(state: str, name: str, template: str, values: dict) -> str:
    with open(os.path.join(DEPLOY, template)) as source:
        text = render.render(source.read(), values)
    path = os.path.join(state, name)
    with open(path, "w") as out:
        out.write(text)
    return path


def nginx_config(state: str, site_template: str, values: dict) -> str:
    """The operator's site file and snippet, inside the self-contained main config from deploy/."""
    for template in sorted(os.listdir(os.path.join(DEPLOY, "nginx", "snippets"))):
        render_to(state, template.removesuffix(".template"), f"nginx/snippets/{template}", values)
    render_to(state, "site.conf", site_template, values)
    for name in NGINX_TEMP:
        os.makedirs(os.path.join(state, name), exist_ok=True)
    return render_to(state, "nginx.conf", "nginx/nginx.conf.template", values)


def apache_config(state: str, values: dict) -> str:
    """The operator's vhost, inside the self-contained main config from deploy/."""
    render_to(state, "site.conf", "apache/flask-reference.conf.template", values)
    render_to(state, "flask-reference-limits.conf", "apache/flask-reference-limits.conf.template", values)  # RUN_DIR is state
    return render_to(state, "httpd.conf", "apache/httpd.conf.template", values)
