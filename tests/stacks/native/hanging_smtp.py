"""A mail server that stalls: its port accepts every connection and never sends a byte.

No greeting, no reply: a client waits until its own timeout, as it would on an overloaded relay
or one whose disk hangs. Twenty lines of socket code; no SMTP library offers "say nothing".
"""
import socket
import threading


class HangingServer:
    def __init__(self, port: int):
        # create_server sets SO_REUSEADDR: the port was the real sink's a moment ago
        self._listener = socket.create_server(("127.0.0.1", port), backlog=256)
        self._listener.settimeout(0.2)  # accept() wakes up to see close(): closing alone does not wake it
        self._connections: list[socket.socket] = []
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._closing.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._connections.append(connection)  # kept open, never written to

    def close(self) -> None:
        """Stop listening and drop every connection (their clients see the server disconnect)."""
        self._closing.set()
        self._thread.join(5)
        self._listener.close()
        for connection in self._connections:
            connection.close()
