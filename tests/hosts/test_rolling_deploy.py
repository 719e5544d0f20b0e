"""A rolling deploy under a load of GETs and POSTs: each app host in turn taken out of the
balancer (its site re-rendered without it, `nginx -s reload`), stopped gracefully, started again,
waited for, and put back. No request is lost.

The drain comes first because a graceful stop alone can lose POSTs: nginx keeps its connections
to gunicorn (and to Apache) alive, and a POST it sends down one in the instant the stopping server
closes it is reset after it was sent, which nginx does not send again (a GET it does). Measured
without the drain (2 December): through gunicorn 1-3 POSTs of 300-480 got a 502 in each of three
runs; through flup none (nginx opens a FastCGI connection per request), through Apache none in one run."""
import secrets
import threading
import time

from tests.faults.api import api, counts
from tests.faults.load import DATABASE_READ, HELLO, TEMPLATE, Load, failures, statuses
from tests.stacks.hosts import APP_HOSTS
from tests.stacks.native.runner import wait_until

PATHS = [HELLO, TEMPLATE, DATABASE_READ]


class Gets:
    """The fault suite's GET load (kept-alive connections), in rounds of a few seconds from before
    the first drain until stopped: a deploy's length is not known in advance."""

    def __init__(self, stack, connections: int = 8, seconds: float = 3.0):
        self.stack, self.connections, self.seconds = stack, connections, seconds
        self.samples, self.done = [], threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join(self.seconds + 60)

    def _run(self):
        while not self.done.is_set():
            with Load(self.stack, PATHS, self.connections, self.seconds) as load:
                pass
            self.samples.extend(load.samples)


class Posts:
    """Writers that POST a new user each through the balancer, until stopped: (status or error) each."""

    def __init__(self, stack, writers: int = 2):
        self.stack, self.results, self.done = stack, [], threading.Event()
        self.threads = [threading.Thread(target=self._write, daemon=True) for _ in range(writers)]

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        for thread in self.threads:
            thread.join(60)

    def _write(self):
        while not self.done.is_set():
            name = f"roll{secrets.token_hex(6)}"
            try:
                self.results.append(api(self.stack, "POST", "/api/users/", {"username": name, "email": f"{name}@example.com"}).status)
            except OSError as error:
                self.results.append(type(error).__name__)
            self.done.wait(0.02)  # a steady stream, not all the CPU: the hosts must start meanwhile


def test_a_rolling_deploy_across_the_hosts_loses_no_request(stack, figures):
    steps = {}  # per host, seconds of: the drain, the stop, the start until /readyz, the return
    restarted = {}  # per host: every app process is a new one
    began = time.monotonic()

    def now() -> float:
        return time.monotonic() - began

    with Gets(stack) as gets, Posts(stack) as posts:
        for host in stack.app_hosts:
            moments, old = [now()], host.pids()
            stack.balance([other.name for other in stack.app_hosts if other is not host])
            moments.append(now())
            host.stop()
            moments.append(now())
            host.start()  # returns once its ports take connections
            wait_until(host.ready, 30, f"{host.name}'s /readyz", stack.state)
            moments.append(now())
            stack.balance(APP_HOSTS)
            moments.append(now())
            steps[host.name] = "/".join(f"{b - a:.1f}" for a, b in zip(moments, moments[1:]))
            restarted[host.name] = bool(old) and bool(host.pids()) and not old & host.pids()
        deployed_at = now()
    get_lost = failures(gets.samples)
    post_lost = [r for r in posts.results if r != 201]
    figures(deploy_seconds=f"{deployed_at:.1f}", steps=steps, gets=len(gets.samples), get_statuses=statuses(gets.samples), gets_lost=len(get_lost),
            posts=len(posts.results), post_statuses=counts(posts.results), posts_lost=len(post_lost))
    assert restarted == {host.name: True for host in stack.app_hosts}, restarted
    assert get_lost == [] and post_lost == []
