"""Mail outage: the SMTP server is down while 20 messages are sent through the front end.

Each answer must say the message is queued (a 303 back to a page that says so, never a 500).
`flask outbox send` with the server still down exits 0, says 20 wait and delivers nothing. With the
server back, the sender delivers them: exactly 20 in the maildir, no Message-ID twice, and still 20
after another run and a round of the runner's periodic sender, which may deliver some of them
itself: the proof counts what arrived, not who sent it. Recovery: from the server's start to the
20th message in the maildir.
"""
import re
import secrets
import time

from .mail import FormSession, delivered, wait_for_delivery

MESSAGES = 20
DELIVERY_TIMEOUT = 30.0


def test_mail_sent_during_an_smtp_outage_is_queued_and_delivered_exactly_once(stack, result):
    tag = f"mail outage {secrets.token_hex(4)}"  # tells this run's messages from any other in the maildir
    last_id_before, waiting_before = stack.sql("SELECT coalesce(max(id), 0), count(*) FILTER (WHERE sent_at IS NULL) FROM outbox")[0]
    stack.stop_mail()
    try:
        answers = FormSession(stack).send(tag, MESSAGES)
        queued_ids = [row[0] for row in stack.sql("SELECT message_id FROM outbox WHERE id > %s AND sent_at IS NULL", (last_id_before,))]
        while_down = stack.flask("outbox", "send")
        delivered_while_down = delivered(stack, tag)
    finally:
        back_at = time.monotonic()
        stack.start_mail()
    first_run = stack.flask("outbox", "send")
    arrived, all_at = wait_for_delivery(stack, tag, MESSAGES, back_at + DELIVERY_TIMEOUT)
    time.sleep(stack.outbox_interval + 1)  # one more round of the periodic sender
    second_run = stack.flask("outbox", "send")
    arrived_at_end = delivered(stack, tag)
    unsent = stack.sql("SELECT count(*) FROM outbox WHERE id > %s AND sent_at IS NULL", (last_id_before,))[0][0]

    not_queued = [a for a in answers if not a.queued]
    result.sent, result.failed = len(answers), len(not_queued)
    result.slowest = max((a.seconds for a in answers), default=0.0)
    result.recovery = None if all_at is None else all_at - back_at
    by_hand = _sent_count(first_run.stdout)
    result.details += [
        f"{len(answers)} posts with the SMTP server down: {len(answers) - len(not_queued)} answered 303 and 'queued', "
        f"slowest {result.slowest:.2f} s; {len(queued_ids)} rows waiting in the outbox",
        f"sender, server down: exit {while_down.returncode}, {_last_line(while_down.stdout)!r}",
        f"server back: {len(arrived)} delivered in {_seconds(result.recovery)} ({by_hand} by `flask outbox send`, "
        f"{len(arrived) - by_hand} by the periodic sender); sender again: {_last_line(second_run.stdout)!r}",
        f"maildir: {len(arrived_at_end)} messages of this run, {len(set(arrived_at_end))} distinct Message-IDs",
    ]
    result.expect(not not_queued, f"{len(not_queued)} of {len(answers)} posts not answered 'queued': "
                  + ", ".join(sorted({a.what for a in not_queued})))
    result.expect(len(queued_ids) == MESSAGES, f"{len(queued_ids)} messages waiting in the outbox, want {MESSAGES}")
    result.expect(while_down.returncode == 0 and f"outbox: 0 sent, {waiting_before + MESSAGES} waiting" in while_down.stdout,
                  f"sender with the server down: exit {while_down.returncode}, {(while_down.stdout + while_down.stderr).strip()[-300:]!r}")
    result.expect(not delivered_while_down, f"{len(delivered_while_down)} messages arrived while the server was down")
    result.expect(first_run.returncode == 0 and second_run.returncode == 0,
                  f"sender with the server back: exit {first_run.returncode}, then {second_run.returncode}: {first_run.stderr.strip()[-300:]!r}")
    result.expect(all_at is not None, f"only {len(arrived)} of {MESSAGES} arrived within {DELIVERY_TIMEOUT:g} s")
    result.expect(len(arrived_at_end) == MESSAGES and set(arrived_at_end) == set(queued_ids),
                  f"{len(arrived_at_end)} arrived in the end ({len(set(arrived_at_end))} distinct), want exactly the {MESSAGES} queued")
    result.expect(unsent == 0, f"{unsent} messages still unsent in the outbox")
    assert result.problems == []


def _sent_count(output: str) -> int:
    match = re.search(r"outbox: (\d+) sent", output)
    return int(match.group(1)) if match else 0


def _last_line(output: str) -> str:
    return output.strip().splitlines()[-1] if output.strip() else ""


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} s"
