"""A throwaway PostgreSQL cluster: initdb into a temporary folder, 127.0.0.1 only (or one other address), removed at stop."""
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile

import psutil
import psycopg2


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def find_bindir() -> str | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True)
    for directory in candidates:
        if os.path.exists(os.path.join(directory, "initdb")):
            return directory
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


class PostgresCluster:
    """PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` user."""

    def __init__(self, bindir: str, port: int | None = None, root: str | None = None,
                 listen: str = "127.0.0.1", clients: str | None = None):
        """listen: the one address it listens on; clients: the network (CIDR) whose hosts may
        connect to it without a password besides loopback (the multi-host test's)."""
        self.bindir = bindir
        self.listen, self.clients = listen, clients
        self.port = port or free_port()
        self.root = root or tempfile.mkdtemp(prefix="pg-")
        self.data = os.path.join(self.root, "data")
        self.log = os.path.join(self.root, "postgres.log")
        self.as_user = "postgres" if os.geteuid() == 0 else None

    def _run(self, *args: str) -> None:
        command = [os.path.join(self.bindir, args[0]), *args[1:]]
        if self.as_user:
            command = ["runuser", "-u", self.as_user, "--", *command]
        subprocess.run(command, check=True, capture_output=True, text=True)

    def start(self) -> "PostgresCluster":
        if self.as_user:
            user = pwd.getpwnam(self.as_user)
            os.chown(self.root, user.pw_uid, user.pw_gid)
        self._run("initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C")
        if self.clients:
            with open(os.path.join(self.data, "pg_hba.conf"), "a") as hba:
                hba.write(f"host all all {self.clients} trust\n")
        return self.start_again()

    def start_again(self) -> "PostgresCluster":
        """Start the existing cluster (after stop_immediately, as after a crash: it recovers its WAL)."""
        # fsync off: a throwaway cluster trades durability for speed; the socket stays in its own folder.
        options = f"-p {self.port} -c listen_addresses={self.listen} -k {self.root} -c fsync=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", self.data, "-l", self.log, "-o", options, "-w", "-t", "60", "start")
        return self

    def stop_immediately(self) -> None:
        """A database outage: every backend killed at once, no checkpoint, the data kept."""
        self._run("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")

    def freeze(self) -> None:
        """A stalled server: the postmaster (first, so it starts no backend meanwhile) and every
        backend stopped with SIGSTOP; connections stay open, and the kernel still ACKs each packet."""
        self._signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self._signal(signal.SIGCONT)

    def _signal(self, signum: int) -> None:
        postmaster = psutil.Process(self.pid)
        for process in [postmaster, *postmaster.children(recursive=True)]:
            try:
                process.send_signal(signum)
            except psutil.NoSuchProcess:  # a backend that ended meanwhile
                pass

    @property
    def pid(self) -> int | None:
        try:
            with open(os.path.join(self.data, "postmaster.pid")) as pidfile:
                return int(pidfile.readline())
        except (OSError, ValueError):
            return None

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@{self.listen}:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        connection = psycopg2.connect(self.url())
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
        connection.close()
        return self.url(name)

    def stop(self) -> None:
        try:
            if self.pid:
                self._run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
