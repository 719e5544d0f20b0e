"""A stalled SMTP server: its port accepts connections and never answers, while 32 people post the mail form at once.

No request talks to SMTP (the page queues the message in its own transaction and answers), so
every post must answer "queued" within 1 s, and the site must keep serving meanwhile: /healthz
and a page, asked every 0.1 s from the burst on, each within 1 s. The outbox sender meanwhile
waits MAIL_TIMEOUT for a greeting that never comes and claims nothing (it connects first). Once
the server answers again, all 32 arrive, each once. Recovery: from the server's return to the
32nd message in the maildir.
"""
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from .load import HELLO
from .mail import FormSession, delivered, duplicates, wait_for_delivery

BURST, WITHIN = 32, 1.0
PROBED = ("/healthz", HELLO)
DELIVERY_TIMEOUT = 60.0


def test_posts_against_a_hanging_mail_server_answer_queued_at_once_and_arrive_once(stack, result):
    tag = f"mail hang {secrets.token_hex(4)}"
    last_id_before = stack.sql("SELECT coalesce(max(id), 0) FROM outbox")[0][0]
    sessions = [FormSession(stack).open() for _ in range(BURST)]  # the form is on 32 screens
    stack.hang_mail()
    try:
        hung_at, probes, stop = time.monotonic(), [], threading.Event()
        prober = threading.Thread(target=_probe, args=(stack, probes, stop))
        prober.start()
        together = threading.Barrier(BURST)

        def press_send(n: int):  # all 32 at the same moment
            together.wait()
            return sessions[n].post(tag, n)

        with ThreadPoolExecutor(BURST) as pool:
            answers = list(pool.map(press_send, range(BURST)))
        # Keep it hanging through a round of the sender: it must claim nothing it cannot send.
        time.sleep(max(0.0, hung_at + stack.outbox_interval + 2 - time.monotonic()))
        stop.set()
        prober.join()
        while_hung = delivered(stack, tag)
        claimed = stack.sql("SELECT count(*) FROM outbox WHERE id > %s AND claimed_until IS NOT NULL", (last_id_before,))[0][0]
    finally:
        back_at = time.monotonic()
        stack.unhang_mail()
    arrived, all_at = wait_for_delivery(stack, tag, BURST, back_at + DELIVERY_TIMEOUT)
    time.sleep(stack.outbox_interval + 1)  # another round sends none of them again
    arrived = delivered(stack, tag)

    slow_or_not_queued = [a for a in answers if not a.queued or a.seconds > WITHIN]
    slow_probes = [p for p in probes if p[1] != 200 or p[2] > WITHIN]
    result.sent, result.failed = len(answers) + len(probes), len(slow_or_not_queued) + len(slow_probes)
    result.slowest = max([a.seconds for a in answers] + [p[2] for p in probes], default=0.0)
    result.recovery = None if all_at is None else all_at - back_at
    result.details += [
        f"{BURST} posts at once, SMTP hanging: {sum(a.queued for a in answers)} answered 'queued', slowest "
        f"{max((a.seconds for a in answers), default=0):.2f} s; {len(probes)} probes of {' and '.join(PROBED)}, "
        f"slowest {max((p[2] for p in probes), default=0):.2f} s; {claimed} claims while hanging",
        f"server back: {len(set(arrived))} of {BURST} delivered in {_seconds(result.recovery)}, {duplicates(arrived)} duplicates",
    ]
    result.expect(len(answers) == BURST and not slow_or_not_queued,
                  f"{len(slow_or_not_queued)} of {BURST} posts not answered 'queued' within {WITHIN:g} s: "
                  + ", ".join(sorted({a.what if not a.queued else f'{a.seconds:.1f} s' for a in slow_or_not_queued})))
    result.expect(bool(probes) and not slow_probes, f"{len(slow_probes)} of {len(probes)} probes failed or took over {WITHIN:g} s: "
                  + ", ".join(f"{path} {status} {seconds:.1f} s" for path, status, seconds in slow_probes[:5]))
    result.expect(not while_hung and claimed == 0, f"while hanging: {len(while_hung)} delivered, {claimed} claimed")
    result.expect(all_at is not None, f"only {len(set(arrived))} of {BURST} arrived within {DELIVERY_TIMEOUT:g} s")
    result.expect(len(arrived) == BURST, f"{len(arrived)} messages arrived for {BURST} posted ({duplicates(arrived)} duplicates)")
    assert result.problems == []


def _probe(stack, probes: list, stop: threading.Event) -> None:
    """Ask /healthz and a page in turn every 0.1 s: (path, status, seconds); status None on no answer."""
    n = 0
    while not stop.is_set():
        path = PROBED[n % len(PROBED)]
        started = time.monotonic()
        try:
            probes.append((path, stack.request("GET", path, timeout=10).status, time.monotonic() - started))
        except OSError:
            probes.append((path, None, time.monotonic() - started))
        n += 1
        stop.wait(0.1)


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} s"
