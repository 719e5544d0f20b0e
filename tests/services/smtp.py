"""An SMTP server (aiosmtpd) that keeps every message it accepts, for the tests to read."""
import email
import email.policy
import time

from aiosmtpd.controller import Controller

from . import free_port


class SmtpSink:
    def __init__(self):
        self.envelopes = []
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted"

    def start(self) -> "SmtpSink":
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def messages(self, expected: int = 1, timeout: float = 5.0):
        """The parsed messages, once `expected` have arrived (delivery finishes on another thread)."""
        deadline = time.monotonic() + timeout
        while len(self.envelopes) < expected and time.monotonic() < deadline:
            time.sleep(0.02)
        return [email.message_from_bytes(e.content, policy=email.policy.default) for e in self.envelopes]
