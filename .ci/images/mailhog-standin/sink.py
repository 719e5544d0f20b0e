"""SMTP sink on SINK_HOST:1025 with MailHog's GET /api/v2/messages on SINK_HOST:8025 (CI stand-in):
each item's Raw (From, To, Data: the message as sent) and Content.Headers, as MailHog gives them."""
import email
import email.policy
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

HOST = os.environ.get("SINK_HOST", "0.0.0.0")
messages = []
lock = threading.Lock()


class Handler:
    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        headers = {name: [str(value) for value in parsed.get_all(name, [])] for name in set(parsed.keys())}
        with lock:
            raw = {"From": envelope.mail_from, "To": envelope.rcpt_tos, "Data": envelope.content.decode("utf-8", "replace")}
            messages.append({"Raw": raw, "Content": {"Headers": headers}})
        return "250 Message accepted"


class Api(BaseHTTPRequestHandler):
    def do_GET(self):
        if not self.path.startswith("/api/v2/messages"):
            self.send_error(404)
            return
        with lock:
            items = list(reversed(messages))  # newest first, as MailHog lists them
        body = json.dumps({"total": len(items), "count": len(items), "start": 0, "items": items}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    Controller(Handler(), hostname=HOST, port=1025).start()
    print(f"mailhog stand-in: SMTP {HOST}:1025, API {HOST}:8025", flush=True)
    ThreadingHTTPServer((HOST, 8025), Api).serve_forever()
