"""Mail the SMTP server could not take is sent later by the outbox unit, by itself, once."""
import secrets
import time

from tests.faults.mail import FormSession, delivered, wait_for_delivery


def test_mail_queued_while_the_smtp_server_is_down_is_sent_by_the_outbox_unit(stack):
    tag = f"server outbox {secrets.token_hex(4)}"
    stack.stop_mail()
    try:
        answers = FormSession(stack).send(tag, 3)
    finally:
        stack.start_mail()
    assert all(answer.queued for answer in answers), [answer.what for answer in answers]
    assert delivered(stack, tag) == []
    # Nobody runs `flask outbox send` here: the unit's next round delivers them.
    arrived, _ = wait_for_delivery(stack, tag, 3, time.monotonic() + stack.outbox_interval + 20)
    assert len(arrived) == 3 and len(set(arrived)) == 3, arrived
    time.sleep(stack.outbox_interval + 1)  # another round sends none of them again
    assert len(delivered(stack, tag)) == 3
