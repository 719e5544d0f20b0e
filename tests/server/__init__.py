"""make server-test: the README's server section on fresh Debian servers (conftest.py says how)."""


def cut_by_gracefuls(bad, restarts: int, window: float = 1.0) -> bool:
    """Apache's graceful restart restarts mod_wsgi's daemons: requests that meet the daemon socket
    while it is made again get a 503 at once (WSGI0117), and a client may meet it more than once
    within that instant. What may fail is that and only that: 502/503s within `window` seconds,
    in at most `restarts` such instants."""
    instants: list[float] = []
    for sample in sorted(bad, key=lambda s: s.start):
        if sample.status not in (502, 503):
            return False
        if not instants or sample.start - instants[-1] > window:
            instants.append(sample.start)
    return len(instants) <= restarts
