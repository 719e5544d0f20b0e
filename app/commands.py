"""`flask` commands: they run in an app context, so current_app and url_for work without a request."""
import os

import click
from flask import Flask, current_app, url_for
from flask.cli import with_appcontext

from .catalog import FEATURES
from .extensions import db
from .users.models import User


@click.command("urls")
@with_appcontext
@click.option("--server-name", default=None, help="Host[:port] for the links; default SERVER_NAME or localhost:5000.")
def urls_command(server_name):
    """Print the external URL of every feature (url_for outside a request needs SERVER_NAME)."""
    current_app.config["SERVER_NAME"] = server_name or current_app.config["SERVER_NAME"] or "localhost:5000"
    with current_app.app_context():  # a fresh app context picks up the SERVER_NAME just set
        for feature in FEATURES:
            click.echo(f"{feature.topic:<22} {url_for(feature.endpoint, _external=True, **feature.values)}")


@click.command("maintenance")
@with_appcontext
@click.argument("state", type=click.Choice(["on", "off", "status"]))
def maintenance_command(state):
    """Switch the maintenance page on or off for every worker (a flag file, no restart)."""
    flag = current_app.config["MAINTENANCE_FILE"]
    if state == "on":
        open(flag, "w").close()
    elif state == "off" and os.path.exists(flag):
        os.remove(flag)
    click.echo(f"maintenance is {'on' if os.path.exists(flag) else 'off'} ({flag})")


@click.command("seed-users")
@with_appcontext
@click.argument("count", type=click.IntRange(1, 10000), default=20)
def seed_users_command(count):
    """Add COUNT example users (user1…), keeping the ones already there."""
    existing = set(db.session.scalars(db.select(User.username)))
    new = [f"user{n}" for n in range(1, count + 1) if f"user{n}" not in existing]
    db.session.add_all(User(username=name, email=f"{name}@example.com") for name in new)
    db.session.commit()
    click.echo(f"added {len(new)} users, {len(existing) + len(new)} in all")


@click.group("outbox")
def outbox_group():
    """Mail the SMTP server could not take when it was sent."""


@outbox_group.command("send")
@with_appcontext
@click.option("--every", type=click.FloatRange(min=0, min_open=True), metavar="SECONDS",
              help="Keep running: send what waits every SECONDS, until SIGTERM or SIGINT (then exit 0).")
def outbox_send_command(every):
    """Send what is queued; exits 0 and says how many still wait when the server is down."""
    from .mail.outbox import send_waiting
    from .mail.sender import send_every

    if every is not None:
        send_every(every, click.echo)
        return
    sent, waiting = send_waiting()
    click.echo(f"outbox: {sent} sent, {waiting} waiting")


def init_app(app: Flask) -> None:
    for command in (urls_command, maintenance_command, seed_users_command, outbox_group):
        app.cli.add_command(command)
