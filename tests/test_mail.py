"""The mail page queues; the outbox sender delivers to a real SMTP server what the page promised."""
import logging
import socket
import time

import pytest

from app.extensions import db
from app.mail.models import OutboxMessage
from app.mail.outbox import send_waiting


@pytest.fixture
def mail_app(app, smtp_sink):
    # Flask-Mail reads its settings at init_app; the fixture points the live state at the sink.
    state = app.extensions["mail"]
    state.server, state.port, state.suppress = "127.0.0.1", smtp_sink.port, False
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_sink.port, MAIL_SUPPRESS_SEND=False)
    smtp_sink.envelopes.clear()
    return app


def queued(app) -> list[OutboxMessage]:
    with app.app_context():
        return db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)).all()


def send_queued(app) -> tuple[int, int]:
    """What the outbox sender does each round (`flask outbox send`)."""
    with app.app_context():
        return send_waiting()


def test_mail_page_delivers_text_html_cc_bcc_and_an_attachment(mail_app, smtp_sink, client, post_form):
    form = {"recipient": "to@example.com", "cc": "cc@example.com", "bcc": "bcc@example.com", "subject": "Hi", "body": "Hello <there>", "attach": "y"}
    response = post_form("/mail", form, follow_redirects=True)
    assert "your message is queued and goes to to@example.com" in response.get_data(as_text=True)
    assert send_queued(mail_app) == (1, 0)
    [envelope] = smtp_sink.envelopes
    assert set(envelope.rcpt_tos) == {"to@example.com", "cc@example.com", "bcc@example.com"}
    [message] = smtp_sink.messages()
    assert message["Subject"] == "Hi" and message["To"] == "to@example.com" and message["Cc"] == "cc@example.com"
    assert message["Bcc"] is None  # bcc recipients must not be visible to the others
    assert "Hello <there>" in message.get_body(("plain",)).get_content()
    assert "Hello &lt;there&gt;" in message.get_body(("html",)).get_content()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "hello.txt" and b"Hello from" in attachment.get_content().encode()


def test_the_mail_page_queues_the_message_and_talks_to_no_smtp_server(mail_app, smtp_sink, client, post_form):
    response = post_form("/mail", {"recipient": "to@example.com", "subject": "Hi", "body": "x"})
    assert response.status_code == 303
    assert "your message is queued" in client.get("/mail").get_data(as_text=True)
    assert smtp_sink.envelopes == []  # the sender delivers it, not the request
    [entry] = queued(mail_app)
    assert entry.sent_at is None and entry.attempts == 0 and entry.message_id in entry.raw.decode()


def test_the_mail_page_does_not_tell_visitors_where_the_mail_server_is(mail_app, smtp_sink, client):
    body = client.get("/mail").get_data(as_text=True)
    assert "outbox sender" in body and f":{smtp_sink.port}" not in body and "127.0.0.1" not in body


def test_a_silent_mail_server_does_not_hold_up_the_page(mail_app, client, post_form):
    with socket.socket() as silent:  # accepts the connection, never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        mail_app.extensions["mail"].port = silent.getsockname()[1]
        started = time.monotonic()
        response = post_form("/mail", {"recipient": "to@example.com", "subject": "Hi", "body": "x"})
        assert response.status_code == 303 and time.monotonic() - started < 1  # MAIL_TIMEOUT is 10 s
        mail_app.config["MAIL_TIMEOUT"] = 1
        started = time.monotonic()
        assert send_queued(mail_app) == (0, 1)  # the sender gives up after MAIL_TIMEOUT; the message waits
        assert time.monotonic() - started < 5
    assert "your message is queued" in client.get("/mail").get_data(as_text=True)


def test_suppressed_mail_is_logged_instead_of_sent_and_not_queued(app, smtp_sink, client, post_form):
    smtp_sink.envelopes.clear()
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    app.logger.addHandler(handler)
    response = post_form("/mail", {"recipient": "to@example.com", "subject": "Quiet", "body": "x"})
    assert response.status_code == 303
    assert any("mail not sent" in r.getMessage() and "Quiet" in r.getMessage() for r in records)
    assert "is in the log" in client.get("/mail").get_data(as_text=True)
    assert smtp_sink.envelopes == [] and queued(app) == []  # no sender could send it to a real address later


def test_mail_form_rejects_a_bad_address_and_queues_nothing(mail_app, smtp_sink, post_form):
    response = post_form("/mail", {"recipient": "nobody", "subject": "Hi", "body": "x"})
    assert response.status_code == 400
    assert "Invalid email address." in response.get_data(as_text=True)
    assert queued(mail_app) == []
