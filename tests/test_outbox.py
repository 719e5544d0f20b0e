"""Mail outage loses nothing: queued in the outbox, sent once by `flask outbox send` when the server is back."""
import pytest

from app.extensions import db
from app.mail.models import OutboxMessage
from tests.services import free_port


@pytest.fixture
def mail_down_then_up(app, smtp_sink):
    """The app's SMTP settings point at nothing; up() points them at the real sink."""
    state = app.extensions["mail"]
    state.server, state.port, state.suppress = "127.0.0.1", free_port(), False
    app.config.update(MAIL_SUPPRESS_SEND=False, MAIL_TIMEOUT=2)
    smtp_sink.envelopes.clear()

    def up():
        state.port = smtp_sink.port

    return up


def queued(app):
    with app.app_context():
        return db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_messages_sent_while_the_server_is_down_wait_and_arrive_exactly_once(app, post_form, runner, smtp_sink, mail_down_then_up):
    for n in range(5):
        assert post_form("/mail", {"recipient": f"to{n}@example.com", "subject": f"queued {n}", "body": "x"}).status_code == 303
    assert len(queued(app)) == 5 and smtp_sink.envelopes == []

    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0 and "outbox: 0 sent, 5 waiting" in result.output  # still down: nothing lost

    mail_down_then_up()
    assert "outbox: 5 sent, 0 waiting" in runner.invoke(args=["outbox", "send"]).output
    assert "outbox: 0 sent, 0 waiting" in runner.invoke(args=["outbox", "send"]).output  # none twice
    messages = smtp_sink.messages(expected=5)
    assert sorted(m["Subject"] for m in messages) == [f"queued {n}" for n in range(5)]
    assert len(smtp_sink.envelopes) == 5
    stored = {entry.message_id: entry for entry in queued(app)}
    assert {m["Message-ID"] for m in messages} == set(stored)  # the same Message-ID as when first tried
    assert all(entry.sent_at is not None and entry.attempts == 2 for entry in stored.values())


def test_bcc_recipients_of_a_queued_message_still_get_it(app, post_form, runner, smtp_sink, mail_down_then_up):
    post_form("/mail", {"recipient": "to@example.com", "bcc": "hidden@example.com", "subject": "with bcc", "body": "x"})
    mail_down_then_up()
    runner.invoke(args=["outbox", "send"])
    [envelope] = smtp_sink.envelopes
    assert set(envelope.rcpt_tos) == {"to@example.com", "hidden@example.com"}
    assert smtp_sink.messages()[0]["Bcc"] is None
