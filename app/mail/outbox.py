"""The outbox: what the SMTP server refused or could not be reached for, sent later by `flask outbox send`."""
import smtplib
import time

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


def waiting() -> list[OutboxMessage]:
    return db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.sent_at.is_(None)).order_by(OutboxMessage.id)).all()


def send_waiting() -> tuple[int, int]:
    """Hand every waiting message to the SMTP server; one is marked sent only once the server took it.

    Returns (sent, still waiting). A server that cannot be reached leaves everything queued.
    """
    entries = waiting()
    if not entries or current_app.config["MAIL_SUPPRESS_SEND"]:
        return 0, len(entries)
    sent = 0
    try:
        with mail.connect() as connection:
            for entry in entries:
                entry.attempts += 1
                try:
                    connection.host.sendmail(entry.sender, entry.recipients.split(","), entry.raw)
                except smtplib.SMTPRecipientsRefused as error:  # this message only; go on with the rest
                    entry.last_error = str(error)[:500]
                else:
                    entry.sent_at, entry.last_error = utcnow(), None
                    sent += 1
                db.session.commit()
    except (smtplib.SMTPException, OSError) as error:
        current_app.logger.warning("outbox: mail server not answering: %s", error)
        db.session.rollback()
    return sent, len(waiting())
