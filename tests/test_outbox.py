"""Every message waits in the outbox until `flask outbox send` hands it over; an outage or a dead sender loses nothing.

Each message is claimed for OUTBOX_LEASE seconds before it is sent: a claim another sender holds
is left alone, one that ran out is taken over, and a send whose answer never came goes again only
after the lease (at-least-once, with the same Message-ID).
"""
import asyncio
import os
import re
import signal
import smtplib
import subprocess
import sys
import time

from datetime import timedelta

import pytest
from sqlalchemy import text

from app.clock import utcnow

from app.extensions import db
from app.mail.models import OutboxMessage
from app.mail.outbox import send_waiting
from tests.services import free_port

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


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


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"], indirect=True)  # SQLite: make run
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
    # One claim each: with the server down the sender claims nothing, it connects first.
    assert all(entry.sent_at is not None and entry.attempts == 1 and entry.claimed_until is None for entry in stored.values())


def test_bcc_recipients_of_a_queued_message_still_get_it(app, post_form, runner, smtp_sink, mail_down_then_up):
    post_form("/mail", {"recipient": "to@example.com", "bcc": "hidden@example.com", "subject": "with bcc", "body": "x"})
    mail_down_then_up()
    runner.invoke(args=["outbox", "send"])
    [envelope] = smtp_sink.envelopes
    assert set(envelope.rcpt_tos) == {"to@example.com", "hidden@example.com"}
    assert smtp_sink.messages()[0]["Bcc"] is None


def send(app) -> tuple[int, int]:
    with app.app_context():
        return send_waiting()


def test_a_goodbye_that_fails_after_the_round_sends_nothing_twice(app, post_form, smtp_sink, mail_down_then_up, monkeypatch):
    mail_down_then_up()
    post_form("/mail", {"recipient": "to@example.com", "subject": "once", "body": "x"})

    def quit_fails(self):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr(smtplib.SMTP, "quit", quit_fails)
    assert send(app) == (1, 0)  # marked sent the moment the server took it, before the goodbye
    monkeypatch.undo()
    assert send(app) == (0, 0)
    assert len(smtp_sink.messages(expected=1)) == 1


def claim(app, message_id: int, until, by: str = "dead-host:4242") -> None:
    with app.app_context():
        db.session.execute(db.update(OutboxMessage).where(OutboxMessage.id == message_id).values(claimed_until=until, claimed_by=by))
        db.session.commit()


def test_a_message_another_sender_has_claimed_waits_until_its_lease_runs_out(app, post_form, smtp_sink, mail_down_then_up):
    for n in range(2):
        post_form("/mail", {"recipient": "to@example.com", "subject": f"claimed {n}", "body": "x"})
    mail_down_then_up()
    first = queued(app)[0].id
    claim(app, first, utcnow() + timedelta(seconds=60))  # a sender at work on it
    assert send(app) == (1, 1)
    claim(app, first, utcnow() - timedelta(seconds=1))  # that sender died: its lease ran out
    assert send(app) == (1, 0)
    assert sorted(m["Subject"] for m in smtp_sink.messages(expected=2)) == ["claimed 0", "claimed 1"]
    assert len(smtp_sink.envelopes) == 2


def test_a_send_whose_answer_never_came_goes_again_only_after_the_lease(app, post_form, smtp_sink, mail_down_then_up, monkeypatch):
    post_form("/mail", {"recipient": "to@example.com", "subject": "in doubt", "body": "x"})
    mail_down_then_up()
    real_sendmail = smtplib.SMTP.sendmail

    def stored_but_the_answer_is_lost(self, *args):
        real_sendmail(self, *args)
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr(smtplib.SMTP, "sendmail", stored_but_the_answer_is_lost)
    assert send(app) == (0, 1)
    monkeypatch.undo()
    assert send(app) == (0, 1)  # still claimed: the server may have it, so not at once
    [entry] = queued(app)
    assert entry.claimed_until > utcnow() and entry.last_error.startswith("in doubt")
    claim(app, entry.id, utcnow() - timedelta(seconds=1))
    assert send(app) == (1, 0)
    messages = smtp_sink.messages(expected=2)
    assert len(messages) == 2 and len({m["Message-ID"] for m in messages}) == 1  # a receiver can drop the second


def test_a_message_the_server_refuses_for_now_goes_again_next_round(app, post_form, smtp_sink, mail_down_then_up, monkeypatch):
    post_form("/mail", {"recipient": "to@example.com", "subject": "later", "body": "x"})
    mail_down_then_up()

    async def busy(server, session, envelope):
        return "451 Try again later"

    monkeypatch.setattr(smtp_sink, "handle_DATA", busy)
    assert send(app) == (0, 1)
    [entry] = queued(app)
    assert entry.claimed_until is None and "451" in entry.last_error  # a clear no: the claim ends at once
    monkeypatch.undo()
    assert send(app) == (1, 0)
    assert len(smtp_sink.messages(expected=1)) == 1


def test_a_message_another_sender_is_working_on_is_left_to_it(app, post_form, smtp_sink, mail_down_then_up):
    for n in range(3):
        post_form("/mail", {"recipient": "to@example.com", "subject": f"held {n}", "body": "x"})
    mail_down_then_up()
    with app.app_context():
        with db.engine.connect() as other_sender:  # holds the first message, as a sender mid-way would
            other_sender.execute(text("SELECT id FROM outbox ORDER BY id LIMIT 1 FOR UPDATE"))
            assert send_waiting() == (2, 1)
            other_sender.rollback()
        assert send_waiting() == (1, 0)
    messages = smtp_sink.messages(expected=3)
    assert sorted(m["Subject"] for m in messages) == ["held 0", "held 1", "held 2"]
    assert len({m["Message-ID"] for m in messages}) == 3


@pytest.fixture
def start_sender(app, postgres_url, smtp_sink, tmp_path):
    """`flask outbox send --every SECONDS` as its own process, as compose's outbox service runs it."""
    started = []

    def start(every: float, **settings) -> tuple[subprocess.Popen, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
        env.update({"SECRET_KEY": "test-secret", "DATABASE_URL": postgres_url, "MAIL_SERVER": "127.0.0.1",
                    "MAIL_PORT": str(smtp_sink.port), "MAIL_SUPPRESS_SEND": "false", "MAIL_TIMEOUT": "2",
                    "APP_ENV_FILE": "/dev/null", **settings})
        log = str(tmp_path / f"sender-{len(started)}.log")
        flask = os.path.join(os.path.dirname(sys.executable), "flask")
        with open(log, "w") as out:
            process = subprocess.Popen([flask, "--app", "app", "outbox", "send", "--every", str(every)], cwd=ROOT, env=env,
                                       stdout=out, stderr=subprocess.STDOUT)
        started.append(process)
        return process, log

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def output_once(log: str, words: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(log) as f:
            output = f.read()
        if words in output:
            return output
        time.sleep(0.1)
    raise AssertionError(f"{words!r} never appeared in the sender's output:\n{output}")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_the_periodic_sender_delivers_what_waits_and_exits_0_promptly_on_a_signal(app, post_form, smtp_sink, mail_down_then_up, start_sender, sig):
    post_form("/mail", {"recipient": "to@example.com", "subject": "later", "body": "x"})
    sender, log = start_sender(every=60)  # one round at start, then a long sleep a signal must cut short
    output_once(log, "outbox: 1 sent, 0 waiting")
    assert [m["Subject"] for m in smtp_sink.messages(expected=1)] == ["later"]
    signalled = time.monotonic()
    sender.send_signal(sig)
    assert sender.wait(timeout=10) == 0
    assert time.monotonic() - signalled < 2
    assert f"outbox: stopped ({sig.name})" in output_once(log, "stopped")


def test_the_periodic_sender_keeps_mail_queued_while_the_server_is_down_and_sends_it_when_it_is_back(app, post_form, smtp_sink, mail_down_then_up, start_sender, tmp_path):
    for n in range(3):
        post_form("/mail", {"recipient": "to@example.com", "subject": f"outage {n}", "body": "x"})
    sender, log = start_sender(every=0.5, MAIL_PORT=str(free_port()))  # nothing listens there
    output_once(log, "outbox: 0 sent, 3 waiting")
    assert smtp_sink.envelopes == []
    sender.terminate()
    assert sender.wait(timeout=10) == 0
    sender, log = start_sender(every=0.5)
    output_once(log, "outbox: 3 sent, 0 waiting")
    time.sleep(1.5)  # a few more rounds: nothing goes twice
    sender.terminate()
    assert sender.wait(timeout=10) == 0
    assert len(smtp_sink.envelopes) == 3


def test_two_senders_at_once_send_each_message_once(app, post_form, smtp_sink, mail_down_then_up, start_sender, monkeypatch):
    for n in range(20):
        post_form("/mail", {"recipient": "to@example.com", "subject": f"race {n}", "body": "x"})
    mail_down_then_up()
    accept = smtp_sink.handle_DATA

    async def slowly(server, session, envelope):  # 0.1 s a message: both senders are at it at once
        await asyncio.sleep(0.1)
        return await accept(server, session, envelope)

    monkeypatch.setattr(smtp_sink, "handle_DATA", slowly)
    senders = [start_sender(every=0.05) for _ in range(2)]  # compose's outbox service and a cron job, say
    messages = smtp_sink.messages(expected=20, timeout=30)
    time.sleep(1)  # more rounds of both: nothing goes twice
    for sender, _ in senders:
        sender.terminate()
        assert sender.wait(timeout=10) == 0
    assert len(smtp_sink.envelopes) == 20
    assert len({m["Message-ID"] for m in messages}) == 20
    sent_by = [sum(int(n) for n in re.findall(r"outbox: (\d+) sent", open(log).read())) for _, log in senders]
    assert sum(sent_by) == 20 and 0 not in sent_by, sent_by  # both sent some, and none the same


def test_the_periodic_sender_outlives_a_database_outage(start_sender):
    sender, log = start_sender(every=0.2, DATABASE_URL=f"postgresql://app@127.0.0.1:{free_port()}/app")
    output_once(log, "outbox: database error, trying again in 0.2 s")
    time.sleep(0.5)
    assert sender.poll() is None  # still running: it tries again next round
    sender.terminate()
    assert sender.wait(timeout=10) == 0
