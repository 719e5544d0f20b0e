"""Outbox senders on two app hosts at once deliver each of 100 queued messages exactly once
(Message-IDs counted in the mail host's Maildir)."""
import os
import re
import secrets
import signal
import time

from tests.faults.mail import FormSession, delivered, duplicates, wait_for_delivery
from tests.stacks.hosts import APP_HOSTS

MESSAGES = 100


def test_outbox_senders_on_two_hosts_deliver_each_message_once(stack, figures):
    tag = f"hosts outbox {secrets.token_hex(4)}"
    answers = FormSession(stack).send(tag, MESSAGES)  # no sender runs: all 100 wait in the outbox
    assert all(answer.queued for answer in answers)
    logs = {host: os.path.join(stack.state, f"outbox-{host}.log") for host in APP_HOSTS[:2]}
    senders = {host: stack.flask_on(host, "outbox", "send", "--every", "1", log=log) for host, log in logs.items()}
    try:
        arrived, _ = wait_for_delivery(stack, tag, MESSAGES, time.monotonic() + 60)
        time.sleep(3)  # rounds enough for a second copy to show, if one were sent
        arrived = delivered(stack, tag)
    finally:
        for process in senders.values():
            process.send_signal(signal.SIGTERM)
            process.wait(30)
    sent_by = {host: sum(int(n) for n in re.findall(r"outbox: (\d+) sent", open(log).read())) for host, log in logs.items()}
    figures(messages=MESSAGES, delivered=len(set(arrived)), duplicates=duplicates(arrived), sent_by=sent_by)
    assert len(set(arrived)) == MESSAGES
    assert duplicates(arrived) == 0
