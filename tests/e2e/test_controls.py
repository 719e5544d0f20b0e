"""The compose stack's fault controls do what the suites rely on, each undone before the next test."""
import time

from tests.stacks.compose import ComposeStack


def eventually(predicate, timeout: float = 60, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"not {what} within {timeout:.0f} s"
        time.sleep(0.5)


def ready(stack: ComposeStack) -> int | None:
    try:
        return stack.request("GET", "/readyz", timeout=5).status
    except OSError:
        return None


def test_the_site_answers_through_a_web_server_reload(stack: ComposeStack):
    master = stack.web_pid()
    stack.reload_web_server()
    eventually(stack.healthy, what="answering after the reload")
    assert stack.web_pid() == master  # reloaded, not restarted


def test_readiness_follows_the_database(stack: ComposeStack):
    stack.stop_database()
    eventually(lambda: ready(stack) == 503, 30, "503 from /readyz without the database")
    stack.start_database()
    eventually(stack.healthy, what="ready once the database is back")


def test_the_mail_server_stops_and_starts_again(stack: ComposeStack):
    assert stack.stop_mail()
    assert not stack.stop_mail()  # already stopped
    stack.start_mail()
    assert isinstance(stack.delivered(), list)


def test_the_app_servers_stop_and_start_again(stack: ComposeStack):
    stack.stop_app_server()
    assert ready(stack) in (None, 502, 503)
    stack.start_app_server()
    eventually(stack.healthy, what="ready once the app servers are back")


def test_an_app_server_reload_serves_on(stack: ComposeStack):
    before = stack.app_pids() if stack.frontend != "fastcgi" else None
    stack.reload_app_server()
    eventually(stack.healthy, what="ready after the reload")
    if before is not None:
        eventually(lambda: stack.app_pids() and not stack.app_pids() & before, 30, "new app processes")


def test_flask_commands_run_against_the_stacks_database(stack: ComposeStack):
    done = stack.flask("db", "current")
    assert done.returncode == 0 and "(head)" in done.stdout, done.stdout + done.stderr
