"""Several hosts: a balancer (nginx), three app hosts, a database, a mail and a storage host, and
the test's own client host, each in a network namespace of its own (netns.py) on one bridge.

`HostsStack.start(frontend, state)` makes the network and starts every server; the test process
then stays in the client's namespace (its threads and sockets with it) until stop(), which kills
whatever still runs in the namespaces and removes them. The app hosts share one SECRET_KEY, one
database and one upload store, as replicas do.
"""
import collections
import mailbox
import os
import pwd
import re
import subprocess

from .. import Stack
from ..native import frontends, processes
from ..native.postgres import PostgresCluster, find_bindir
from ..native.runner import StackError, app_environment, wait_until
from ..native.tls import make_certificates
from . import hosts
from .netns import NETWORK, Network

# Where uploads go: "local" (one folder every app host mounts: here the same folder on this
# filesystem, what an NFS mount gives) or "s3" (the storage host's S3-compatible server, moto).
UPLOAD_STORAGE = "s3"

CLIENT, BALANCER, DATABASE, MAIL, STORAGE = "client", "lb", "db", "mail", "storage"
APP_HOSTS = ("app1", "app2", "app3")
ADDRESSES = {CLIENT: f"{NETWORK}.1", BALANCER: f"{NETWORK}.2", **{name: f"{NETWORK}.{11 + n}" for n, name in enumerate(APP_HOSTS)},
             DATABASE: f"{NETWORK}.20", MAIL: f"{NETWORK}.21", STORAGE: f"{NETWORK}.22"}
SITES = {"gunicorn": "nginx/gunicorn-site.conf.template", "fastcgi": "nginx/fastcgi-site.conf.template",
         "apache": "nginx/balancer-site.conf.template"}
BUCKET = "flask-reference-uploads"
# The app's line per request (ACCESS_LOG=true): "… INFO [REQUEST-ID] app: GET / 200 1.2ms".
ACCESS_LINE = re.compile(r" INFO \[([^\]]+)\] [\w.]+: (?:GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) \S+ \d{3} ")


class HostsStack(Stack):
    kind = "hosts"
    host = ADDRESSES[BALANCER]
    port, http_port = 443, 80
    smtp_port = 25
    outbox_interval = None  # no sender runs by itself: a case starts them on the hosts it picks

    @property
    def url(self) -> str:
        return f"https://{self.host}/"  # the default port, as a browser writes it (and its Referer)

    def __init__(self, frontend: str, state: str):
        self.frontend, self.state = frontend, state
        self.network = Network(ADDRESSES)
        self.app_hosts: list[hosts.AppHost] = []
        self.cluster: PostgresCluster | None = None
        self.maildir = os.path.join(state, "maildir")

    @classmethod
    def start(cls, frontend: str, state: str) -> "HostsStack":
        stack = cls(frontend, state)
        try:
            stack._start()
        except BaseException:
            stack.stop()
            raise
        return stack

    def _start(self) -> None:
        os.makedirs(self.state, exist_ok=True)
        os.chmod(self.state, 0o755)
        self.network.up()
        # From here on this thread is the client host: 198.18.0.0/24 is not reachable from the
        # machine's own namespace (and must never be sent there).
        self.network.enter(CLIENT)
        self.tls = tls = make_certificates(os.path.join(self.state, "tls"), addresses=(self.host,))
        self.ca, self.cert = tls["ca"], tls["cert"]
        bindir = find_bindir()
        if bindir is None:
            raise StackError("PostgreSQL is not installed (apt-get install postgresql)")
        self.cluster = PostgresCluster(bindir, port=5432, root=os.path.join(self.state, "postgres"),
                                       listen=ADDRESSES[DATABASE], clients=f"{NETWORK}.0/24")
        os.makedirs(self.cluster.root, exist_ok=True)
        with self.network.inside(DATABASE):
            self.cluster.start()
        self.database_url = self.cluster.create_database("app")

        self.env = self._app_environment()
        self.api_token = self.env["API_TOKEN"]
        hosts.start_smtp(self.network, MAIL, ADDRESSES[MAIL], self.maildir, os.path.join(self.state, "smtp.log"), self.env)
        if UPLOAD_STORAGE == "s3":
            self._start_storage()
        migrate = hosts.flask(self.network, APP_HOSTS[0], self.env, "db", "upgrade")
        if migrate.wait(120) != 0:
            raise StackError(f"flask db upgrade failed:\n{migrate.stdout.read().decode()}")

        for name in APP_HOSTS:
            folder = os.path.join(self.state, name)
            # Each host counts its own requests (its /metrics), in a folder its app user owns.
            metrics = os.path.join(folder, "metrics")
            os.makedirs(metrics, exist_ok=True)
            os.chown(metrics, *service_ids())
            env = {**self.env, "MAINTENANCE_FILE": os.path.join(folder, "maintenance"), "METRICS_DIR": metrics}
            host = hosts.AppHost(self.network, name, ADDRESSES[name], self.frontend, folder, env, self._values(folder, name, env, tls))
            self.app_hosts.append(host)
            host.start()
        os.makedirs(self.balancer_state, exist_ok=True)
        self.balancer_pid = hosts.start_balancer(self.network, BALANCER, self.balancer_state, SITES[self.frontend],
                                                 self._values(self.balancer_state, BALANCER, self.env, tls), self.env)
        wait_until(self.healthy, 60, f"/readyz through the balancer ({self.frontend})", self.state)

    def _app_environment(self) -> dict:
        """One environment for every app host (one SECRET_KEY: a session from one host is good on
        another), the servers it uses named by their addresses."""
        env = app_environment(self.state, self.frontend, self.database_url, self.smtp_port)
        uploads = os.path.join(self.state, "uploads")
        os.makedirs(uploads, exist_ok=True)
        os.chown(uploads, *service_ids())
        env.update(
            MAIL_SERVER=ADDRESSES[MAIL],
            UPLOAD_FOLDER=uploads,
            TRUSTED_HOSTS=f"{self.host},localhost",
            ACCESS_LOG="true",  # each app line names its request id: which host answered
            # gunicorn's and Apache's app believe the balancer's X-Forwarded-*; flup gets the client
            # address from nginx's FastCGI params. Only the balancer may send them.
            PROXY_FIX_COUNT="0" if self.frontend == "fastcgi" else "1",
            FORWARDED_ALLOW_IPS=self.host,
            FCGI_WEB_SERVER_ADDRS=self.host,
            # A small host each: three of them share two cores.
            WEB_CONCURRENCY="1", WSGI_PROCESSES="1", APACHE_PROCESSES="1", APACHE_THREADS="64",
            APACHE_MAX_REQUEST_WORKERS="64",
        )
        if UPLOAD_STORAGE == "s3":
            env.update(UPLOAD_STORAGE="s3", UPLOAD_S3_BUCKET=BUCKET, UPLOAD_S3_ENDPOINT_URL=f"http://{ADDRESSES[STORAGE]}:5000",
                       UPLOAD_S3_PREFIX="uploads/", AWS_ACCESS_KEY_ID="hosts-test", AWS_SECRET_ACCESS_KEY="hosts-test",
                       AWS_DEFAULT_REGION="us-east-1")
        return env

    def _start_storage(self) -> None:
        hosts.start_s3(self.network, STORAGE, ADDRESSES[STORAGE], os.path.join(self.state, "s3.log"), self.env)
        import boto3  # only with the S3 backend

        boto3.client("s3", endpoint_url=self.env["UPLOAD_S3_ENDPOINT_URL"], region_name="us-east-1",
                     aws_access_key_id="hosts-test", aws_secret_access_key="hosts-test").create_bucket(Bucket=BUCKET)

    @property
    def balancer_state(self) -> str:
        return os.path.join(self.state, BALANCER)

    def _values(self, folder: str, name: str, env: dict, tls: dict, balanced=APP_HOSTS) -> dict:
        """The deploy/ templates' values for one host: its own address, the balancer's name, and
        the app hosts the balancer sends requests to."""
        # Each host has a loopback of its own, so the status listener takes the servers' default port.
        info = {"port": self.http_port, "https_port": self.port, "status_port": 9180, "tls": tls}
        values = frontends.template_values(folder, info, env)
        apps = [ADDRESSES[host] for host in balanced]
        upstreams = lambda port: ",".join(f"{address}:{port}" for address in apps)  # noqa: E731
        values.update(
            # The site's name is the certificate's DNS name: nginx checks an upstream's certificate
            # against a name, never an IP address. Clients reach it at the balancer's address.
            LISTEN_ADDRESS=ADDRESSES[name], SERVER_NAME="localhost", SERVER_ALIASES=self.host,
            GUNICORN_UPSTREAM=upstreams(8000), GUNICORN_HEALTH_UPSTREAM=upstreams(8100),
            FASTCGI_UPSTREAM=upstreams(9000), FASTCGI_HEALTH_UPSTREAM=upstreams(9100),
            FASTCGI_UPSTREAM_2=upstreams(9001), FASTCGI_HEALTH_UPSTREAM_2=upstreams(9101),
            BALANCER_UPSTREAM=upstreams(443), BALANCER_CA=tls["ca"],
        )
        return values

    def balance(self, names) -> None:
        """The balancer sends requests to these app hosts only: the site re-rendered with them,
        `nginx -s reload`; returns once nginx's old workers, which may still hold connections to
        a host left out, are gone. What an operator does before stopping a host (a drain)."""
        values = self._values(self.balancer_state, BALANCER, self.env, self.tls, balanced=names)
        hosts.reload_balancer(self.balancer_state, SITES[self.frontend], values, self.env, self.balancer_pid)

    def stop(self) -> None:
        self.network.leave()
        try:
            if self.cluster is not None and self.cluster.pid:
                self.cluster.stop()
        finally:
            self.network.down()  # kills what still runs in the namespaces
            for pid in {pid for host in self.app_hosts for pid in host.roots}:
                processes.reap(pid)

    # ---- which host answered ----
    def host_of(self, request_id: str) -> str | None:
        """The app host whose app logged this request (the id of its X-Request-ID answer header)."""
        for host in self.app_hosts:
            if f"[{request_id}]" in _read(host.log):
                return host.name
        return None

    def requests_per_host(self) -> collections.Counter:
        """How many requests each app host's app has logged so far."""
        return collections.Counter({host.name: len(ACCESS_LINE.findall(_read(host.log))) for host in self.app_hosts})

    def app_host(self, name: str) -> hosts.AppHost:
        return next(host for host in self.app_hosts if host.name == name)

    # ---- the Stack's controls that several hosts have ----
    def app_pids(self) -> set[int]:
        return {pid for host in self.app_hosts for pid in host.pids()}

    def processes(self) -> set[int]:
        return self.app_pids()

    def flask_on(self, host: str, *arguments: str, env: dict | None = None, log: str | None = None):
        """`flask --app app ARGUMENTS` started on one app host (a Popen; the caller waits)."""
        return hosts.flask(self.network, host, env or self.env, *arguments, log=log)

    def flask(self, *arguments: str, timeout: float = 120):
        process = self.flask_on(APP_HOSTS[0], *arguments)
        output, _ = process.communicate(timeout=timeout)
        return subprocess.CompletedProcess(process.args, process.returncode, output.decode(errors="replace"), "")

    def delivered(self) -> list[bytes]:
        if not os.path.isdir(self.maildir):
            return []
        box = mailbox.Maildir(self.maildir, factory=None, create=False)
        return [box.get_bytes(key) for key in box.keys()]


def _read(path: str) -> str:
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def service_ids() -> tuple[int, int]:
    """The uid and gid of the user the app servers run as."""
    entry = pwd.getpwnam(processes.SERVICE_USER)
    return entry.pw_uid, entry.pw_gid
