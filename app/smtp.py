"""Flask-Mail with a timeout: its own SMTP connection has none, so a silent server hangs the request."""
import smtplib

import flask_mail
from flask import current_app


class TimedConnection(flask_mail.Connection):
    def configure_host(self):
        timeout = current_app.config["MAIL_TIMEOUT"]
        smtp_class = smtplib.SMTP_SSL if self.mail.use_ssl else smtplib.SMTP
        host = smtp_class(self.mail.server, self.mail.port, timeout=timeout)
        host.set_debuglevel(int(self.mail.debug))
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


class Mail(flask_mail.Mail):
    def connect(self) -> TimedConnection:
        return TimedConnection(current_app.extensions["mail"])
