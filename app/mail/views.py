from flask import flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from . import bp
from .email import Attachment, MailQueued, send_email


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
    try:
        send_email(
            form.subject.data,
            [form.recipient.data],
            "mail/message",
            cc=[form.cc.data] if form.cc.data else [],
            bcc=[form.bcc.data] if form.bcc.data else [],
            attachments=attachments,
            body=form.body.data,
        )
    except MailQueued:
        # Nothing is lost: the message waits in the outbox until the server takes it.
        flash("The mail server is not answering right now; your message is queued and will be sent when it is back.", "warning")
        return redirect(url_for(".send"), 303)
    flash(f"Message sent to {form.recipient.data}.", "info")
    return redirect(url_for(".send"), 303)
