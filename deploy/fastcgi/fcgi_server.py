#!/usr/bin/env python3
"""The flup FastCGI server for yourapplication.wsgi, for nginx's fastcgi_pass.

Usage: fcgi_server.py [BIND]   (BIND overrides FCGI_BIND)
Settings from the environment:
  FCGI_BIND         unix:/path/to.sock (default unix:/run/flask-reference/fcgi.sock) or host:port
  FCGI_UMASK        umask for the unix socket (default 007: nginx's worker must share the group)
  FCGI_MAX_THREADS  requests handled at once (default 32)
  FCGI_WEB_SERVER_ADDRS  flup's own list of client addresses allowed over TCP (e.g. 127.0.0.1)
Signals: SIGTERM or SIGINT stops accepting, lets requests in flight finish, and exits 0;
SIGHUP does the same and then starts again in a fresh interpreter (new code, new settings).
"""
import os
import runpy
import sys

from flup.server.fcgi import WSGIServer

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def bind_address(value: str):
    """flup wants a path for a unix socket and a (host, port) tuple for TCP."""
    if value.startswith("unix:"):
        return value[len("unix:"):]
    host, _, port = value.rpartition(":")
    return (host or "127.0.0.1", int(port))


def serve() -> bool:
    """Run until a signal; True when it was SIGHUP."""
    address = bind_address(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("FCGI_BIND", "unix:/run/flask-reference/fcgi.sock"))
    application = runpy.run_path(os.path.join(PROJECT_DIR, "yourapplication.wsgi"))["application"]
    max_threads = int(os.environ.get("FCGI_MAX_THREADS", "32"))
    server = WSGIServer(
        application,
        bindAddress=address,  # required: without it flup on Python 3 treats stdin as the socket
        umask=int(os.environ.get("FCGI_UMASK", "007"), 8) if isinstance(address, str) else None,
        maxThreads=max_threads,
        maxSpare=max_threads,
        minSpare=min(4, max_threads),
    )
    print(f"flup FastCGI server on {address}, {max_threads} threads, pid {os.getpid()}", flush=True)
    try:
        return server.run()  # returns once requests in flight are done
    finally:
        if isinstance(address, str) and os.path.exists(address):
            os.unlink(address)


if __name__ == "__main__":
    if serve():
        print("SIGHUP: restarting", flush=True)
        os.execv(sys.executable, [sys.executable, *sys.argv])
    print("stopped", flush=True)
