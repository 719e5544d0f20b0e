#!/usr/bin/env python3
"""The fault suite's stop case, against the containers: each service is stopped as compose stops it
(`docker-compose stop`: the image's STOPSIGNAL, SIGKILL after stop_grace_period) while a request body
is still being sent to it. It passes when the stop signal reached the container mid-body, the
request completed with 200 (the app read every byte) and the container exited 0.

Usage: scripts/e2e_stop.py SERVICE[=URL] … -- COMPOSE COMMAND…
  URL: where the request goes, as faults/inflight.py names its doors: https://127.0.0.1:8443 (the
  web server), http://127.0.0.1:8000 (gunicorn), fastcgi://127.0.0.1:9000 (flup). SERVICE alone:
  no request, only its exit status. SSL_CERT_FILE names the CA for https.
The services are stopped in the order given and stay stopped. Prints a line per service and
'N passed, N failed'; exits 1 on any failure. Standard library only.
"""
import datetime
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from faults.inflight import InFlight  # noqa: E402  (the fault suite's own client)
from smoke import report  # noqa: E402

# docker-compose takes a second or two to start and send the signal: the body outlasts that.
BODY_SECONDS = 6.0


def docker(*arguments: str) -> str:
    return subprocess.run(["docker", *arguments], check=True, capture_output=True, text=True).stdout.strip()


def stop(service: str, url: str | None, compose: list[str]) -> str | None:
    """Stop one service, a request in flight to url if given; None when every check held."""
    container = subprocess.run([*compose, "ps", "-q", service], check=True, capture_output=True, text=True).stdout.strip()
    if not container:
        return "no such container"
    begun = time.time()
    if url:
        with InFlight(url, seconds=BODY_SECONDS, ca_file=os.environ.get("SSL_CERT_FILE")) as request:
            subprocess.run([*compose, "stop", service], check=True, capture_output=True)
        outcome = request.outcome
    else:
        subprocess.run([*compose, "stop", service], check=True, capture_output=True)
        outcome = None
    signalled = signal_time(container, begun)
    code, finished = docker("inspect", "-f", "{{.State.ExitCode}} {{.State.FinishedAt}}", container).split()
    exit_seconds = parse_time(finished) - signalled if signalled else None
    figures = f"exit code {code}" + (f", {exit_seconds:.1f} s after the stop signal" if exit_seconds is not None else "")
    if outcome:
        wall = time.time() - time.monotonic()  # turns the request's monotonic times into wall-clock ones
        into = f"{signalled - (outcome.started + wall):.1f} s into a {BODY_SECONDS:.0f} s body" if signalled else "(signal time unknown)"
        figures = (f"request {outcome.status or outcome.error} in {outcome.seconds:.1f} s"
                   f"{', whole body read' if outcome.complete else ''}, stopped {into}; {figures}")
        if outcome.status != 200 or not outcome.complete:
            return f"the request in flight failed ({figures})"
        if not signalled or signalled > outcome.body_sent + wall:
            return f"the stop signal did not arrive while the body was sent: nothing proven ({figures})"
    print(f"      {service}: {figures}", flush=True)
    return None if code == "0" else figures


def signal_time(container: str, since: float) -> float | None:
    """When Docker sent the stop signal: its "kill" event (docker stop sends STOPSIGNAL as a kill)."""
    events = docker("events", "--since", f"{since - 1:.3f}", "--until", f"{time.time():.3f}",
                    "--filter", f"container={container}", "--filter", "event=kill", "--format", "{{.TimeNano}}")
    return int(events.split()[0]) / 1e9 if events else None


def parse_time(value: str) -> float:
    """Docker's RFC 3339 time with nanoseconds (Python reads at most microseconds)."""
    head, _, fraction = value.rstrip("Z").partition(".")
    return datetime.datetime.fromisoformat(f"{head}.{(fraction or '0')[:6]}+00:00").timestamp()


def main(argv: list[str]) -> int:
    split = argv.index("--")
    services, compose = argv[:split], argv[split + 1:]
    return report(check(item, compose) for item in services)


def check(item: str, compose: list[str]) -> tuple[str, str | None]:
    service, _, url = item.partition("=")
    try:
        problem = stop(service, url or None, compose)
    except (subprocess.CalledProcessError, OSError, ValueError) as error:
        problem = repr(error)
    return f"{service} stops gracefully" + (" with a request in flight" if url else ""), problem


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
