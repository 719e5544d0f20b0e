"""send_email(): the one place that builds a message and puts it in the outbox."""
from dataclasses import dataclass

from flask import current_app, render_template
from flask_mail import Message

from .outbox import queue


@dataclass
class Attachment:
    filename: str
    content_type: str
    data: bytes


def send_email(subject, recipients, template, cc=(), bcc=(), attachments=(), **context) -> Message:
    """Render `<template>.txt` and `.html` into one message and queue it; the caller commits.

    Nothing here talks to SMTP, so no page waits for a mail server: the message joins the request's
    transaction, and the outbox sender (`flask outbox send --every N`) delivers it.
    """
    msg = Message(subject, recipients=list(recipients), cc=list(cc), bcc=list(bcc))
    msg.body = render_template(f"{template}.txt", **context)
    msg.html = render_template(f"{template}.html", **context)
    for item in attachments:
        msg.attach(item.filename, item.content_type, item.data)
    if current_app.config["MAIL_SUPPRESS_SEND"]:
        # No SMTP server configured (make run, tests): the log is where it goes. Not queued either:
        # a developer's test mail must not go out to real addresses once a server is configured.
        current_app.logger.info("mail not sent (MAIL_SUPPRESS_SEND): to=%s subject=%r\n%s", msg.send_to, subject, msg.body)
        return msg
    queue(msg)
    return msg
