"""The daily backup on a server installed the README's way: its timer is on, and its unit, run now,
writes a backup that verifies, with the row just stored in it (the restore drill itself is
tests/test_backups.py's, on a PostgreSQL of its own)."""
import time

from tests.stacks.server.container import APP_DIR

APP_USER = "www-data"  # deploy/defaults.env APP_USER


def backup_tool(stack, *arguments: str):
    return stack.exec(f"{APP_DIR}/.venv/bin/python", "-m", "deploy.backup", *arguments, user=APP_USER, workdir=APP_DIR)


def test_the_daily_backup_timer_is_on_and_its_unit_writes_a_backup_that_verifies(stack):
    assert stack.systemctl("is-enabled", "flask-reference-backup.timer").stdout.strip() == "enabled"
    assert stack.systemctl("is-active", "flask-reference-backup.timer").stdout.strip() == "active"
    name = f"backup{int(time.time() * 1000)}"
    # Straight into the database: the README's install sets no API_TOKEN, so its API is read-only.
    stack.sql("INSERT INTO users (username, email) VALUES (%s, 'b@example.com')", (name,))
    try:
        backs_up(stack, name)
    finally:  # test_equivalence compares every page with the other servers': leave /users/ as found
        stack.sql("DELETE FROM users WHERE username = %s", (name,))


def backs_up(stack, name: str) -> None:
    """The unit, run now, writes a backup that verifies and holds the row named name."""
    stack.systemctl("start", "flask-reference-backup.service")  # a oneshot: returns once it has finished
    folder = backup_tool(stack, "list").stdout.splitlines()[-1].split()[0]  # the newest: "<folder>  <size>"
    assert "is sound" in backup_tool(stack, "verify", folder).stdout
    users = stack.exec("pg_restore", "--data-only", "--table=users", "--file=-", f"{folder}/database.dump").stdout
    assert name in users  # the row stored a moment before
