"""What a ServerStack does to the server's units, through systemctl: its processes, as the server
numbers them, and the fault controls. Mixed into ServerStack (which gives exec, systemctl, journal,
wait_until, healthy and the mail sink)."""
from aiosmtpd.controller import Controller

WEB_UNIT = {"apache": "apache2", "gunicorn": "nginx", "fastcgi": "nginx"}
APP_UNITS = {"apache": ("apache2",), "gunicorn": ("flask-reference-gunicorn",),
             "fastcgi": ("flask-reference-fcgi@1", "flask-reference-fcgi@2")}
ACCESS_LOG = {"apache": "/var/log/apache2/flask-reference.access.log", "gunicorn": "/var/log/nginx/flask-reference.access.log",
              "fastcgi": "/var/log/nginx/flask-reference.access.log"}
FLUP_START = "flup FastCGI server on"  # what deploy/fastcgi/fcgi_server.py prints at each start


class ServerControls:
    frontend: str

    # ---- processes (the container's pids) ----
    def _pids(self, unit: str) -> dict[int, str]:
        """Every process of a unit's cgroup, with its command line, as the server numbers them."""
        group = self.systemctl("show", "-p", "ControlGroup", "--value", unit).stdout.strip()
        if not group:
            return {}
        script = ('for p in $(cat /sys/fs/cgroup/unified"$1"/cgroup.procs 2>/dev/null || cat /sys/fs/cgroup"$1"/cgroup.procs); '
                  'do printf "%s %s\\n" "$p" "$(tr "\\0" " " < /proc/$p/cmdline)"; done')
        listing = self.exec("sh", "-c", script, "sh", group, check=False).stdout
        return {int(pid): command for pid, _, command in (line.partition(" ") for line in listing.splitlines()) if pid}

    def _main_pid(self, unit: str) -> int | None:
        return int(self.systemctl("show", "-p", "MainPID", "--value", unit).stdout.strip() or 0) or None

    def web_pid(self) -> int | None:
        return self._main_pid(WEB_UNIT[self.frontend])

    def app_pids(self) -> set[int]:
        if self.frontend == "apache":  # mod_wsgi's daemons, "(wsgi:flask-reference)"
            return {pid for pid, command in self._pids("apache2").items() if command.startswith("(wsgi:")}
        found = set()
        for unit in APP_UNITS[self.frontend]:
            found |= set(self._pids(unit)) - ({self._main_pid(unit)} if self.frontend == "gunicorn" else set())
        return found  # gunicorn's workers; each flup back end (it starts again in place on HUP)

    def units(self) -> list[str]:
        """The units the install made run: web server, app servers, outbox sender, database."""
        return list(dict.fromkeys([WEB_UNIT[self.frontend], *APP_UNITS[self.frontend], "flask-reference-outbox", "postgresql"]))

    def processes(self) -> set[int]:
        return {pid for unit in {WEB_UNIT[self.frontend], *APP_UNITS[self.frontend]} for pid in self._pids(unit)}

    # ---- fault controls ----
    def stop_database(self) -> None:
        self.systemctl("stop", "postgresql")

    def start_database(self) -> None:
        self.systemctl("start", "postgresql")

    def stop_mail(self) -> bool:
        if not self.sink or not self.sink._controller.server:
            return False
        self.sink.stop()
        return True

    def start_mail(self) -> None:
        self._sink_again()

    def _sink_again(self) -> None:
        """The sink on its port again, in the namespace this thread is in now (messages kept)."""
        self.sink._controller = Controller(self.sink, hostname="127.0.0.1", port=self.sink.port)
        self.sink.start()

    def delivered(self) -> list[bytes]:
        return [envelope.original_content or envelope.content for envelope in self.sink.envelopes] if self.sink else []

    def reload_web_server(self) -> None:
        self.systemctl("reload", WEB_UNIT[self.frontend])

    def reload_app_server(self, timeout: float = 60) -> None:
        if self.frontend != "fastcgi":  # gunicorn HUPs its workers; Apache's graceful restarts mod_wsgi's
            before = self.app_pids()
            self.systemctl("reload", APP_UNITS[self.frontend][0])
            self.wait_until(lambda: (now := self.app_pids()) and not now & before, timeout,
                            f"new app processes of {APP_UNITS[self.frontend][0]} after its reload")
            return
        for unit in APP_UNITS["fastcgi"]:  # one back end at a time: nginx sends to the other meanwhile
            starts = self.journal(unit, 10000).count(FLUP_START)
            self.systemctl("reload", unit)
            self.wait_until(lambda unit=unit, starts=starts: self.journal(unit, 10000).count(FLUP_START) > starts
                            and self._accepts(unit), timeout, f"{unit} after its reload")

    def _accepts(self, unit: str) -> bool:
        """The back end's socket takes connections (from inside the server: its path is there)."""
        found = self.systemctl("show", "-p", "Environment", "--value", unit).stdout.split()
        binds = dict(item.partition("=")[::2] for item in found)
        path = binds.get(f"FCGI_BIND_{unit.rpartition('@')[2]}", "").removeprefix("unix:")
        probe = f"import socket; socket.socket(socket.AF_UNIX).connect({path!r})"
        return bool(path) and self.exec("python3", "-c", probe, check=False).returncode == 0

    def stop_app_server(self) -> None:
        self.systemctl("stop", *APP_UNITS[self.frontend])

    def start_app_server(self, timeout: float = 60) -> None:
        self.systemctl("start", *APP_UNITS[self.frontend])
        self.wait_until(self.healthy, timeout, f"{self.url}readyz after the app server started again")
