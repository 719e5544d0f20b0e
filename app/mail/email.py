"""send_email(): the one place that builds and sends a message."""
import smtplib
from dataclasses import dataclass

from flask import current_app, render_template
from flask_mail import Message

from ..extensions import mail
from .outbox import queue


@dataclass
class Attachment:
    filename: str
    content_type: str
    data: bytes


class MailQueued(RuntimeError):
    """The SMTP server could not take the message now; it waits in the outbox (flask outbox send)."""


def send_email(subject, recipients, template, cc=(), bcc=(), attachments=(), **context) -> Message:
    """Render `<template>.txt` and `.html` into one message and hand it to the SMTP server."""
    msg = Message(subject, recipients=list(recipients), cc=list(cc), bcc=list(bcc))
    msg.body = render_template(f"{template}.txt", **context)
    msg.html = render_template(f"{template}.html", **context)
    for item in attachments:
        msg.attach(item.filename, item.content_type, item.data)
    if current_app.config["MAIL_SUPPRESS_SEND"]:
        # No SMTP server configured (make run, tests): log what would have gone out.
        current_app.logger.info("mail not sent (MAIL_SUPPRESS_SEND): to=%s subject=%r\n%s", msg.send_to, subject, msg.body)
    accepted = False
    try:
        with mail.connect() as connection:
            connection.send(msg)
            accepted = True
    except (smtplib.SMTPException, OSError) as error:
        if accepted:  # the server took the message and only QUIT failed: queued now, it would go out twice
            current_app.logger.warning("mail to %s sent; closing the SMTP connection failed: %s", msg.send_to, error)
            return msg
        current_app.logger.warning("mail to %s not sent now, queued: %s", msg.send_to, error)
        queue(msg, error)
        raise MailQueued(msg.msgId) from error
    return msg
