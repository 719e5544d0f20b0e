"""The periodic sender (`flask outbox send --every N`): compose's outbox service and the native runner run it."""
import signal
import time
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from .outbox import send_waiting


class StopSignals:
    """SIGTERM and SIGINT ask the loop to stop; it stops between messages, never in the middle of one.

    The handler only sets a flag: raising from it could land between the server's "250 accepted"
    and the commit that marks the message sent, and the message would go out again next round.
    """

    def __init__(self):
        self.received: str | None = None

    def __enter__(self) -> "StopSignals":
        self._previous = {sig: signal.signal(sig, self._handle) for sig in (signal.SIGTERM, signal.SIGINT)}
        return self

    def __exit__(self, *exc) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)

    def _handle(self, signum, frame) -> None:
        self.received = signal.Signals(signum).name

    def sleep(self, seconds: float) -> None:
        """Sleep, but wake within 0.2 s of a signal (time.sleep resumes after a handler that returns)."""
        deadline = time.monotonic() + seconds
        while self.received is None and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(left, 0.2))


def send_every(seconds: float, echo: Callable[[str], None]) -> None:
    """Send what waits, then sleep; until a signal. Says something only when mail waits or went out."""
    with StopSignals() as signals:
        echo(f"outbox: sending what waits every {seconds:g} s")
        while signals.received is None:
            try:
                sent, waiting = send_waiting(stop=lambda: signals.received is not None)
            except SQLAlchemyError as error:  # database away, or not migrated yet: stay up, try next round
                echo(f"outbox: database error, trying again in {seconds:g} s: {str(error).splitlines()[0]}")
            else:
                if sent or waiting:
                    echo(f"outbox: {sent} sent, {waiting} waiting")
            finally:
                # No transaction stays open while sleeping: it would hold locks a migration waits for.
                db.session.remove()
            signals.sleep(seconds)
        echo(f"outbox: stopped ({signals.received})")
