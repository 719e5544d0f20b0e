"""Liveness and readiness for load balancers, orchestrators and the front-end tests."""
from flask import Blueprint
from sqlalchemy.exc import OperationalError, ProgrammingError, SQLAlchemyError

from ..extensions import db
from .. import schema

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz():
    """The process answers: no dependency is touched, so a database outage never restarts it."""
    return {"status": "ok"}


@bp.route("/readyz")
def readyz():
    """Ready when the database answers with a schema this code can use: at its head revision or newer
    (during a rolling deploy the old replicas keep serving on the new, expanded schema). A schema
    still behind, or not there yet, is "not ready": a replica that started before its migration
    finished gets no traffic until it has."""
    try:
        with db.engine.connect() as connection:
            revision = schema.database_revision(connection)
    except (ProgrammingError, OperationalError) as error:
        if not schema.is_missing_table(error):
            return {"status": "unavailable", "database": type(error).__name__}, 503
        revision = None
    except SQLAlchemyError as error:
        return {"status": "unavailable", "database": type(error).__name__}, 503
    behind = schema.behind(revision)
    if behind:
        return {"status": "unavailable", "database": "ok", "schema": behind}, 503
    return {"status": "ok", "database": "ok"}
