"""The outbox: what the SMTP server refused or could not be reached for, sent later by `flask outbox send`."""
import smtplib
import time
from collections.abc import Callable

from flask import current_app
from flask_mail import Message, sanitize_address, sanitize_addresses

from ..clock import utcnow
from ..extensions import db, mail
from .models import OutboxMessage


def queue(msg: Message, error: Exception) -> OutboxMessage:
    """Keep the message exactly as it would have been sent: same bytes, same Message-ID."""
    if msg.date is None:
        msg.date = time.time()
    entry = OutboxMessage(
        message_id=msg.msgId,
        sender=sanitize_address(msg.sender),
        recipients=",".join(sanitize_addresses(msg.send_to)),
        raw=msg.as_bytes(),
        attempts=1,
        last_error=str(error)[:500],
    )
    db.session.add(entry)
    db.session.commit()
    return entry


def count_waiting() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None)))


def _claim_next(after_id: int) -> OutboxMessage | None:
    """The next waiting message no other sender is working on, locked until the next commit.

    SKIP LOCKED is what lets two senders run at once (the periodic one and a manual run) without
    either sending a message twice. SQLite ignores it; it has no concurrent writers to fear.
    """
    query = (db.select(OutboxMessage).where(OutboxMessage.sent_at.is_(None), OutboxMessage.id > after_id)
             .order_by(OutboxMessage.id).limit(1).with_for_update(skip_locked=True))
    return db.session.scalars(query).first()


def send_waiting(stop: Callable[[], bool] = lambda: False) -> tuple[int, int]:
    """Hand every waiting message to the SMTP server; one is marked sent only once the server took it.

    Returns (sent, still waiting). A server that cannot be reached leaves everything queued.
    `stop` is asked between messages, so a sender told to stop never leaves one half done.
    """
    if current_app.config["MAIL_SUPPRESS_SEND"] or not count_waiting():
        return 0, count_waiting()
    sent, last_id = 0, 0
    try:
        with mail.connect() as connection:
            while not stop() and (entry := _claim_next(last_id)) is not None:
                last_id = entry.id
                entry.attempts += 1
                try:
                    connection.host.sendmail(entry.sender, entry.recipients.split(","), entry.raw)
                except smtplib.SMTPRecipientsRefused as error:  # this message only; go on with the rest
                    entry.last_error = str(error)[:500]
                else:
                    entry.sent_at, entry.last_error = utcnow(), None
                    sent += 1
                db.session.commit()  # the mark, and the end of the lock, right after the server's answer
    except (smtplib.SMTPException, OSError) as error:
        current_app.logger.warning("outbox: mail server not answering: %s", error)
        db.session.rollback()
    return sent, count_waiting()
