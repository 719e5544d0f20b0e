"""Bring a whole stack up on loopback, and take down exactly what it started."""
import json
import os
import pwd
import secrets
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

from . import frontends, processes
from .postgres import PostgresCluster, find_bindir, free_port
from .tls import make_certificates

PROJECT_DIR = frontends.PROJECT_DIR
VENV_BIN = os.path.dirname(sys.executable)


class StackError(RuntimeError):
    pass


def app_environment(state: str, frontend: str, database_url: str, smtp_port: int) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env.update(
        SECRET_KEY=secrets.token_hex(32),
        DATABASE_URL=database_url,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(smtp_port),
        MAIL_SUPPRESS_SEND="false",
        UPLOAD_FOLDER=os.path.join(state, "uploads"),
        MAINTENANCE_FILE=os.path.join(state, "maintenance"),
        API_TOKEN=env.get("API_TOKEN") or "native-token",
        # nginx speaks HTTP to gunicorn and sets X-Forwarded-*; FastCGI and mod_wsgi pass the
        # client's address, host and scheme directly, so they trust no forwarded header.
        PROXY_FIX_COUNT="1" if frontend == "gunicorn" else "0",
        APP_ENV_FILE="/dev/null",
        SESSION_COOKIE_SECURE="true",  # every page is served over HTTPS
    )
    return env


def wait_until(check, timeout: float, what: str, state: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise StackError(f"{what} did not come up within {timeout:.0f} s; logs are in {state}")


def answers(url: str, ca_file: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5, context=ssl.create_default_context(cafile=ca_file)) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def up(frontend: str, port: int, state: str, https_port: int | None = None, tls_dir: str | None = None) -> dict:
    """Start the stack; plain HTTP on port redirects to HTTPS on https_port (a free one if None).

    tls_dir holds ca.pem, cert.pem and key.pem to share between stacks; made in the state folder if None.
    """
    if frontend not in frontends.FRONTENDS:
        raise StackError(f"FRONTEND must be one of {', '.join(frontends.FRONTENDS)}")
    os.makedirs(state, exist_ok=True)
    os.chmod(state, 0o755)  # the postgres and www-data users must reach their files inside
    https_port = https_port or free_port()
    tls = make_certificates(tls_dir or os.path.join(state, "tls"))
    info = {"frontend": frontend, "port": port, "https_port": https_port, "state": state, "tls": tls,
            "http_url": f"http://127.0.0.1:{port}/", "url": f"https://127.0.0.1:{https_port}/"}
    save(state, info)
    try:
        _start(info)
    except BaseException:
        down(state)
        raise
    return info


def _start(info: dict) -> None:
    env = _start_database_and_mail(info)
    values = frontends.template_values(info["state"], info, env)
    _start_app_server(info, env, values)
    _start_web_server(info, env, values)
    wait_until(lambda: answers(info["url"], info["tls"]["ca"]), 90, f"{info['frontend']} on {info['url']}", info["state"])


def _start_database_and_mail(info: dict) -> dict:
    """PostgreSQL and the SMTP sink up, the schema migrated; returns the app's environment."""
    state = info["state"]
    bindir = find_bindir()
    if bindir is None:
        raise StackError("PostgreSQL is not installed (apt-get install postgresql)")
    cluster = PostgresCluster(bindir, root=os.path.join(state, "postgres"))
    os.makedirs(cluster.root, exist_ok=True)
    info["postgres"] = {"bindir": bindir, "port": cluster.port, "root": cluster.root}
    save(state, info)
    cluster.start()
    database_url = cluster.create_database("app")

    smtp_port, maildir = free_port(), os.path.join(state, "maildir")
    env = app_environment(state, info["frontend"], database_url, smtp_port)
    info.update(smtp_port=smtp_port, maildir=maildir, database_url=database_url, api_token=env["API_TOKEN"])
    for writable in (env["UPLOAD_FOLDER"], os.path.join(state, "run")):  # uploads and app sockets
        os.makedirs(writable, exist_ok=True)
        if os.geteuid() == 0:
            entry = pwd.getpwnam(processes.SERVICE_USER)
            os.chown(writable, entry.pw_uid, entry.pw_gid)
    smtp = [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{smtp_port}", "-c", "aiosmtpd.handlers.Mailbox", maildir]
    info["smtp_pid"] = processes.start(smtp, os.path.join(state, "smtp.log"), env)
    save(state, info)

    migrate = subprocess.run([os.path.join(VENV_BIN, "flask"), "--app", "app", "db", "upgrade"], cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    if migrate.returncode != 0:
        raise StackError(f"flask db upgrade failed:\n{migrate.stderr}")
    return env


def _start_app_server(info: dict, env: dict, values: dict) -> None:
    """gunicorn or flup on a unix socket in the state folder; Apache runs mod_wsgi itself."""
    state, frontend = info["state"], info["frontend"]
    if frontend == "apache":
        return
    if frontend == "gunicorn":
        upstream = values["GUNICORN_UPSTREAM"]
        command = [os.path.join(VENV_BIN, "gunicorn"), "-c", os.path.join(frontends.DEPLOY, "gunicorn", "gunicorn.conf.py"), "--bind", upstream]
    else:
        upstream = values["FASTCGI_UPSTREAM"]
        command = [sys.executable, os.path.join(frontends.DEPLOY, "fastcgi", "fcgi_server.py"), upstream]
    info["app_pid"] = processes.start(command, os.path.join(state, f"{frontend}.log"), env, drop_root=True, cwd=PROJECT_DIR)
    save(state, info)
    socket_path = upstream.removeprefix("unix:")
    wait_until(lambda: os.path.exists(socket_path), 60, f"the {frontend} app server", state)


def _start_web_server(info: dict, env: dict, values: dict) -> None:
    """Check the rendered configuration, then start Apache or nginx (both daemonize)."""
    state = info["state"]
    if info["frontend"] == "apache":
        config = frontends.apache_config(state, values)
        commands = [["apache2", "-f", config, "-t"], ["apache2", "-f", config, "-k", "start"]]
    else:
        site = f"nginx/{info['frontend']}-site.conf.template"
        config = frontends.nginx_config(state, site, values)
        nginx = ["nginx", "-c", config, "-p", state, "-e", os.path.join(state, "nginx-error.log")]
        commands = [[*nginx, "-t", "-q"], nginx]
    for command in commands:
        _check(command, env)
    info["web_config"] = config
    save(state, info)


def _check(command: list[str], env: dict) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise StackError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")


def save(state: str, info: dict) -> None:
    with open(os.path.join(state, "state.json"), "w") as out:
        json.dump(info, out, indent=2)


def load(state: str) -> dict | None:
    try:
        with open(os.path.join(state, "state.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def down(state: str) -> list[str]:
    """Stop what state.json says was started, newest first, each only if its pid is still ours.

    Every command line the runner starts names a path inside the state folder; that is the mark.
    """
    info = load(state)
    if info is None:
        return []
    stopped = []
    if info.get("web_config"):
        apache = info["frontend"] == "apache"
        pid = processes.read_pid(os.path.join(state, "apache.pid" if apache else "nginx.pid"))
        if processes.stop(pid, state, signal.SIGTERM if apache else signal.SIGQUIT):
            stopped.append("apache" if apache else "nginx")
    if processes.stop(info.get("app_pid"), state):
        stopped.append(info["frontend"])
    if processes.stop(info.get("smtp_pid"), state):
        stopped.append("smtp")
    if "postgres" in info:
        pg = info["postgres"]
        cluster = PostgresCluster(pg["bindir"], port=pg["port"], root=pg["root"])
        if processes.is_ours(cluster.pid, "postgres"):
            stopped.append("postgres")
        cluster.stop()
    os.remove(os.path.join(state, "state.json"))
    return stopped
