"""The outbox sender is killed (`kill -9`) mid-batch, a few times, while it delivers 300 messages.

The 300 are posted through the front end with the SMTP server down, so they wait as one batch;
with the server back, the periodic sender starts on them, and each time it is seen delivering it
is killed at a random moment, then its supervisor (the native runner's, as systemd's
`Restart=always` and compose's `restart:`) must start another by itself.

Every message must arrive: a kill leaves at most the one message the sender had claimed, and its
claim runs out (OUTBOX_LEASE) so another sender takes it. Duplicates are counted, not forbidden:
SMTP gives at-least-once. A kill after the message's last line has left the sender and before its
mark reaches the database leaves that one message in doubt: the server stores it anyway (measured:
most first copies are stored 2–6 ms *after* the kill, while the server works before its "250"),
and it is sent again after the lease, with the same Message-ID so a receiver can drop it. The
sender claims one message at a time, so a kill costs at most one duplicate: duplicates ≤ kills.
Recovery: from the last kill to the last distinct message in the maildir; the details also say
when the last message in doubt was marked sent (about one lease later).
"""
import random
import secrets
import time

from .mail import FormSession, delivered, duplicates, wait_for_delivery

MESSAGES, KILLS = 300, 3  # 100 went by in about a second: a batch could end before the third kill (CI, 2 December)
DELIVERY_TIMEOUT = 120.0  # longer than the lease (OUTBOX_LEASE) plus a round of the sender


def test_a_sender_killed_mid_batch_comes_back_and_loses_no_message(stack, result):
    tag = f"sender killed {secrets.token_hex(4)}"
    last_id_before = stack.sql("SELECT coalesce(max(id), 0) FROM outbox")[0][0]
    stack.stop_mail()
    try:
        answers = FormSession(stack).send(tag, MESSAGES)
    finally:
        stack.start_mail()

    _wait_for_progress(stack, tag, time.monotonic() + stack.outbox_interval + 30)  # the batch has begun
    killed = []
    for _ in range(KILLS):
        time.sleep(random.uniform(0, 0.1))  # a random moment of its work (it sends ~100 a second here)
        if len(set(delivered(stack, tag))) >= MESSAGES:
            break
        killed.append(stack.kill_outbox_sender())  # the one its supervisor started after the last kill
        # Two more: the one the server was storing at the kill may land after it, sent by no one alive.
        _wait_for_progress(stack, tag, time.monotonic() + DELIVERY_TIMEOUT, more=2)
    last_kill = time.monotonic()
    arrived, all_at = wait_for_delivery(stack, tag, MESSAGES, last_kill + DELIVERY_TIMEOUT)
    # A message in doubt may be in the maildir already: it goes again once its lease is over.
    unsent, settled_at = _wait_until_all_marked(stack, last_id_before, last_kill + DELIVERY_TIMEOUT)
    time.sleep(stack.outbox_interval + 1)  # another round sends nothing again
    arrived = delivered(stack, tag)

    not_queued = [a for a in answers if not a.queued]
    lost, twice = MESSAGES - len(set(arrived)), duplicates(arrived)
    result.sent, result.failed = len(answers), len(not_queued) + lost
    result.slowest = max((a.seconds for a in answers), default=0.0)
    result.recovery = None if all_at is None else all_at - last_kill
    result.details += [
        f"{MESSAGES} queued; the sender killed {len(killed)} times mid-batch, each time another one "
        f"started by its supervisor (pids {', '.join(map(str, killed))})",
        f"maildir: {len(set(arrived))} of {MESSAGES} distinct, {twice} duplicates; "
        f"all there {_seconds(result.recovery)} after the last kill, all marked sent after "
        f"{_seconds(None if settled_at is None else settled_at - last_kill)}",
    ]
    result.expect(not not_queued, f"{len(not_queued)} posts not answered 'queued'")
    result.expect(len(killed) == KILLS, f"only {len(killed)} of {KILLS} kills landed mid-batch (the batch was done)")
    result.expect(len(set(killed)) == len(killed), f"the same sender killed twice: {killed}")
    result.expect(lost == 0 and unsent == 0, f"{lost} messages never arrived, {unsent} still unsent in the outbox")
    result.expect(twice <= len(killed), f"{twice} duplicates for {len(killed)} kills: more than one per kill")
    assert result.problems == []


def _wait_until_all_marked(stack, last_id_before: int, deadline: float) -> tuple[int, float | None]:
    """(messages of the run still unsent, when none was); None: some still were at the deadline."""
    while True:
        unsent = stack.sql("SELECT count(*) FROM outbox WHERE id > %s AND sent_at IS NULL", (last_id_before,))[0][0]
        if unsent == 0 or time.monotonic() > deadline:
            return unsent, time.monotonic() if unsent == 0 else None
        time.sleep(0.2)


def _wait_for_progress(stack, tag: str, deadline: float, more: int = 1) -> bool:
    """True once `more` messages of the run arrived (a sender is at work), or all did."""
    before = len(set(delivered(stack, tag)))
    while time.monotonic() < deadline:
        now = len(set(delivered(stack, tag)))
        if now >= before + more or now >= MESSAGES:
            return True
        time.sleep(0.05)
    return False


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} s"
