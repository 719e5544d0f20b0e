"""Bounded database waits: no wait for PostgreSQL outlasts DATABASE_TIMEOUT, whatever the server does.

libpq's own timeouts miss a server that stops answering on a live connection: a SIGSTOPped, paused
or storage-stalled PostgreSQL still has its kernel ACK every packet, so TCP keepalives and
tcp_user_timeout never fire, and its statement_timeout cannot run. So psycopg2 runs in its "green"
mode, where every wait for the server (connect, statement, commit, rollback) goes through one
callback; ours polls with select() against a deadline and, past it, closes the connection and
raises OperationalError. SQLAlchemy takes a closed connection for a disconnect (the pool drops it)
and app/errors.py answers 503 + Retry-After.

A per-process breaker frees the threads while the database is stuck: after one wait timed out,
every database call fails at once for DATABASE_COOLDOWN seconds (those already waiting too), then
one call at a time probes the server until one is answered.
"""
import math
import os
import select
import socket
import threading
import time

import psycopg2
import psycopg2.extensions
import psycopg2.extras
from flask import Flask
from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError

from .extensions import db

# How often a wait looks up from select() to see whether another thread found the server stuck.
GLANCE = 0.1
# A pooled connection unused this long is pinged before a request gets it (ping_when_idle).
PING_AFTER_IDLE = 1.0


class DatabaseTimeout(psycopg2.OperationalError):
    """PostgreSQL did not answer within DATABASE_TIMEOUT, or did not answer another thread lately."""


class CommitUnconfirmed(DatabaseTimeout):
    """A COMMIT went out and its answer did not come back: the write may or may not be saved."""


class Breaker:
    """Closed: every wait goes to the server. Open (for `cooldown` s after a timeout): none does.
    Then half-open: one wait, the probe, goes; its answer closes the breaker, its timeout opens it."""

    def __init__(self, cooldown: float):
        self.cooldown = cooldown
        self._lock = threading.Lock()
        self._open_until: float | None = None  # None: closed
        self._probing = False

    def is_open(self) -> bool:
        until = self._open_until
        return until is not None and time.monotonic() < until

    def admit(self) -> str | None:
        """"closed" or "probe": the wait may go to the server; None: fail at once."""
        if self._open_until is None:
            # No lock on the common path (every wait of every query): a trip racing this read lets
            # one wait through, as if it had begun a moment earlier, and is_open() stops it there.
            return "closed"
        with self._lock:
            if self._open_until is None:
                return "closed"
            if self._probing or time.monotonic() < self._open_until:
                return None
            self._probing = True
            return "probe"

    def answered(self, admitted: str) -> None:
        if admitted == "probe":
            with self._lock:
                self._open_until, self._probing = None, False

    def failed(self, admitted: str) -> None:
        """A wait that ended without an answer: a failed probe opens the breaker again."""
        if admitted == "probe":
            self.trip()

    def trip(self) -> None:
        with self._lock:
            self._open_until, self._probing = time.monotonic() + self.cooldown, False


def bounded_connection_class(timeout: float, cooldown: float) -> type:
    """A psycopg2 connection class that carries one engine's bounds and breaker: class attributes,
    because the connect itself waits inside __init__, before an instance could be given any."""
    return type("BoundedConnection", (psycopg2.extensions.connection,),
                {"timeout": timeout, "breaker": Breaker(cooldown)})


def wait(connection) -> None:
    """psycopg2's wait callback, for every connection of the process; unbounded ones (not made by
    an engine this module set up, e.g. a test's own) wait as psycopg2.extras.wait_select does."""
    timeout = getattr(connection, "timeout", None)
    if timeout is None:
        return psycopg2.extras.wait_select(connection)
    committing = connection.__dict__.pop("committing", False)
    breaker: Breaker = connection.breaker
    admitted = breaker.admit()
    if admitted is None:
        _give_up(connection, committing, "PostgreSQL did not answer lately; not asked again yet")
    try:
        _wait(connection, time.monotonic() + timeout, admitted, committing)
    except psycopg2.Error as error:
        # The server's own error (a failed statement, its statement_timeout: a SQLSTATE) is an
        # answer; a connection that failed on this side (refused, a full listen queue) is not.
        (breaker.answered if error.pgcode else breaker.failed)(admitted)
        raise
    except BaseException:
        breaker.failed(admitted)  # the probe is never left taken
        raise
    breaker.answered(admitted)


def _wait(connection, deadline: float, admitted: str, committing: bool) -> None:
    breaker, timeout = connection.breaker, connection.timeout
    while True:
        state = connection.poll()
        if state == psycopg2.extensions.POLL_OK:
            return
        if admitted == "closed" and breaker.is_open():
            _give_up(connection, committing, "PostgreSQL stopped answering another request")
        left = deadline - time.monotonic()
        if left <= 0:
            breaker.trip()
            _give_up(connection, committing, f"PostgreSQL did not answer within {timeout:g} s")
        fd = connection.fileno()
        if state == psycopg2.extensions.POLL_READ:
            select.select([fd], [], [], min(left, GLANCE))
        elif state == psycopg2.extensions.POLL_WRITE:
            select.select([], [fd], [], min(left, GLANCE))
        else:
            raise psycopg2.OperationalError(f"unexpected state from poll(): {state}")


def _give_up(connection, committing: bool, why: str):
    """End the connection for good, so SQLAlchemy sees a disconnect and the pool drops it. What it
    sent is rolled back when the server reads on and finds it closed; all but a COMMIT already sent,
    whose outcome nobody here can know."""
    _hang_up(connection)
    if committing:
        raise CommitUnconfirmed(f"{why}; the COMMIT was sent, so the write may have been saved")
    raise DatabaseTimeout(why)


def _hang_up(connection) -> None:
    # connection.close() would deadlock: psycopg2 holds the connection's lock around this callback.
    # Shutting the socket down (on a duplicate, so libpq still owns and closes its own descriptor)
    # ends it just as well, and the poll() that follows makes libpq see it and mark it closed.
    try:
        with socket.socket(fileno=os.dup(connection.fileno())) as sock:
            sock.shutdown(socket.SHUT_RDWR)
        connection.poll()
    except (OSError, psycopg2.Error):
        pass


def ping_when_idle(engine, idle_seconds: float = PING_AFTER_IDLE) -> None:
    """pool_pre_ping, for connections that sat in the pool: a round trip per checkout was a sixth of
    a database read's cost (issue 19). A connection idle past `idle_seconds` may have outlived a
    database restart, so it is pinged and, if dead, replaced before any request sees it. One in
    steady use is not: a disconnect on it invalidates the whole pool (SQLAlchemy), so the requests
    after it connect afresh."""

    @event.listens_for(engine, "checkin")
    def note_idle(dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def ping_if_idle(dbapi_connection, record, proxy):
        if time.monotonic() - record.info.get("idle_since", math.inf) < idle_seconds:
            return  # in use a moment ago, or just connected (no idle_since yet)
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            if engine.dialect.is_disconnect(error, dbapi_connection, None):
                raise DisconnectionError("the pooled connection was dead") from error  # the pool connects anew
            raise  # any other failure (the breaker, a timeout) is the request's: SQLAlchemy wraps it, a 503


def init_app(app: Flask) -> None:
    """Bound every PostgreSQL engine of the app (after db.init_app, which makes the engines)."""
    timeout, cooldown = app.config["DATABASE_TIMEOUT"], app.config["DATABASE_COOLDOWN"]
    psycopg2.extensions.set_wait_callback(wait)  # process-wide; unbounded connections keep waiting as before
    with app.app_context():
        engines = list(db.engines.values())
    app.extensions["database_breakers"] = breakers = []
    for engine in engines:
        if engine.dialect.driver == "psycopg2":
            connection_class = bounded_connection_class(timeout, cooldown)
            _bound(engine, connection_class)
            breakers.append(connection_class.breaker)
        ping_when_idle(engine)


def _bound(engine, connection_class: type) -> None:
    @event.listens_for(engine, "do_connect")
    def connect_bounded(dialect, record, cargs, cparams):
        cparams["connection_factory"] = connection_class

    @event.listens_for(engine, "commit")
    def commit_knowingly(connection):
        raw = connection.connection.dbapi_connection
        if connection_class.breaker.is_open():
            # Never send a COMMIT that could not be confirmed: closed first, the write is rolled
            # back for sure, and the client's 503 says it was not saved.
            raw.close()
        elif raw.status == psycopg2.extensions.STATUS_BEGIN:  # psycopg2 sends COMMIT only inside a transaction
            raw.committing = True
