"""The outbox: every message the app sends waits here until a sender hands it to the SMTP server.

A page only queues (in its own transaction); `flask outbox send` delivers. Each message is
claimed for OUTBOX_LEASE seconds, the claim committed before a byte goes to SMTP, and marked sent
right after the server's answer:

- a sender that dies before the server took the message leaves a claim that runs out, and the
  next sender sends it: never lost, never stuck;
- a sender that dies once the message's last line has left it, and before the mark, leaves the
  message in doubt: the server stores what it received even from a dead client. It is sent again
  once the lease is over, with the same Message-ID (SMTP gives at-least-once; a receiver can drop
  the duplicate). Most of that window is the server's own work before its "250"; the sender's part
  is one autocommit statement, sent the moment the answer is read.
"""
import os
import smtplib
import socket
import time
from collections.abc import Callable
from datetime import timedelta

from flask import current_app
from flask_mail import Message, sanitize_address, sanitize_addresses

from ..clock import utcnow
from ..extensions import db, mail
from .models import OutboxMessage

WAITING = OutboxMessage.sent_at.is_(None)
# The server said no to this message (a reply code): it was not taken, so it may go again at once.
REFUSED = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)


def queue(msg: Message) -> OutboxMessage:
    """Keep the message exactly as it will be sent: same bytes, same Message-ID.

    It joins the caller's transaction: queued if and only if the caller's work commits.
    """
    if msg.date is None:
        msg.date = time.time()
    entry = OutboxMessage(
        message_id=msg.msgId,
        sender=sanitize_address(msg.sender),
        recipients=",".join(sanitize_addresses(msg.send_to)),
        raw=msg.as_bytes(),
    )
    db.session.add(entry)
    return entry


def count_waiting() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage).where(WAITING))


def _claim_statement(me: str, now, lease: float, after_id: int):
    """One statement: the oldest waiting message after `after_id` nobody holds (or whose holder's
    lease ran out), claimed. A round goes forward only, so a message refused in it waits for the next.

    SKIP LOCKED lets senders run side by side (the periodic one and a manual run) without waiting
    for each other; SQLite has no row locks and runs one writing statement at a time, which is as good.
    """
    free = db.or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now)
    oldest = (db.select(OutboxMessage.id).where(WAITING, free, OutboxMessage.id > after_id).order_by(OutboxMessage.id).limit(1)
              .with_for_update(skip_locked=True).scalar_subquery())
    return (db.update(OutboxMessage).where(OutboxMessage.id == oldest, WAITING, free)
            .values(claimed_until=now + timedelta(seconds=lease), claimed_by=me, attempts=OutboxMessage.attempts + 1)
            .returning(OutboxMessage.id, OutboxMessage.sender, OutboxMessage.recipients, OutboxMessage.raw))


def _update(message_id: int, **values):
    return db.update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values)


# Built once: between the server's "250" and this statement leaving for the database, nothing but
# the binding of two values, since a sender killed in that gap sends the message twice.
MARK_SENT = (db.update(OutboxMessage).where(OutboxMessage.id == db.bindparam("entry"))
             .values(sent_at=db.bindparam("at"), claimed_until=None, claimed_by=None, last_error=None))


def send_waiting(stop: Callable[[], bool] = lambda: False) -> tuple[int, int]:
    """Hand every waiting message to the SMTP server, one claim at a time.

    Returns (sent, still waiting, claimed ones included). A server that cannot be reached leaves
    everything as it was: the connection comes first, then the claims. `stop` is asked between
    messages, so a sender told to stop never leaves one half done.
    """
    waiting = count_waiting()
    if current_app.config["MAIL_SUPPRESS_SEND"] or not waiting:
        return 0, waiting
    me, lease, sent, last_id = f"{socket.gethostname()}:{os.getpid()}", current_app.config["OUTBOX_LEASE"], 0, 0
    # Autocommit: every claim and every mark is committed by the statement itself, one round trip.
    with db.engine.connect() as database:
        database.execution_options(isolation_level="AUTOCOMMIT")
        try:
            with mail.connect() as connection:
                while not stop() and (entry := database.execute(_claim_statement(me, utcnow(), lease, last_id)).first()):
                    sent, last_id = sent + _send_one(connection.host, entry, database), entry.id
        except (smtplib.SMTPException, OSError) as error:
            current_app.logger.warning("outbox: mail server not answering: %s", error)
    return sent, count_waiting()


def _send_one(host: smtplib.SMTP, entry, database) -> int:
    try:
        host.sendmail(entry.sender, entry.recipients.split(","), entry.raw)
    except REFUSED as error:  # this message only: its claim ends now, the next round tries it again
        database.execute(_update(entry.id, claimed_until=None, claimed_by=None, last_error=str(error)[:500]))
        return 0
    except (smtplib.SMTPException, OSError) as error:
        # No answer: the server may have stored it. It keeps its claim, goes again after the lease.
        database.execute(_update(entry.id, last_error=f"in doubt, sent again after the lease: {error}"[:500]))
        raise
    database.execute(MARK_SENT, {"entry": entry.id, "at": utcnow()})
    return 1
