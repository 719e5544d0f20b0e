"""One compose profile as compose and Docker see it: its files, its services' containers, their state."""
import json
import os
import shutil
import subprocess
import time

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
OPERATOR_FILES = ("docker-compose.yml", "docker-compose.override.yml")  # what `docker compose` reads by itself


def compose_command() -> list[str]:
    """`docker compose` (v2) where the plugin is installed, else Debian's docker-compose 1.29."""
    v2 = shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0
    return ["docker", "compose"] if v2 else ["docker-compose"]


def docker(*arguments: str, timeout: float = 60) -> str:
    return subprocess.run(["docker", *arguments], check=True, capture_output=True, text=True, timeout=timeout).stdout.strip()


class Project:
    """`profile` brought up from the -f `files` (relative to the project folder) with `env`."""

    def __init__(self, profile: str, files=OPERATOR_FILES, env: dict | None = None):
        self.env = {**os.environ, **(env or {})}
        self.command = [*compose_command(), *(arg for file in files for arg in ("-f", file)), "--profile", profile]

    def run(self, *arguments: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run([*self.command, *arguments], cwd=PROJECT_DIR, env=self.env, capture_output=True,
                              text=True, timeout=timeout)

    def __call__(self, *arguments: str, check: bool = True, timeout: float = 300) -> str:
        """One compose command; its output, or RuntimeError with what it printed."""
        done = self.run(*arguments, timeout=timeout)
        if check and done.returncode:
            raise RuntimeError(f"compose {' '.join(arguments[:2])} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
        return done.stdout

    def logs(self, tail: int = 80) -> str:
        return self("ps", check=False) + self("logs", "--no-color", "--tail", str(tail), check=False)

    def containers(self) -> dict[str, str]:
        """Each running service and its container's id."""
        ids = self("ps", "-q").split()
        lines = docker("inspect", "-f", '{{index .Config.Labels "com.docker.compose.service"}} {{.Id}}', *ids) if ids else ""
        return dict(line.split() for line in lines.splitlines())

    def container(self, service: str) -> str:
        return self("ps", "-q", service).strip()

    def inspect(self, service: str, template: str) -> str:
        return docker("inspect", "-f", template, self.container(service))

    def environment(self, service: str) -> dict[str, str]:
        return dict(item.partition("=")[::2] for item in json.loads(self.inspect(service, "{{json .Config.Env}}")))

    def pid(self, service: str) -> int:
        """Its main process, as the host numbers it (0 when it is not running)."""
        return int(self.inspect(service, "{{.State.Pid}}"))

    def stop(self, service: str) -> tuple[float | None, int]:
        """`compose stop`: the image's STOPSIGNAL, SIGKILL after stop_grace_period. When Docker sent the
        signal (wall-clock, from its "kill" event; None if none was seen) and the exit code."""
        container, begun = self.container(service), time.time()
        self("stop", service)
        events = docker("events", "--since", f"{begun - 1:.3f}", "--until", f"{time.time():.3f}", "--filter",
                        f"container={container}", "--filter", "event=kill", "--format", "{{.TimeNano}}")
        return (int(events.split()[0]) / 1e9 if events else None), int(docker("inspect", "-f", "{{.State.ExitCode}}", container))

    def start(self, *services: str, timeout: float = 120) -> None:
        """`compose start`, then wait until each runs and, where it has a HEALTHCHECK, is healthy."""
        self("start", *services)
        deadline = time.monotonic() + timeout
        for service in services:
            while self.inspect(service, "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}").strip() not in ("running", "running healthy"):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{service} is not healthy {timeout:.0f} s after compose start")
                time.sleep(1)

    def stdout(self, service: str) -> str:
        """What the service's container wrote on its stdout alone (stderr is Docker's other stream);
        a byte that is not UTF-8 (nginx writes a decoded %FF as it came) reads as U+FFFD."""
        return subprocess.run(["docker", "logs", self.container(service)], check=True, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, timeout=60).stdout.decode(errors="replace")

    def log_count(self, service: str, line: str) -> int:
        return self("logs", "--no-color", service, check=False).count(line)

    def wait_for_log(self, service: str, line: str, count: int, timeout: float = 30) -> None:
        """Until `line` stands `count` times in the service's log."""
        deadline = time.monotonic() + timeout
        while self.log_count(service, line) < count:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{service} did not log {line!r} again within {timeout:.0f} s")
            time.sleep(0.2)
