"""What a scrape reads at that moment, from the database and the build, rather than counting it."""
import os
from datetime import timezone
from importlib import metadata

from flask import current_app
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy.exc import SQLAlchemyError

from ..config import PACKAGE
from ..extensions import db
from ..mail.models import OutboxMessage
from .instruments import PREFIX


def build_info() -> GaugeMetricFamily:
    try:
        version = metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        version = "unknown"
    family = GaugeMetricFamily(f"{PREFIX}_build_info", "The build that answers: the package version and BUILD_REVISION.",
                               labels=("version", "revision"))
    family.add_metric((version, os.environ.get("BUILD_REVISION") or "unknown"), 1)
    return family


def outbox() -> list[GaugeMetricFamily]:
    """The outbox's state, as every sender and page left it in the database: one statement, bounded
    by DATABASE_TIMEOUT like any other. A database that does not answer leaves only `outbox_up 0`."""
    waiting = OutboxMessage.sent_at.is_(None)
    statement = db.select(
        db.func.count().filter(waiting),
        db.func.count().filter(OutboxMessage.sent_at.is_not(None)),
        # Waiting after a try that went wrong: refused, or in doubt until its lease ends.
        db.func.count().filter(waiting, OutboxMessage.last_error.is_not(None)),
        db.func.max(OutboxMessage.sent_at),
    )
    up = GaugeMetricFamily(f"{PREFIX}_outbox_up", "1 when the outbox could be read for this scrape.")
    try:
        with db.engine.connect() as connection:
            waiting_count, sent_count, failed_count, last_sent = connection.execute(statement).one()
    except SQLAlchemyError as error:
        current_app.logger.warning("metrics: outbox not read: %s", type(error).__name__)
        up.add_metric((), 0)
        return [up]
    up.add_metric((), 1)
    messages = GaugeMetricFamily(f"{PREFIX}_outbox_messages", "Messages in the outbox: waiting, sent, failed (waiting after a failed try).",
                                 labels=("state",))
    for state, count in (("waiting", waiting_count), ("sent", sent_count), ("failed", failed_count)):
        messages.add_metric((state,), count)
    families = [up, messages]
    if last_sent is not None:
        if last_sent.tzinfo is None:  # SQLite keeps no zone; the app writes UTC (app/clock.py)
            last_sent = last_sent.replace(tzinfo=timezone.utc)
        last = GaugeMetricFamily(f"{PREFIX}_outbox_last_sent_timestamp_seconds",
                                 "When a sender last handed a message to the SMTP server (Unix time).")
        last.add_metric((), last_sent.timestamp())
        families.append(last)
    return families


class ScrapeTimeCollector:
    """A prometheus_client collector (anything with collect()) for the values read at scrape time."""

    def collect(self):
        yield build_info()
        yield from outbox()
