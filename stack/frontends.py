"""What differs between the front ends, for the runner: which deploy/ templates, which servers.

Every file a server reads is rendered from deploy/ into the state folder, so the tests prove the
same templates an operator copies.
"""
import grp
import importlib.util
import os
import pwd
import shutil
import sys

from .processes import SERVICE_USER

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEPLOY = os.path.join(PROJECT_DIR, "deploy")
FRONTENDS = ("apache", "gunicorn", "fastcgi")
NGINX_TEMP = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def _load_render():
    spec = importlib.util.spec_from_file_location("deploy_render", os.path.join(DEPLOY, "render.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


render = _load_render()


def service_account() -> tuple[str, str]:
    if os.geteuid() == 0:
        return SERVICE_USER, SERVICE_USER
    return pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid()).gr_name


def template_values(state: str, port: int, env: dict) -> dict:
    user, group = service_account()
    values = render.settings(env)
    values.update(
        APP_DIR=PROJECT_DIR,
        VENV_DIR=sys.prefix,
        STATIC_DIR=os.path.join(PROJECT_DIR, "app", "static"),
        SERVER_NAME="127.0.0.1",
        LISTEN_ADDRESS="127.0.0.1",  # loopback only: nothing here is meant for the network
        LISTEN_PORT=str(port),
        NGINX_SNIPPETS=state,
        NGINX_ACCESS_LOG=os.path.join(state, "nginx-access.log"),
        NGINX_ERROR_LOG=os.path.join(state, "nginx-error.log"),
        GUNICORN_UPSTREAM=f"unix:{state}/run/gunicorn.sock",
        FASTCGI_UPSTREAM=f"unix:{state}/run/fcgi.sock",
        APACHE_LOG_DIR=state,
        WSGI_USER=user,
        WSGI_GROUP=group,
        WSGI_SOCKET_PREFIX=os.path.join(state, "wsgi"),
    )
    return values


def write(state: str, name: str, text: str) -> str:
    path = os.path.join(state, name)
    with open(path, "w") as out:
        out.write(text)
    return path


def render_template(template: str, values: dict) -> str:
    with open(os.path.join(DEPLOY, template)) as source:
        return render.render(source.read(), values)


def nginx_config(state: str, site_template: str, values: dict) -> str:
    """A minimal main nginx.conf around the operator's site file and snippet."""
    write(state, "flask-app.conf", render_template("nginx/snippets/flask-app.conf.template", values))
    write(state, "site.conf", render_template(site_template, values))
    shutil.copy("/etc/nginx/fastcgi_params", os.path.join(state, "fastcgi_params"))
    temp = os.path.join(state, "nginx-temp")
    for name in NGINX_TEMP:
        os.makedirs(os.path.join(temp, name), exist_ok=True)
    user = f"user {SERVICE_USER} {SERVICE_USER};" if os.geteuid() == 0 else ""
    temp_paths = "\n".join(f"    {name}_temp_path {temp}/{name};" for name in NGINX_TEMP)
    return write(state, "nginx.conf", f"""{user}
worker_processes auto;
worker_rlimit_nofile 4096;
pid {state}/nginx.pid;
error_log {state}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    keepalive_timeout 65;
{temp_paths}
    include {state}/site.conf;
}}
""")


def apache_config(state: str, values: dict) -> str:
    """A minimal main httpd.conf (no Debian envvars, no other sites) around the operator's vhost."""
    write(state, "site.conf", render_template("apache/flask-reference.conf.template", values))
    os.makedirs(os.path.join(state, "apache-run"), exist_ok=True)
    modules = "/usr/lib/apache2/modules"
    wsgi_module = importlib.util.find_spec("mod_wsgi.server").submodule_search_locations[0]
    wsgi_so = next(f for f in os.listdir(wsgi_module) if f.startswith("mod_wsgi") and f.endswith(".so"))
    user = f"User {SERVICE_USER}\nGroup {SERVICE_USER}" if os.geteuid() == 0 else ""
    loads = "\n".join(
        f"LoadModule {name}_module {modules}/mod_{name}.so"
        for name in ("mpm_event", "authz_core", "authz_host", "alias", "mime", "headers", "expires", "dir", "env", "deflate", "filter")
    )
    return write(state, "httpd.conf", f"""ServerRoot {state}
ServerName 127.0.0.1
{loads}
LoadModule wsgi_module {wsgi_module}/{wsgi_so}
{user}
Listen {values['LISTEN_ADDRESS']}:{values['LISTEN_PORT']}
PidFile {state}/apache.pid
DefaultRuntimeDir {state}/apache-run
Mutex file:{state}/apache-run default
ErrorLog {state}/apache-error.log
LogLevel warn
LogFormat "%h %l %u %t \\"%r\\" %>s %b \\"%{{Referer}}i\\" \\"%{{User-Agent}}i\\"" combined
TypesConfig /etc/mime.types
ServerTokens Prod
Timeout 60
KeepAlive On
Include {state}/site.conf
""")
