"""Writes that are safe to retry: a key names one write, and a retry gets the first answer back.

The answer is stored in the same transaction as the write, so a client whose answer was lost
to a timeout learns what happened by sending the same request with the same key again: the
write either committed with its answer, or neither exists and the retry runs it. Only answers
below 400 are stored: an error answer changed nothing, so its retry simply runs again.

API writes name their key in an `Idempotency-Key` header (scoped to the API token); the
students forms carry a hidden submission token (see `submit_once`).
"""
import functools
import hashlib
import re
from datetime import datetime, timedelta

from flask import Response, current_app, make_response, request
from sqlalchemy import JSON, DateTime, Integer, LargeBinary, String, text, tuple_
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.exceptions import BadRequest, Conflict, UnprocessableEntity

from .clock import utcnow
from .extensions import db

HEADER = "Idempotency-Key"
KEY = re.compile(r"^[\x21-\x7e]{1,255}$")  # visible ASCII, as the IETF draft's sf-string allows
REPLAYED = "Idempotent-Replayed"  # on a stored answer sent again (Stripe's name for it)
STORED_HEADERS = ("Location", "Content-Type")
READ_METHODS = {"GET", "HEAD", "OPTIONS"}
PURGE_BATCH = 100  # expired keys each keyed write deletes: the table cleans itself at the pace it grows


class StoredAnswer(db.Model):
    __tablename__ = "idempotency_keys"

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)  # whose key: a hash, never the token
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))  # method, path and body of the first request
    status: Mapped[int] = mapped_column(Integer)
    headers: Mapped[dict] = mapped_column(JSON)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class KeyInProgress(Conflict):
    description = "A request with this Idempotency-Key is still being processed. Retry in a moment for its answer."

    def get_headers(self, *args, **kwargs):
        return [*super().get_headers(*args, **kwargs), ("Retry-After", "1")]


class KeyReused(UnprocessableEntity):
    description = "This Idempotency-Key was already used for a different request (method, path or body). Use a new key."


def sha256(*parts: str | bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()


def replay_or_run(scope: str, key: str, fingerprint: str, write, wait: bool = False) -> Response:
    """The stored answer to (scope, key), or `write()` run and committed together with its answer.

    `write` must not commit. A second request with the key while the first runs gets 409, or
    with `wait` waits for the first to finish and gets its answer (a browser shows only the last).
    """
    _purge_expired()
    _lock(scope, key, wait)
    stored = db.session.get(StoredAnswer, (scope, key))
    if stored is not None and _expired(stored):
        db.session.delete(stored)
        db.session.flush()
        stored = None
    if stored is not None:
        if stored.fingerprint != fingerprint:
            raise KeyReused()
        db.session.commit()  # ends the transaction, and with it the lock (and keeps the purge)
        return Response(stored.body, stored.status, {**stored.headers, REPLAYED: "true"})
    response = make_response(write())
    if response.status_code >= 400:
        db.session.rollback()  # an error wrote nothing: nothing to keep, its retry runs again
        return response
    headers = {name: response.headers[name] for name in STORED_HEADERS if name in response.headers}
    db.session.add(StoredAnswer(scope=scope, key=key, fingerprint=fingerprint, status=response.status_code,
                                headers=headers, body=response.get_data()))
    db.session.commit()
    return response


def run_and_commit(write) -> Response:
    """A write without a key: committed if its answer is below 400, else rolled back."""
    response = make_response(write())
    if response.status_code < 400:
        db.session.commit()
    else:
        db.session.rollback()
    return response


def idempotent(view):
    """The API's write transaction: commit what the view wrote, once per Idempotency-Key.

    Views flush and return; this commits (an answer of 400 and above rolls back instead).
    """

    @functools.wraps(view)
    def decorator(*args, **kwargs):
        if request.method in READ_METHODS:
            return view(*args, **kwargs)
        key = request.headers.get(HEADER)
        if key is None:
            return run_and_commit(lambda: view(*args, **kwargs))
        if not KEY.match(key):
            raise BadRequest(f"{HEADER} must be 1 to 255 visible ASCII characters.")
        scope = sha256("api", current_app.config["API_TOKEN"] or "")
        fingerprint = sha256(request.method, request.full_path, request.get_data(cache=True))
        return replay_or_run(scope, key, fingerprint, lambda: view(*args, **kwargs))

    return decorator


def submit_once(form_name: str, token: str | None, fields: dict, write) -> tuple[Response, bool]:
    """A form's write, once per submission token and content: (the answer, whether it was saved before).

    The token is the form's hidden field, new on each form shown; the content is part of the key,
    so a form taken back and changed is a new submission, while a double click or a retry is not.
    Without a token (a client that never showed the form) the write simply runs.
    """
    if not token:
        return run_and_commit(write), False
    key = sha256(token, *(f"{name}={value}" for name, value in sorted(fields.items())))
    response = replay_or_run(sha256("form", form_name), key, key, write, wait=True)
    return response, REPLAYED in response.headers


def _lock(scope: str, key: str, wait: bool) -> None:
    """Hold the key for this transaction (PostgreSQL); SQLite lets one writer in at a time anyway."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    lock_id = int.from_bytes(bytes.fromhex(sha256(scope, key)[:16]), "big", signed=True)
    if wait:
        db.session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id})
    elif not db.session.execute(text("SELECT pg_try_advisory_xact_lock(:id)"), {"id": lock_id}).scalar():
        raise KeyInProgress()


def _cutoff() -> datetime:
    return utcnow() - timedelta(hours=current_app.config["IDEMPOTENCY_KEY_HOURS"])


def _expired(stored: StoredAnswer) -> bool:
    created = stored.created_at
    if created.tzinfo is None:  # SQLite keeps no time zone; the value was written in UTC
        created = created.replace(tzinfo=_cutoff().tzinfo)
    return created < _cutoff()


def _purge_expired() -> None:
    # SKIP LOCKED: two writes never wait for each other to clean the same old rows.
    expired = (db.select(StoredAnswer.scope, StoredAnswer.key).where(StoredAnswer.created_at < _cutoff())
               .limit(PURGE_BATCH).with_for_update(skip_locked=True))
    db.session.execute(db.delete(StoredAnswer).where(tuple_(StoredAnswer.scope, StoredAnswer.key).in_(expired)),
                       execution_options={"synchronize_session": False})
