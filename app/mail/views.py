from flask import current_app, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from ..extensions import db
from . import bp
from .email import Attachment, send_email


class MailForm(FlaskForm):
    recipient = EmailField("To", [DataRequired(), Email(check_deliverability=False)])
    cc = EmailField("Cc", [Optional(), Email(check_deliverability=False)])
    bcc = EmailField("Bcc", [Optional(), Email(check_deliverability=False)])
    subject = StringField("Subject", [DataRequired(), Length(max=120)], default="Hello")
    body = TextAreaField("Message", [DataRequired(), Length(max=5000)], default="Hello Flask message sent from Flask-Mail")
    attach = BooleanField("Attach hello.txt", default=True)
    submit = SubmitField("Send")


@bp.route("/mail", methods=["GET", "POST"])
def send():
    form = MailForm()
    if not form.is_submitted():
        return render_template("mail/send.html", form=form)
    if not form.validate():
        return render_template("mail/send.html", form=form), 400
    attachments = [Attachment("hello.txt", "text/plain", b"Hello from the Flask reference app.\n")] if form.attach.data else []
    send_email(
        form.subject.data,
        [form.recipient.data],
        "mail/message",
        cc=[form.cc.data] if form.cc.data else [],
        bcc=[form.bcc.data] if form.bcc.data else [],
        attachments=attachments,
        body=form.body.data,
    )
    db.session.commit()  # queued: from here the outbox sender owes this message to the mail server
    if current_app.config["MAIL_SUPPRESS_SEND"]:
        flash(f"Mail is not sent here (MAIL_SUPPRESS_SEND): your message to {form.recipient.data} is in the log.", "info")
    else:
        flash(f"Thank you: your message is queued and goes to {form.recipient.data} as soon as the mail server takes it.", "info")
    return redirect(url_for(".send"), 303)
