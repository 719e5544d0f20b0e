"""Bring a whole stack up on loopback, and take down exactly what it started."""
import json
import os
import pwd
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

from .. import FRONTENDS
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
        # A killed sender's message goes again after its claim runs out: 60 s by default, shorter here
        # so the fault cases need not wait (still twice MAIL_TIMEOUT, longer than a send can take).
        OUTBOX_LEASE=env.get("OUTBOX_LEASE") or "20",
        UPLOAD_FOLDER=os.path.join(state, "uploads"),
        MAINTENANCE_FILE=os.path.join(state, "maintenance"),
        API_TOKEN=env.get("API_TOKEN") or "native-token",
        # nginx speaks HTTP to gunicorn and sets X-Forwarded-*; FastCGI and mod_wsgi pass the
        # client's address, host and scheme directly, so they trust no forwarded header.
        PROXY_FIX_COUNT="1" if frontend == "gunicorn" else "0",
        APP_ENV_FILE="/dev/null",
        SESSION_COOKIE_SECURE="true",  # every page is served over HTTPS
        TRUSTED_HOSTS="127.0.0.1,localhost",  # the names the web server serves; any other Host: 400
        # Each stack's app servers count into folders of their own (deploy/metrics.py), made by
        # the servers themselves in the app sockets' folder, which their user owns.
        METRICS_DIR=os.path.join(state, "run", "metrics"),
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
    if frontend not in FRONTENDS:
        raise StackError(f"FRONTEND must be one of {', '.join(FRONTENDS)}")
    os.makedirs(state, exist_ok=True)
    os.chmod(state, 0o755)  # the postgres and www-data users must reach their files inside
    https_port = https_port or free_port()
    tls = make_certificates(tls_dir or os.path.join(state, "tls"))
    info = {"frontend": frontend, "port": port, "https_port": https_port, "status_port": free_port(), "state": state, "tls": tls,
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
    info["upload_folder"] = env["UPLOAD_FOLDER"]
    for writable in (env["UPLOAD_FOLDER"], os.path.join(state, "run")):  # uploads and app sockets
        os.makedirs(writable, exist_ok=True)
        if os.geteuid() == 0:
            entry = pwd.getpwnam(processes.SERVICE_USER)
            os.chown(writable, entry.pw_uid, entry.pw_gid)
    info["smtp_pid"] = processes.start(_smtp_command(info), os.path.join(state, "smtp.log"), env)
    save(state, info)

    migrate = subprocess.run([os.path.join(VENV_BIN, "flask"), "--app", "app", "db", "upgrade"], cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    if migrate.returncode != 0:
        raise StackError(f"flask db upgrade failed:\n{migrate.stderr}")
    _start_outbox_sender(info, env)
    return env


def _smtp_command(info: dict) -> list[str]:
    return [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{info['smtp_port']}", "-c", "aiosmtpd.handlers.Mailbox", info["maildir"]]


# The sender's command line names no file of the state folder, so its own text is the mark down()
# checks next to the pid. The interval is short here (compose: 30 s) so queued mail goes out soon.
OUTBOX_SENDER = [os.path.join(VENV_BIN, "flask"), "--app", "app", "outbox", "send", "--every"]


def _start_outbox_sender(info: dict, env: dict) -> None:
    """`flask outbox send --every N`, what compose's outbox service runs, as the app servers' user,
    kept alive by a supervisor as the flup back ends are (systemd's Restart=always, compose's restart:).
    info["outbox_pid"] is the supervisor's; kill_outbox_sender() kills the sender under it."""
    info["outbox_interval"] = float(os.environ.get("OUTBOX_INTERVAL") or 5)
    command = [sys.executable, "-m", "tests.stacks.native.supervise", "--", *OUTBOX_SENDER, f"{info['outbox_interval']:g}"]
    info["outbox_pid"] = processes.start(command, os.path.join(info["state"], "outbox.log"), env, drop_root=True, cwd=PROJECT_DIR)
    save(info["state"], info)


def kill_outbox_sender(state: str, timeout: float = 30) -> int:
    """SIGKILL the periodic sender wherever it is (its supervisor starts another); returns its pid.

    Right after a kill the supervisor may still be starting the next one: it is waited for.
    """
    supervisor = load(state)["outbox_pid"]
    deadline = time.monotonic() + timeout
    while not (senders := [pid for pid in processes.descendants(supervisor) if " ".join(OUTBOX_SENDER) in processes.cmdline(pid)]):
        if time.monotonic() > deadline:
            raise StackError(f"no outbox sender runs under its supervisor (pid {supervisor}); see {state}/outbox.log")
        time.sleep(0.05)
    os.kill(senders[0], signal.SIGKILL)
    return senders[0]


def _start_app_server(info: dict, env: dict, values: dict) -> None:
    """gunicorn or flup on a unix socket in the state folder; Apache runs mod_wsgi itself."""
    state, frontend = info["state"], info["frontend"]
    if frontend == "apache":
        return
    # The upstreams nginx connects to; info["app_sockets"] has their paths, in the same order, and
    # info["health_sockets"] those of /healthz's own sockets next to them (deploy/health.py).
    names = ["GUNICORN_UPSTREAM"] if frontend == "gunicorn" else ["FASTCGI_UPSTREAM", "FASTCGI_UPSTREAM_2"]
    upstreams = [values[name] for name in names]
    health_upstreams = [values[name.replace("_UPSTREAM", "_HEALTH_UPSTREAM")] for name in names]
    info["app_sockets"] = [upstream.removeprefix("unix:") for upstream in upstreams]
    info["health_sockets"] = [upstream.removeprefix("unix:") for upstream in health_upstreams]
    if frontend == "gunicorn":
        command = [os.path.join(VENV_BIN, "gunicorn"), "-c", "python:deploy.gunicorn.conf",
                   "--bind", upstreams[0], "--bind", health_upstreams[0]]
        info["app_pid"] = processes.start(command, os.path.join(state, f"{frontend}.log"), env, drop_root=True, cwd=PROJECT_DIR)
        save(state, info)
    else:
        # Two flup back ends behind nginx's upstream, each kept alive by a supervisor (what
        # systemd's Restart=always does on a server, and restart: in compose).
        info["app_pids"] = []
        for number, (upstream, health_upstream) in enumerate(zip(upstreams, health_upstreams), 1):
            command = [sys.executable, "-m", "tests.stacks.native.supervise", "--",
                       sys.executable, "-m", "deploy.fastcgi.fcgi_server", upstream, health_upstream]
            log = os.path.join(state, f"{frontend}-{number}.log")
            info["app_pids"].append(processes.start(command, log, env, drop_root=True, cwd=PROJECT_DIR))
            save(state, info)
    for path in info["app_sockets"] + info["health_sockets"]:
        wait_until(lambda: os.path.exists(path), 60, f"the {frontend} app server", state)


def _start_web_server(info: dict, env: dict, values: dict) -> None:
    """Check the rendered configuration, then start Apache or nginx (both daemonize)."""
    state = info["state"]
    if info["frontend"] == "apache":
        info["web_config"] = frontends.apache_config(state, values)
        commands = [web_server_command(info, "-t"), web_server_command(info, "-k", "start")]
    else:
        site = f"nginx/{info['frontend']}-site.conf.template"
        info["web_config"] = frontends.nginx_config(state, site, values)
        commands = [web_server_command(info, "-t", "-q"), web_server_command(info)]
    for command in commands:
        _check(command, env)
    save(state, info)


def web_server_command(info: dict, *arguments: str) -> list[str]:
    """apache2 or nginx with the stack's own config, plus arguments (-t, -k graceful, -s reload)."""
    if info["frontend"] == "apache":
        return ["apache2", "-f", info["web_config"], *arguments]
    return ["nginx", "-c", info["web_config"], "-p", info["state"], "-e", os.path.join(info["state"], "nginx-error.log"), *arguments]


def start_web_server_again(state: str, env: dict, foreground: bool = False) -> subprocess.Popen | None:
    """Apache or nginx again on its rendered config, after a stop, with the environment it had
    (mod_wsgi's daemons inherit it). foreground: as the containers run it, a child of this process
    whose exit status the caller can read (its handle is returned); else it daemonizes, as in up().
    Returns once it answers."""
    info = load(state)
    apache, process = info["frontend"] == "apache", None
    if foreground:
        command = web_server_command(info, *(("-DFOREGROUND",) if apache else ("-g", "daemon off;")))
        process = processes.spawn(command, os.path.join(state, "web-foreground.log"), env)
    else:
        _check(web_server_command(info, *(("-k", "start") if apache else ())), env)
    wait_until(lambda: answers(info["url"], info["tls"]["ca"]), 60, f"{info['frontend']} again", state)
    return process


def start_app_server_again(state: str, env: dict) -> None:
    """The app servers again after a stop, with the environment they had: a new SECRET_KEY would
    sign every user out."""
    info = load(state)
    _start_app_server(info, env, frontends.template_values(state, info, env))


def reload_web_server(state: str) -> None:
    """What an operator does after changing a config: nginx -s reload, apachectl graceful."""
    info = load(state)
    arguments = ("-k", "graceful") if info["frontend"] == "apache" else ("-s", "reload")
    _check(web_server_command(info, *arguments), os.environ.copy())


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
    for pid in [info.get("app_pid"), *info.get("app_pids", [])]:
        if processes.stop(pid, state):
            stopped.append(info["frontend"])
    if processes.stop(info.get("outbox_pid"), " ".join(OUTBOX_SENDER)):
        stopped.append("outbox sender")
    if processes.stop(info.get("smtp_pid"), state):
        stopped.append("smtp")
    if "postgres" in info:
        pg = info["postgres"]
        cluster = PostgresCluster(pg["bindir"], port=pg["port"], root=pg["root"])
        if processes.is_ours(cluster.pid, "postgres"):
            stopped.append("postgres")
        cluster.stop()
    if info.get("upload_folder"):  # a case that died between fill_upload_disk() and free_upload_disk()
        unmount_small_upload_disk(state)
    os.remove(os.path.join(state, "state.json"))
    return stopped


def mount_small_upload_disk(state: str, size_bytes: int) -> None:
    """A tmpfs of size_bytes over UPLOAD_FOLDER, owned by the app servers' user: a disk about to be full."""
    folder = load(state)["upload_folder"]
    if os.geteuid() != 0:
        raise StackError("a small upload disk is a tmpfs mount, which needs root")
    entry = pwd.getpwnam(processes.SERVICE_USER)
    options = f"size={size_bytes},uid={entry.pw_uid},gid={entry.pw_gid},mode=0755"
    _check(["mount", "-t", "tmpfs", "-o", options, f"uploads-{os.path.basename(state)}", folder], os.environ.copy())


def unmount_small_upload_disk(state: str) -> None:
    """UPLOAD_FOLDER back on its own disk, with what it held before; nothing if no tmpfs is mounted."""
    folder = load(state)["upload_folder"]
    if os.path.ismount(folder):
        _check(["umount", folder], os.environ.copy())


def stop_mail(state: str) -> bool:
    """A mail outage: the SMTP sink goes away (start_mail brings it back). False if it was not running."""
    return processes.stop(load(state).get("smtp_pid"), state)


def start_mail(state: str) -> None:
    """The SMTP sink again, on the same port and maildir; returns once it accepts connections."""
    info = load(state)
    info["smtp_pid"] = processes.start(_smtp_command(info), os.path.join(state, "smtp.log"), os.environ.copy())
    save(state, info)
    wait_until(lambda: _accepts(info["smtp_port"]), 30, "the SMTP sink", state)


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def flask(state: str, *arguments: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """`flask --app app ARGUMENTS` against a running stack: its database and mail, its app servers' user."""
    info = load(state)
    env = app_environment(state, info["frontend"], info["database_url"], info["smtp_port"])
    return subprocess.run([os.path.join(VENV_BIN, "flask"), "--app", "app", *arguments], cwd=PROJECT_DIR, env=env,
                          capture_output=True, text=True, timeout=timeout, **processes.run_as())
